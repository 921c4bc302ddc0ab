package io.switchboard.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a worker's {@code {prefix}/api/health}; only a 200 counts as healthy. Thread-safe. */
final class HealthProbe {

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    private final String prefix;

    /** @param prefix the module's URL prefix, {@code /switchboard} unless configured otherwise */
    HealthProbe(String prefix) {
        this.prefix = prefix;
    }

    boolean isHealthy(int port) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + prefix + "/api/health"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet, or restarting
        }
    }
}
