package io.switchboard.internal.web;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handshake's answer to the extensions a browser offers: a browser offers permessage-deflate with
 * every connection, and the endpoint accepts the upgrade without it (a deflater and inflater per socket
 * would cost each idle connection far more than the socket itself, and every frame a compression per
 * subscriber).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSocketExtensionsTest {
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        server = new EmbeddedServer(Map.of("switchboard.node-id", "unit-ext"));
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    @Test
    void aBrowsersOfferOfPermessageDeflateIsUpgradedWithoutAnyExtension() throws Exception {
        List<String> answer = handshake("permessage-deflate; client_max_window_bits");
        assertThat(answer.get(0)).startsWith("HTTP/1.1 101");
        assertThat(answer).noneMatch(line -> line.toLowerCase().startsWith("sec-websocket-extensions"));
    }

    /** The status line and headers the server answers a handshake offering {@code extensions} with. */
    private List<String> handshake(String extensions) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            String request = "GET /switchboard/ws HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + server.port() + "\r\n"
                    + "Origin: " + server.baseUri() + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Extensions: " + extensions + "\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            List<String> lines = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                lines.add(line);
            }
            return lines;
        }
    }
}
