package dev.trainpod.devstack.shipping;

import dev.trainpod.devstack.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The gateway tests' nginx: the local stack's {@link Gateway} (the compose gateway's configuration with only what
 * differs on one machine changed) on a free port in a scratch folder of its own.
 */
public final class Nginx {

    private Nginx() {
    }

    /** Starts nginx in front of the three services; fails with a hint when nginx is not installed. */
    public static Gateway start(String deployUrl, String datasetUrl, String metricsUrl) {
        Path binary = Gateway.binary().orElseThrow(() ->
                new AssertionError("nginx is needed for the gateway test: apt-get install -y nginx"));
        try {
            Path dir = Files.createTempDirectory("trainpod-gateway");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            return Gateway.start(binary, Repo.ROOT, dir, freePort(), deployUrl, datasetUrl, metricsUrl, "{}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
