package dev.trainpod.common.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One real PostgreSQL server per JVM: the one named by {@code TRAINPOD_PG_URL}
 * ({@code postgresql://user:password@host:port}) when set, otherwise an embedded server started from the
 * PostgreSQL binaries on the Maven classpath. Each caller gets a database of its own.
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

    /** Stops the embedded server (a no-op for an external one). */
    public static synchronized void stop() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            embedded = null;
            server = null;
        }
    }

    private static Server startEmbedded() {
        try {
            embedded = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(SharedPostgres::stop));
            return new Server("localhost", embedded.getPort(), "postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    private static Server parse(String url) {
        URI uri = URI.create(url);
        String[] userInfo = uri.getUserInfo() == null ? new String[] {"postgres", ""} : uri.getUserInfo().split(":", 2);
        return new Server(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), userInfo[0],
                userInfo.length > 1 ? userInfo[1] : "");
    }
}
