package io.switchboard.demo;

import org.apache.catalina.realm.GenericPrincipal;
import org.apache.catalina.realm.RealmBase;

import java.security.Principal;
import java.util.List;

/**
 * The demo worker's users: any name of 1 to 32 letters, digits, {@code _} or {@code -}, with the
 * password {@value #PASSWORD}. Enough to log in on the sample page (as two different people in two
 * browsers) and watch a logout close that login's sockets; not a way to keep anyone out.
 *
 * <p>No dots in names: the module's default authorizer grants {@code private-<user>.<anything>},
 * which would be ambiguous between users {@code a} and {@code a.b}.
 */
final class DemoRealm extends RealmBase {
    static final String PASSWORD = "demo";

    @Override
    protected String getPassword(String username) {
        return isValid(username) ? PASSWORD : null;
    }

    @Override
    protected Principal getPrincipal(String username) {
        return isValid(username) ? new GenericPrincipal(username, List.of()) : null;
    }

    private static boolean isValid(String username) {
        return username != null && username.matches("[A-Za-z0-9_-]{1,32}");
    }
}
