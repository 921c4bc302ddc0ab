package io.switchboard.internal.web;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Serves the browser client at {@code {prefix}/client.js}, whatever the prefix, with an ETag so
 * browsers revalidate cheaply. The script is a class-path resource, deliberately not under
 * {@code META-INF/resources}: containers serve that folder of every jar as static files, which
 * would publish the script at a fixed path even when Switchboard is switched off or uses another prefix.
 */
final class ClientScriptServlet extends HttpServlet {
    static final String RESOURCE = "io/switchboard/internal/web/client.js";

    private final byte[] script;
    private final String etag;

    ClientScriptServlet() {
        try (InputStream in = ClientScriptServlet.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the Switchboard jar");
            }
            this.script = in.readAllBytes();
            this.etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(script), 0, 8) + "\"";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
