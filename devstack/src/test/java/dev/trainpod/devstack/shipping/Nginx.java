package dev.trainpod.devstack.shipping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx running the compose gateway's configuration, with only what differs on one machine changed:
 * the upstream addresses, the listening port and its scratch folders.
 */
public final class Nginx implements AutoCloseable {

    private final Process process;
    private final int port;

    private Nginx(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts nginx in front of the three services; fails with a hint when nginx is not installed. */
    public static Nginx start(String deployUrl, String datasetUrl, String metricsUrl) {
        Path binary = Path.of("/usr/sbin/nginx");
        if (!Files.isExecutable(binary)) {
            throw new AssertionError("nginx is needed for the gateway test: apt-get install -y nginx");
        }
        try {
            Path dir = Files.createTempDirectory("trainpod-gateway");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            int port = freePort();
            String conf = Repo.read("deploy/compose/nginx.conf")
                    .replace("deploy-service:8081", hostPort(deployUrl))
                    .replace("dataset-service:8082", hostPort(datasetUrl))
                    .replace("metrics-service:8083", hostPort(metricsUrl))
                    .replace("listen 8080;", "listen 127.0.0.1:" + port + ";")
                    .replace("/tmp/", dir + "/")
                    .replace("/usr/share/trainpod-gateway", Repo.path("deploy/compose/gateway").toString());
            Files.writeString(dir.resolve("nginx.conf"), conf);
            Process p = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
                    "-g", "daemon off;").redirectErrorStream(true).redirectOutput(dir.resolve("nginx.log").toFile())
                    .start();
            Nginx nginx = new Nginx(p, port);
            nginx.awaitListening(dir);
            return nginx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitListening(Path dir) throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("nginx exited: " + Files.readString(dir.resolve("nginx.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                sleep();
            }
        }
        throw new AssertionError("nginx did not listen on " + port);
    }

    private static String hostPort(String url) {
        return url.replaceFirst("^https?://", "").replace("localhost", "127.0.0.1");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
