package io.switchboard.internal.web;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Serves the browser client at {@code {prefix}/client.js}, whatever the prefix, with an ETag so
 * browsers revalidate cheaply. The script is kept in parts, one per concern, that {@value #MANIFEST}
 * lists in order; they are concatenated once, here, and served as one script (the node tests of the
 * client load the same concatenation). The parts are class-path resources, deliberately not under
 * {@code META-INF/resources}: containers serve that folder of every jar as static files, which
 * would publish them at a fixed path even when Switchboard is switched off or uses another prefix.
 */
final class ClientScriptServlet extends HttpServlet {
    /** The folder of the script's parts. */
    static final String PARTS = "io/switchboard/internal/web/client/";
    /** The parts' names in serving order, one a line; blank lines and {@code #} comments are skipped. */
    static final String MANIFEST = PARTS + "parts.txt";

    private final byte[] script;
    private final String etag;

    ClientScriptServlet() {
        this.script = assemble(ClientScriptServlet.class.getClassLoader());
        try {
            this.etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(script), 0, 8) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The script: the manifest's parts in order, each ending with a newline (one is added where
     * missing), a blank line between two. The node tests' loader (src/test/js/client-script.js)
     * joins them by the same rule.
     */
    static byte[] assemble(ClassLoader loader) {
        List<String> parts = new String(read(loader, MANIFEST), StandardCharsets.UTF_8).lines()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
        if (parts.isEmpty()) {
            throw new IllegalStateException(MANIFEST + " lists no parts");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                out.write('\n');
            }
            byte[] part = read(loader, PARTS + parts.get(i));
            out.writeBytes(part);
            if (part.length == 0 || part[part.length - 1] != '\n') {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the Switchboard jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        response.setHeader("ETag", etag);
        response.setHeader("Cache-Control", "no-cache");
        if (etag.equals(request.getHeader("If-None-Match"))) {
            response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
            return;
        }
        response.setContentType("text/javascript");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(script.length);
        response.getOutputStream().write(script);
    }
}
