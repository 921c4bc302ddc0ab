package io.switchboard.internal.protocol;

/** The rules for channel and event names (SPEC: 1 to 128 of {@code [A-Za-z0-9_.:@-]}). */
public final class ChannelNames {
    private static final int MAX_CHANNEL_LENGTH = 128;
    private static final int MAX_EVENT_LENGTH = 128;
    private static final int MAX_USER_LENGTH = 128;

    /** The pseudo-channel on which user-targeted events reach a session. */
    public static final String USER_CHANNEL = "@user";

    /** The pseudo-channel on which events addressed to one session by its id reach it. */
    public static final String SESSION_CHANNEL = "@session";

    /**
     * The channel every node publishes its figures on while an admin page watches: reserved, so
     * only the admin page's socket (an admin identity) may subscribe, and only the nodes publish.
     */
    public static final String ADMIN_CHANNEL = "@admin";

    private ChannelNames() {
    }

    /** 1 to 128 of {@code [A-Za-z0-9_.:@-]}; a loop, as every publish and subscribe asks. */
    public static boolean isValidChannel(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_CHANNEL_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '_' || c == '.' || c == ':' || c == '@' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /** Channels that need an identity and the authorizer's consent to subscribe. */
    public static boolean isPrivate(String channel) {
        return channel.startsWith("private-") || channel.startsWith("presence-");
    }

    /** Private channels that also keep a cluster-wide member list. */
    public static boolean isPresence(String channel) {
        return channel.startsWith("presence-");
    }

    /** Names starting with {@code @} are reserved for the server (user-targeted events). */
    public static boolean isReserved(String channel) {
        return channel.startsWith("@");
    }

    public static boolean isValidEvent(String event) {
        return event != null && !event.isEmpty() && event.length() <= MAX_EVENT_LENGTH && printable(event);
    }

    public static boolean isValidUser(String user) {
        return user != null && !user.isEmpty() && user.length() <= MAX_USER_LENGTH && printable(user);
    }

    /** A channel name for an error message: quoted, truncated, with control characters escaped. */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        String shortened = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        StringBuilder quoted = new StringBuilder("'");
        shortened.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                quoted.append(String.format("\\u%04x", cp));
            } else {
                quoted.appendCodePoint(cp);
            }
        });
        return quoted.append('\'').toString();
    }

    private static boolean printable(String value) {
        return value.codePoints().noneMatch(Character::isISOControl);
    }
}
