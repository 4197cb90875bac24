package dev.trainpod.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The API gateway of the local stack: a real nginx running the compose gateway's configuration
 * ({@code deploy/compose/nginx.conf}) with only what differs on one machine changed (upstream addresses, port,
 * scratch folders), serving the console's files with a {@code console-config.json} naming the stand-in provider.
 */
public final class Gateway implements AutoCloseable {

    private static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/nginx"));

    private final Process process;
    private final int port;

    private Gateway(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** nginx, where Debian's package puts it. */
    public static Optional<Path> binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts nginx on {@code port} of the loopback interface in front of the three services, serving the console
     * built under {@code root/console/target/console}, in {@code dir} (its configuration, scratch files and log).
     */
    public static Gateway start(Path binary, Path root, Path dir, int port, String deployUrl, String datasetUrl,
                                String metricsUrl, String consoleConfigJson) {
        try {
            Files.createDirectories(dir);
            Path console = dir.resolve("console");
            copyTree(root.resolve("console/target/console"), console);
            Files.writeString(console.resolve("console-config.json"), consoleConfigJson);
            String conf = Files.readString(root.resolve("deploy/compose/nginx.conf"))
                    .replace("deploy-service:8081", hostPort(deployUrl))
                    .replace("dataset-service:8082", hostPort(datasetUrl))
                    .replace("metrics-service:8083", hostPort(metricsUrl))
                    .replace("listen 8080;", "listen 127.0.0.1:" + port + ";")
                    .replace("/tmp/", dir + "/") // before the paths below, which may lie under /tmp themselves
                    .replace("/usr/share/trainpod/console", console.toString())
                    .replace("/usr/share/trainpod-gateway", root.resolve("deploy/compose/gateway").toString());
            Path confFile = dir.resolve("nginx.conf");
            Files.writeString(confFile, conf);
            // Started by root, nginx runs its workers as "nobody", who cannot read a checkout under a private
            // (0700) folder such as /root or mktemp's: every page would be 403/404. The local gateway's workers
            // run as the user that runs the stack instead.
            String globals = "daemon off;" + ("root".equals(System.getProperty("user.name")) ? " user root;" : "");
            Process p = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", confFile.toString(),
                    "-g", globals).redirectErrorStream(true).redirectOutput(dir.resolve("nginx.log").toFile())
                    .start();
            Gateway gateway = new Gateway(p, port);
            try {
                gateway.awaitListening(dir);
            } catch (RuntimeException e) {
                gateway.close();
                throw e;
            }
            return gateway;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The console's address, and the API's under {@code /api/v1}. */
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
                throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("nginx.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                ServiceProcess.sleep(100);
            }
        }
        throw new IllegalStateException("nginx did not listen on " + port);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IllegalStateException("the console is not built (" + from + "): ./mvnw -B package -pl console");
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String hostPort(String url) {
        return url.replaceFirst("^https?://", "").replace("localhost", "127.0.0.1");
    }
}
