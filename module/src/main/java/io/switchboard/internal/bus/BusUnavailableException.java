package io.switchboard.internal.bus;

/** The bus could not carry out an operation (Redis down, timed out, refused the command). */
public class BusUnavailableException extends RuntimeException {
    public BusUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
