package io.switchboard.internal.protocol;

/**
 * A request refused for a reason its sender can act on: a bad name, data over a limit, a
 * channel it may not use, a rate limit, the bus unavailable. Every door maps it to its wire the
 * same way: an {@code error} frame with {@link #code()} on a connection (which stays open), an
 * HTTP status and error body on the API ({@link ErrorCode#httpStatus()}), an
 * {@code IllegalArgumentException} for the Java API's bad arguments.
 */
public class Refusal extends RuntimeException {
    private final ErrorCode code;

    public Refusal(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /**
     * Runs {@code call} for a Java API door: a refusal of what the caller passed becomes the
     * {@link IllegalArgumentException} the Java API documents.
     */
    public static <T> T asIllegalArgument(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (Refusal refusal) {
            throw new IllegalArgumentException(refusal.getMessage());
        }
    }
}
