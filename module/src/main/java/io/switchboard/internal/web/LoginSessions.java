package io.switchboard.internal.web;

import io.switchboard.internal.session.Connection;
import io.switchboard.internal.protocol.CloseCodes;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connections each HTTP session logged in, so that they end with it: when the container
 * invalidates the session (logout, timeout) every connection whose identity came from that
 * session's login is closed with 4401. Registered as a listener by the initializer.
 *
 * <p><b>Threading.</b> Handshakes track on container threads, the container reports ended
 * sessions on its own threads; one lock guards both maps. Connections are closed outside it.
 */
final class LoginSessions implements HttpSessionListener, HttpSessionIdListener {
    /** Ids of sessions that ended lately, so that a handshake racing with the end is refused too. */
    private static final int RECENTLY_ENDED = 1024;

    /** The connections of one HTTP session, re-keyed when the container changes the session's id. */
    static final class Login {
        private String sessionId;                                  // guarded by lock
        private final Set<Connection> connections = new HashSet<>(); // guarded by lock

        private Login(String sessionId) {
            this.sessionId = sessionId;
        }
    }

    private final Object lock = new Object();
    private final Map<String, Login> bySessionId = new HashMap<>(); // guarded by lock
    private final Map<String, Boolean> ended = new LinkedHashMap<>() { // guarded by lock
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENTLY_ENDED;
        }
    };

    /**
     * Ties {@code connection} to the session its handshake was authenticated by. If the session
     * has ended already, the connection is closed at once and {@code null} returned.
     */
    Login track(HttpSession session, Connection connection) {
        String id;
        boolean alive;
        try {
            id = session.getId();
            session.getCreationTime(); // throws once the session is invalidated
            alive = true;
        } catch (IllegalStateException invalidated) {
            id = null;
            alive = false;
        }
        Login login = null;
        synchronized (lock) {
            if (alive && !ended.containsKey(id)) {
                login = bySessionId.computeIfAbsent(id, Login::new);
                login.connections.add(connection);
            }
        }
        if (login == null) {
            revoke(List.of(connection));
        }
        return login;
    }

    /** The connection closed: forget it. */
    void untrack(Login login, Connection connection) {
        synchronized (lock) {
            if (login.connections.remove(connection) && login.connections.isEmpty()) {
                bySessionId.remove(login.sessionId, login);
            }
        }
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
        String id = event.getSession().getId();
        Login login;
        List<Connection> connections;
        synchronized (lock) {
            ended.put(id, Boolean.TRUE);
            login = bySessionId.remove(id);
            connections = login == null ? List.of() : List.copyOf(login.connections);
        }
        revoke(connections);
    }

    @Override
    public void sessionIdChanged(HttpSessionEvent event, String oldSessionId) {
        String newId = event.getSession().getId();
        synchronized (lock) {
            Login login = bySessionId.remove(oldSessionId);
            if (login != null) {
                login.sessionId = newId;
                bySessionId.put(newId, login);
            }
        }
    }

    /** How many sessions have open connections (for tests). */
    int sessions() {
        synchronized (lock) {
            return bySessionId.size();
        }
    }

    /**
     * Closes on the calling (container) thread, not the node's closer: Tomcat closes WebSockets of
     * an ended authenticated HTTP session itself, synchronously, with 1008, in its own session
     * listener. Destroy notifications run in reverse order of registration, so ours (registered
     * after Tomcat's WebSocket initializer) runs first, and its close must be written by the
     * time it returns for the client to see 4401.
     */
    private static void revoke(List<Connection> connections) {
        for (Connection connection : connections) {
            connection.session().closeNow(CloseCodes.IDENTITY_EXPIRED, "the login ended (logout or session timeout)");
        }
    }
}
