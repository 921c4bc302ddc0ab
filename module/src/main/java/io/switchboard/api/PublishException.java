package io.switchboard.api;

/**
 * A publish that did not happen: the event was delivered nowhere. Retrying is safe.
 */
public class PublishException extends RuntimeException {
    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }

    public PublishException(String message) {
        super(message);
    }
}
