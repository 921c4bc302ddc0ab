package io.switchboard.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** The sample WAR that the build stores inside switchboard-demo.jar, unpacked for a worker to serve. */
final class BundledWar {

    /** Where the assembly (src/assembly/demo.xml) puts the WAR inside the demo jar. */
    static final String RESOURCE = "/switchboard-sample.war";

    private BundledWar() {
    }

    /**
     * Unpacks the WAR into {@code directory} (created if needed) and returns it.
     * Tomcat could expand the WAR itself, but only into the host's appBase; unpacking here keeps every file of
     * this worker under its own temporary directory.
     */
    static Path extractTo(Path directory) throws IOException {
        try (InputStream war = BundledWar.class.getResourceAsStream(RESOURCE)) {
            if (war == null) {
                throw new IOException("the sample WAR (" + RESOURCE + ") is not on the class path: run the worker from "
                        + "sample-webapp/target/switchboard-demo.jar, built by `mvn -pl sample-webapp package`");
            }
            Path root = directory.toAbsolutePath().normalize();
            Files.createDirectories(root);
            try (ZipInputStream zip = new ZipInputStream(war)) {
                for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                    Path target = root.resolve(entry.getName()).normalize();
                    if (!target.startsWith(root)) {
                        throw new IOException("WAR entry '" + entry.getName() + "' points outside the web application");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(zip, target);
                    }
                }
            }
            return root;
        }
    }
}
