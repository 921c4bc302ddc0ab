package io.switchboard.it.containers;

import io.switchboard.it.support.Artifacts;
import org.jboss.shrinkwrap.api.ArchivePath;
import org.jboss.shrinkwrap.api.Filters;
import org.jboss.shrinkwrap.api.Node;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * Tiny web applications that hold nothing of Switchboard but the jar in {@code WEB-INF/lib}: one page, and
 * optionally configuration. The jar and its runtime dependencies (Redisson, Netty, Jackson, slf4j) are
 * taken from the sample WAR's {@code WEB-INF/lib}, which is what Maven resolves for an application that
 * depends on {@code io.switchboard:switchboard}.
 */
final class TinyApp {

    /** What the page says, to tell the application's own content from anything the module serves. */
    static final String PAGE_TEXT = "Tiny app, nothing but its own page";

    private TinyApp() {
    }

    /** {@code <name>.war}: the page and the libraries, no web.xml, no configuration at all. */
    static WebArchive withoutDescriptor(String name) {
        WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war")
                .addAsWebResource(new StringAsset("<!doctype html><title>Tiny app</title><h1>" + PAGE_TEXT + "</h1>"),
                        "index.html");
        Map<ArchivePath, Node> libraries = ShrinkWrap.createFromZipFile(WebArchive.class, Artifacts.sampleWar().toFile())
                .getContent(Filters.include("/WEB-INF/lib/.*\\.jar"));
        if (libraries.keySet().stream().noneMatch(path -> path.get().matches("/WEB-INF/lib/switchboard-[^/]*\\.jar"))) {
            throw new IllegalStateException(Artifacts.sampleWar() + " holds no switchboard jar in WEB-INF/lib: " + libraries.keySet());
        }
        libraries.forEach((path, node) -> war.add(node.getAsset(), path));
        return war;
    }

    /** Like {@link #withoutDescriptor}, plus a web.xml holding only {@code contextParams}. */
    static WebArchive withContextParams(String name, Map<String, String> contextParams) {
        String params = contextParams.entrySet().stream()
                .map(e -> "  <context-param>\n    <param-name>" + e.getKey() + "</param-name>\n    <param-value>"
                        + e.getValue() + "</param-value>\n  </context-param>\n")
                .collect(Collectors.joining());
        return withoutDescriptor(name).setWebXML(new StringAsset(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        + "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n" + params + "</web-app>\n"));
    }

    /**
     * Like {@link #withoutDescriptor}, configured through Tomcat's {@code META-INF/context.xml} (context
     * parameters without a web.xml).
     */
    static WebArchive withTomcatContextParams(String name, Map<String, String> contextParams) {
        String params = contextParams.entrySet().stream()
                .map(e -> "  <Parameter name=\"" + e.getKey() + "\" value=\"" + e.getValue() + "\" override=\"false\"/>\n")
                .collect(Collectors.joining());
        return withoutDescriptor(name).addAsManifestResource(new StringAsset("<Context>\n" + params + "</Context>\n"), "context.xml");
    }
}
