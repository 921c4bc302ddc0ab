package io.switchboard.internal.session;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Session ids that are unique in the cluster and say which node holds the session:
 * {@code <node id>.<22 random base64url characters>}. Any node can so route a request for a
 * session to the node that holds it without asking the cluster; the random part (128 bits)
 * makes ids unguessable, unlike a container's own session ids (Tomcat counts 0, 1, 2...).
 */
public final class SessionIds {
    /**
     * Independent generators, each picked by the calling thread's id. The default {@code SecureRandom}
     * on Linux (NativePRNG) serializes every caller of the JVM on one lock and reads /dev/urandom each
     * time, which a burst of connections queues on; each DRBG here seeds itself from the system once
     * and then only hashes, under its own lock.
     */
    private static final SecureRandom[] RANDOMS = randoms(16);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final int RANDOM_CHARS = 22;

    private SessionIds() {
    }

    private static SecureRandom[] randoms(int count) {
        SecureRandom[] randoms = new SecureRandom[count];
        for (int i = 0; i < count; i++) {
            try {
                randoms[i] = SecureRandom.getInstance("DRBG");
            } catch (NoSuchAlgorithmException e) {
                randoms[i] = new SecureRandom();
            }
        }
        return randoms;
    }

    /** A new session id on {@code nodeId}. */
    @SuppressWarnings("deprecation") // Thread.getId(): threadId() needs Java 19
    public static String next(String nodeId) {
        byte[] bytes = new byte[16];
        RANDOMS[(int) (Thread.currentThread().getId() & (RANDOMS.length - 1))].nextBytes(bytes);
        return nodeId + "." + ENCODER.encodeToString(bytes);
    }

    /** The node a session id names; empty for anything that is not a session id. */
    public static Optional<String> nodeOf(String sessionId) {
        if (sessionId == null) {
            return Optional.empty();
        }
        int dot = sessionId.lastIndexOf('.');
        if (dot < 1 || sessionId.length() - dot - 1 != RANDOM_CHARS
                || !sessionId.substring(dot + 1).matches("[A-Za-z0-9_-]+")) {
            return Optional.empty();
        }
        return Optional.of(sessionId.substring(0, dot));
    }
}
