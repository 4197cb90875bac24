package dev.trainpod.common.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts the real infrastructure a service test needs: PostgreSQL (a database of the service's own, named by
 * the {@code database} init argument), a KRaft Kafka broker, and the JWT keys; and points the service at them.
 */
public class TrainpodTestResource implements QuarkusTestResourceLifecycleManager {

    private static JwtKeys keys;
    private String database = "trainpod_test";

    /** The keys the running test's services trust, to sign tokens with. */
    public static synchronized JwtKeys keys() {
        if (keys == null) {
            try {
                keys = JwtKeys.create(Files.createTempDirectory("trainpod-keys"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return keys;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
    }

    @Override
    public Map<String, String> start() {
        SharedPostgres.Server pg = SharedPostgres.server();
        String db = SharedPostgres.database(database);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl(db));
        config.put("quarkus.datasource.reactive.url", pg.reactiveUrl(db));
        config.put("quarkus.datasource.username", pg.user());
        config.put("quarkus.datasource.password", pg.password());
        config.put("kafka.bootstrap.servers", SharedKafka.bootstrapServers());
        config.put("mp.jwt.verify.publickey.location", keys().jwks().toUri().toString());
        config.put("smallrye.jwt.sign.key.location", keys().deploySigningKey().toUri().toString());
        return config;
    }

    @Override
    public void stop() {
        // The servers are shared by every test class of the JVM and stop with it.
    }

    /** The path of a fresh directory for a test's files. */
    public static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
