package io.switchboard.demo;

/** A command line the launcher or the worker cannot run with; the message names the option and the value. */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
