package io.switchboard.it.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's minimal container login on one node: {@code POST /login} with form fields {@code user} and
 * {@code password} (the demo realm's is {@code demo}) opens an HTTP session whose cookie authenticates the WebSocket
 * handshake; {@code POST /logout} with that cookie invalidates the session. Both are sent with the node's own
 * Origin ({@code http://host:port}): the sample refuses cross-site logins and logouts.
 */
public final class SampleLogin {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final URI base;
    private final String origin;
    private final Duration timeout;

    /** Logins on {@code node}, each request answered within {@code timeout}. */
    public SampleLogin(ServerNode node, Duration timeout) {
        this.base = node.baseUri();
        this.origin = base.getScheme() + "://" + base.getHost() + ":" + base.getPort();
        this.timeout = timeout;
    }

    /** {@code POST /login} as {@code user}: the new HTTP session's cookie ({@code name=value}). */
    public String login(String user) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(form("/login")
                .POST(HttpRequest.BodyPublishers.ofString("user=" + user + "&password=demo")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("POST /login as %s: %s", user, response.body()).isBetween(200, 399);
        return response.headers().allValues("Set-Cookie").stream()
                .map(header -> header.split(";", 2)[0])
                .filter(cookie -> cookie.startsWith("JSESSIONID="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no session cookie in the answer to POST /login: " + response.headers()));
    }

    /** {@code POST /logout} with the session {@code cookie}: the status of the answer. */
    public int logout(String cookie) throws IOException, InterruptedException {
        return HTTP.send(form("/logout").header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.ofString("")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private HttpRequest.Builder form(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", origin);
    }
}
