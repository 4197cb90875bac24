package dev.trainpod.common.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One real PostgreSQL server per JVM: the one named by {@code TRAINPOD_PG_URL}
 * ({@code postgresql://user:password@host:port}) when set, otherwise an embedded server started from the
 * PostgreSQL binaries on the Maven classpath, which tests can restart on the same port with its data kept. Each
 * caller gets a database of its own.
 */
public final class SharedPostgres {

    /** Where a server listens and how to log in. */
    public record Server(String host, int port, String user, String password) {

        public String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        public String reactiveUrl(String database) {
            return "postgresql://" + host + ":" + port + "/" + database;
        }
    }

    private static Server server;
    private static EmbeddedPostgres embedded;
    private static Path dataDir;

    private SharedPostgres() {
    }

    /** The server, started on first use. */
    public static synchronized Server server() {
        if (server == null) {
            String external = System.getenv("TRAINPOD_PG_URL");
            server = external != null && !external.isBlank() ? parse(external) : startEmbedded();
        }
        return server;
    }

    /** Creates the database if it does not exist yet and returns its name. */
    public static String database(String name) {
        Server s = server();
        try (Connection c = DriverManager.getConnection(s.jdbcUrl("postgres"), s.user(), s.password());
             Statement st = c.createStatement()) {
            var rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "") + "'");
            if (!rs.next()) {
                st.execute("CREATE DATABASE \"" + name.replace("\"", "") + "\"");
            }
            return name;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
    }

    /** Stops the embedded server and deletes its data (a no-op for an external one). */
    public static synchronized void stop() {
        if (embedded != null) {
            try {
                closeEmbedded();
            } finally {
                server = null;
                deleteDataDir();
            }
        }
    }

    /** The embedded server's postmaster process id (for CPU accounting), or -1 when the server is external. */
    public static synchronized long postmasterPid() {
        server();
        if (embedded == null) {
            return -1;
        }
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** True when the server is embedded, so that tests may restart it. */
    public static boolean embedded() {
        server();
        return embedded != null;
    }

    /**
     * Shuts the embedded server down (fast mode: every client's connection is cut, as in a database failover),
     * leaves it down for {@code down}, then starts it again on the same port with the data it had.
     */
    public static synchronized void restart(Duration down) {
        if (embedded == null) {
            throw new IllegalStateException("only the embedded PostgreSQL can be restarted");
        }
        int port = embedded.getPort();
        closeEmbedded();
        try {
            Thread.sleep(down.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        embedded = startOn(port);
    }

    private static Server startEmbedded() {
        try {
            dataDir = Files.createTempDirectory("trainpod-pg");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        embedded = startOn(0);
        Runtime.getRuntime().addShutdownHook(new Thread(SharedPostgres::stop));
        return new Server("localhost", embedded.getPort(), "postgres", "postgres");
    }

    /** Starts the server on the port (0: any free one) with the data directory, creating the cluster if empty. */
    private static EmbeddedPostgres startOn(int port) {
        try {
            // Tests run without fsync; benchmarks set -Dtrainpod.postgres.fsync=on, and then every commit also waits
            // for its WAL flush, as PostgreSQL's default does in production (the embedded server's own default turns
            // synchronous_commit off, which would answer a commit before it is on disk).
            String fsync = System.getProperty("trainpod.postgres.fsync", "off");
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", fsync)
                    .setServerConfig("synchronous_commit", fsync)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false);
            // A profiling run may add server settings, e.g.
            // -Dtrainpod.postgres.config=shared_preload_libraries=pg_stat_statements;pg_stat_statements.track=all
            for (String setting : System.getProperty("trainpod.postgres.config", "").split(";")) {
                if (setting.isBlank()) {
                    continue;
                }
                int eq = setting.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("trainpod.postgres.config: '" + setting
                            + "' is not name=value (settings are separated by ';')");
                }
                builder.setServerConfig(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
            }
            if (port != 0) {
                builder.setPort(port);
            }
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    private static void closeEmbedded() {
        try {
            embedded.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            embedded = null;
        }
    }

    /** Best effort: a file the stopping server still held stays behind in the temporary directory. */
    private static void deleteDataDir() {
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("SharedPostgres: could not delete " + dataDir + ": " + e.getMessage());
        }
    }

    private static Server parse(String url) {
        URI uri = URI.create(url);
        String[] userInfo = uri.getUserInfo() == null ? new String[] {"postgres", ""} : uri.getUserInfo().split(":", 2);
        return new Server(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), userInfo[0],
                userInfo.length > 1 ? userInfo[1] : "");
    }
}
