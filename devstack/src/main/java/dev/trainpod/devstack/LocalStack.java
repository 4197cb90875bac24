package dev.trainpod.devstack;

import dev.trainpod.common.testing.JwtKeys;
import dev.trainpod.common.testing.SharedKafka;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.devstack.runpod.RunPodSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole of Trainpod on one machine: a real PostgreSQL and a real Kafka broker, the RunPod simulator (unless
 * {@code RUNPOD_API_URL} names another RunPod-compatible API), and the three services as child processes.
 */
public final class LocalStack implements AutoCloseable {

    /** Where the stack keeps its files and which ports it listens on (0: any free port). */
    public record Options(Path root, Path stateDir, int deployPort, int datasetPort, int metricsPort,
                          int simulatorPort, String externalRunPodUrl) {
    }

    private final Options options;
    private final JwtKeys keys;
    private final String runPodApiKey;
    private final List<ServiceProcess> services = new ArrayList<>();
    private RunPodSimulator simulator;
    private String runPodUrl;
    private ServiceProcess deploy;
    private ServiceProcess dataset;
    private ServiceProcess metrics;

    private LocalStack(Options options) {
        this.options = options;
        this.keys = JwtKeys.create(options.stateDir().resolve("keys"));
        this.runPodApiKey = "rpa_local_" + randomHex(16);
    }

    /** Starts everything and waits until every service is ready. */
    public static LocalStack start(Options options) {
        LocalStack stack = new LocalStack(options);
        try {
            stack.startAll();
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() {
        log("starting PostgreSQL");
        SharedPostgres.Server pg = SharedPostgres.server();
        log("starting Kafka");
        String kafka = SharedKafka.bootstrapServers();
        if (options.externalRunPodUrl() == null) {
            simulator = RunPodSimulator.builder()
                    .port(options.simulatorPort())
                    .apiKey(runPodApiKey)
                    .podWorkRoot(dir("pods"))
                    .build()
                    .start();
            runPodUrl = simulator.url();
            log("RunPod simulator on " + runPodUrl);
        } else {
            runPodUrl = options.externalRunPodUrl();
            log("using the RunPod API at " + runPodUrl);
        }
        int deployPort = port(options.deployPort());
        int datasetPort = port(options.datasetPort());
        int metricsPort = port(options.metricsPort());
        String datasetUrl = "http://localhost:" + datasetPort;
        String metricsUrl = "http://localhost:" + metricsPort;
        Path logs = dir("logs");

        Map<String, String> datasetSettings = common(pg, "trainpod_dataset", kafka);
        datasetSettings.put("trainpod.dataset.public-url", datasetUrl);
        datasetSettings.put("trainpod.dataset.storage-dir", dir("datasets").toString());
        Map<String, String> metricsSettings = common(pg, "trainpod_metrics", kafka);
        Map<String, String> deploySettings = common(pg, "trainpod_deploy", kafka);
        deploySettings.put("smallrye.jwt.sign.key.location", keys.deploySigningKey().toUri().toString());
        deploySettings.put("quarkus.rest-client.runpod.url", runPodUrl);
        deploySettings.put("quarkus.rest-client.dataset-service.url", datasetUrl);
        deploySettings.put("trainpod.deploy.metrics-public-url", metricsUrl);
        deploySettings.put("trainpod.deploy.dataset-public-url", datasetUrl);
        deploySettings.put("trainpod.deploy.pod-env.TRAINPOD_HEARTBEAT_SECONDS", "5");

        dataset = launch("dataset-service", datasetPort, datasetSettings, Map.of(), logs);
        metrics = launch("metrics-service", metricsPort, metricsSettings, Map.of(), logs);
        deploy = launch("deploy-service", deployPort, deploySettings,
                Map.of("TRAINPOD_VAULT_KEY", Base64.getEncoder().encodeToString(randomBytes(32))), logs);
        for (ServiceProcess s : services) {
            s.awaitReady(Duration.ofSeconds(120));
            log(s.name() + " ready on " + s.url());
        }
    }

    private ServiceProcess launch(String module, int port, Map<String, String> settings, Map<String, String> secrets,
                                  Path logs) {
        ServiceProcess p = ServiceProcess.start(options.root(), module, port, settings, secrets, logs);
        services.add(p);
        return p;
    }

    private Map<String, String> common(SharedPostgres.Server pg, String database, String kafka) {
        SharedPostgres.database(database);
        Map<String, String> s = new HashMap<>();
        s.put("quarkus.datasource.jdbc.url", pg.jdbcUrl(database));
        s.put("quarkus.datasource.reactive.url", pg.reactiveUrl(database));
        s.put("quarkus.datasource.username", pg.user());
        s.put("quarkus.datasource.password", pg.password());
        s.put("kafka.bootstrap.servers", kafka);
        s.put("mp.jwt.verify.publickey.location", keys.jwks().toUri().toString());
        s.put("quarkus.log.console.json.enabled", "false");
        return s;
    }

    public String deployUrl() {
        return deploy.url();
    }

    public String datasetUrl() {
        return dataset.url();
    }

    public String metricsUrl() {
        return metrics.url();
    }

    public String runPodUrl() {
        return runPodUrl;
    }

    /** The simulator, or null when the stack talks to another RunPod API. */
    public RunPodSimulator simulator() {
        return simulator;
    }

    /** An account key the simulator accepts. */
    public String runPodApiKey() {
        return runPodApiKey;
    }

    public JwtKeys keys() {
        return keys;
    }

    /** The log file of one of the services. */
    public Path serviceLog(String module) {
        return options.stateDir().resolve("logs").resolve(module + ".log");
    }

    /** Writes {@code env} (shell syntax) with the stack's addresses and two users' tokens. */
    public Path writeEnv(Path file) {
        String env = "DEPLOY_URL=" + deployUrl() + "\n"
                + "DATASET_URL=" + datasetUrl() + "\n"
                + "METRICS_URL=" + metricsUrl() + "\n"
                + "RUNPOD_SIM_URL=" + (simulator == null ? "" : simulator.url()) + "\n"
                + "RUNPOD_SIM_API_KEY=" + (simulator == null ? "" : runPodApiKey) + "\n"
                + "USER_TOKEN=" + keys.userToken("demo-user", Duration.ofHours(12)) + "\n"
                + "OTHER_USER_TOKEN=" + keys.userToken("other-user", Duration.ofHours(12)) + "\n";
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, env);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the services, then the simulator (which kills every pod process), then Kafka and PostgreSQL. */
    @Override
    public void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        if (simulator != null) {
            simulator.close();
        }
        SharedKafka.stop();
        SharedPostgres.stop();
    }

    private Path dir(String name) {
        try {
            return Files.createDirectories(options.stateDir().resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int port(int wanted) {
        if (wanted != 0) {
            return wanted;
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static String randomHex(int bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : randomBytes(bytes)) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    static void log(String message) {
        System.out.println("[devstack] " + message);
    }
}
