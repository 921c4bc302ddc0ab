package io.switchboard.api;

/** No node holds the session a call named (it closed, or never was). */
public class NoSuchSessionException extends RuntimeException {
    public NoSuchSessionException(String message) {
        super(message);
    }
}
