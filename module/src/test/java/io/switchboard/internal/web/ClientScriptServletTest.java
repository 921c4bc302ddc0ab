package io.switchboard.internal.web;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The browser client at {@code /switchboard/client.js}: its parts served as one script, revalidated by ETag. */
class ClientScriptServletTest {
    private static final String PARTS = "io/switchboard/internal/web/client/";

    private EmbeddedServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = new EmbeddedServer(Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void servesThePartsTheManifestListsConcatenatedInItsOrderAsOneScript() throws Exception {
        HttpResponse<String> response = get(null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/javascript"));
        List<String> parts = manifest();
        assertThat(parts).startsWith("begin.js", "core.js").endsWith("end.js");
        // The rule the node tests' loader (src/test/js/client-script.js) follows as well.
        StringBuilder expected = new StringBuilder();
        for (String part : parts) {
            String text = resource(PARTS + part);
            if (!expected.isEmpty()) {
                expected.append('\n');
            }
            expected.append(text).append(text.endsWith("\n") ? "" : "\n");
        }
        assertThat(response.body()).isEqualTo(expected.toString());
        // One UMD script: opened by the first part, closed by the last.
        assertThat(response.body()).startsWith("/*").contains("(function (root, factory) {")
                .endsWith("  return Switchboard;\n});\n");
    }

    @Test
    void etagIsTheHashOfTheConcatenationAndARevalidationWithItIsAnsweredNotModified() throws Exception {
        HttpResponse<String> first = get(null);
        String etag = first.headers().firstValue("ETag").orElseThrow();
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(first.body().getBytes(StandardCharsets.UTF_8));
        assertThat(etag).isEqualTo("\"" + HexFormat.of().formatHex(digest, 0, 8) + "\"");
        assertThat(first.headers().firstValue("Cache-Control")).hasValue("no-cache");

        HttpResponse<String> revalidated = get(etag);
        assertThat(revalidated.statusCode()).isEqualTo(304);
        assertThat(revalidated.body()).isEmpty();
        assertThat(revalidated.headers().firstValue("ETag")).hasValue(etag);

        HttpResponse<String> stale = get("\"0000000000000000\"");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(first.body());
    }

    private HttpResponse<String> get(String ifNoneMatch) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUri() + "/switchboard/client.js"));
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static List<String> manifest() throws IOException {
        return resource(PARTS + "parts.txt").lines()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ClientScriptServletTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
