package dev.trainpod.devstack;

import dev.trainpod.common.testing.JwtKeys;
import dev.trainpod.common.testing.SharedKafka;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.devstack.oidc.OidcStandIn;
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
import java.util.stream.Stream;

/**
 * The whole of Trainpod on one machine: a real PostgreSQL and a real Kafka broker, the RunPod simulator (unless
 * {@code RUNPOD_API_URL} names another RunPod-compatible API), and the three services as child processes.
 */
public final class LocalStack implements AutoCloseable {

    /**
     * Where the stack keeps its files and which ports it listens on (0: any free port); extra settings for
     * deploy-service, and for every service (the integration tests' tracing exporter, for instance).
     */
    public record Options(Path root, Path stateDir, int deployPort, int datasetPort, int metricsPort,
                          int simulatorPort, String externalRunPodUrl, Map<String, String> deploySettings,
                          Map<String, String> serviceSettings) {

        /** Options with no extra settings for every service. */
        public Options(Path root, Path stateDir, int deployPort, int datasetPort, int metricsPort, int simulatorPort,
                       String externalRunPodUrl, Map<String, String> deploySettings) {
            this(root, stateDir, deployPort, datasetPort, metricsPort, simulatorPort, externalRunPodUrl,
                    deploySettings, Map.of());
        }

        /** Options with no extra deploy-service settings. */
        public Options(Path root, Path stateDir, int deployPort, int datasetPort, int metricsPort, int simulatorPort,
                       String externalRunPodUrl) {
            this(root, stateDir, deployPort, datasetPort, metricsPort, simulatorPort, externalRunPodUrl, Map.of());
        }
    }

    /** Kafka and the embedded PostgreSQL log every step at INFO; the stack's own lines are what a person reads. */
    private static final List<java.util.logging.Logger> QUIET = Stream.of("org.apache.kafka", "kafka", "io.zonky",
                    "io.smallrye.reactive.messaging.kafka")
            .map(java.util.logging.Logger::getLogger)
            .toList();

    static {
        QUIET.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
    }

    private final Options options;
    private final JwtKeys keys;
    private final String runPodApiKey;
    private final String vaultKey;
    private final List<ServiceProcess> services = new ArrayList<>();
    private final Map<String, Launch> launches = new HashMap<>();
    private Path logs;
    private String kafkaBootstrapServers;
    private RunPodSimulator simulator;
    private String runPodUrl;
    private ServiceProcess deploy;
    private ServiceProcess dataset;
    private ServiceProcess metrics;
    private OidcStandIn oidc;
    private Gateway gateway;

    private LocalStack(Options options) {
        this.options = options;
        this.keys = JwtKeys.create(options.stateDir().resolve("keys"));
        this.runPodApiKey = "rpa_local_" + randomHex(16);
        this.vaultKey = Base64.getEncoder().encodeToString(randomBytes(32));
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
        kafkaBootstrapServers = kafka;
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
        deploySettings.put("trainpod.deploy.dataset-service-url", datasetUrl);
        deploySettings.put("trainpod.deploy.metrics-public-url", metricsUrl);
        deploySettings.put("trainpod.deploy.dataset-public-url", datasetUrl);
        deploySettings.put("trainpod.deploy.pod-env.TRAINPOD_HEARTBEAT_SECONDS", "5");

        dataset = launch("dataset-service", datasetPort, datasetSettings, Map.of(), logs);
        metrics = launch("metrics-service", metricsPort, metricsSettings, Map.of(), logs);
        deploy = launch("deploy-service", deployPort, deploySettings,
                Map.of("TRAINPOD_VAULT_KEY", vaultKey), logs);
        for (ServiceProcess s : services) {
            s.awaitReady(Duration.ofSeconds(120));
            log(s.name() + " ready on " + s.url());
        }
    }

    /** How a service was started, so that it can be started again the same way. */
    private record Launch(int port, Map<String, String> settings, Map<String, String> secrets) {
    }

    private ServiceProcess launch(String module, int port, Map<String, String> settings, Map<String, String> secrets,
                                  Path logs) {
        this.logs = logs;
        Map<String, String> all = new HashMap<>(settings);
        all.putAll(options.serviceSettings());
        if ("deploy-service".equals(module)) {
            all.putAll(options.deploySettings());
        }
        launches.put(module, new Launch(port, all, secrets));
        ServiceProcess p = ServiceProcess.start(options.root(), module, port, all, secrets, logs);
        services.add(p);
        return p;
    }

    /** Stops a service the way an orchestrator would (SIGTERM), or kills it outright (SIGKILL). */
    public void stop(String module, boolean kill) {
        ServiceProcess p = running(module);
        if (kill) {
            p.kill();
        } else {
            p.close();
        }
        services.remove(p);
    }

    /** Starts a stopped service again on its port with its settings, and waits until it is ready. */
    public void restart(String module) {
        services.stream().filter(p -> p.name().equals(module)).findFirst().ifPresent(p -> stop(module, false));
        Launch l = launches.get(module);
        ServiceProcess p = ServiceProcess.start(options.root(), module, l.port(), l.settings(), l.secrets(), logs);
        services.add(p);
        p.awaitReady(Duration.ofSeconds(120));
        switch (module) {
            case "deploy-service" -> deploy = p;
            case "dataset-service" -> dataset = p;
            default -> metrics = p;
        }
    }

    /**
     * Starts one more replica of a service, on a free port with the same settings and database, and waits until it
     * is ready; it stops with the stack. Its log is {@code <module>-replica-<port>.log}.
     */
    public ServiceProcess startReplica(String module) {
        Launch l = launches.get(module);
        int port = port(0);
        ServiceProcess p = ServiceProcess.start(options.root(), module, port, l.settings(), l.secrets(), logs,
                module + "-replica-" + port);
        services.add(p);
        p.awaitReady(Duration.ofSeconds(120));
        return p;
    }

    /** The running process of a service, e.g. to read its memory. */
    public ServiceProcess service(String module) {
        return running(module);
    }

    private ServiceProcess running(String module) {
        return services.stream().filter(p -> p.name().equals(module)).findFirst()
                .orElseThrow(() -> new IllegalStateException(module + " is not running"));
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

    /** deploy-service's vault key (base64), so that tests can check it never leaks. */
    public String vaultKey() {
        return vaultKey;
    }

    /** The Kafka broker the services publish their events to. */
    public String kafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    /** The directory of the services' log files. */
    public Path logDir() {
        return options.stateDir().resolve("logs");
    }

    public JwtKeys keys() {
        return keys;
    }

    /** The log file of one of the services. */
    public Path serviceLog(String module) {
        return options.stateDir().resolve("logs").resolve(module + ".log");
    }

    /**
     * Starts the front door, once: the stand-in OIDC provider, and the gateway (nginx serving the console and the
     * API) when nginx is installed. Port 0: any free port.
     */
    public synchronized void startFrontDoor(int gatewayPort, int oidcPort) {
        if (oidc != null) {
            return;
        }
        oidc = OidcStandIn.start(keys, oidcPort);
        log("stand-in OIDC provider on " + oidc.url());
        gateway = Gateway.binary().map(nginx -> Gateway.start(nginx, options.root(), dir("gateway"),
                port(gatewayPort), deployUrl(), datasetUrl(), metricsUrl(), consoleConfig())).orElse(null);
        if (gateway == null) {
            log("nginx is not installed (apt-get install nginx): no gateway, no console; the API is on the services");
        }
    }

    private String consoleConfig() {
        return "{\"oidc\":{\"discovery\":\"" + oidc.url() + "/.well-known/openid-configuration\","
                + "\"clientId\":\"trainpod-console\"},\"localStack\":" + (simulator != null) + "}";
    }

    /** The stand-in OIDC provider's address (started on any free port if the front door is not up yet). */
    public String oidcUrl() {
        startFrontDoor(0, 0);
        return oidc.url();
    }

    /** The gateway's address: the console at /, the API under /api/v1; null when nginx is not installed. */
    public String gatewayUrl() {
        startFrontDoor(0, 0);
        return gateway == null ? null : gateway.url();
    }

    /** Writes {@code env} (shell syntax) with the stack's addresses and two users' tokens. */
    public Path writeEnv(Path file) {
        String env = "DEPLOY_URL=" + deployUrl() + "\n"
                + "DATASET_URL=" + datasetUrl() + "\n"
                + "METRICS_URL=" + metricsUrl() + "\n"
                + "RUNPOD_SIM_URL=" + (simulator == null ? "" : simulator.url()) + "\n"
                + "RUNPOD_SIM_API_KEY=" + (simulator == null ? "" : runPodApiKey) + "\n"
                + "USER_TOKEN=" + keys.userToken("demo-user", Duration.ofHours(12)) + "\n"
                + "OTHER_USER_TOKEN=" + keys.userToken("other-user", Duration.ofHours(12)) + "\n"
                + (oidc == null ? "" : "OIDC_URL=" + oidc.url() + "\n")
                + (gateway == null ? "" : "CONSOLE_URL=" + gateway.url() + "/\n")
                + (Files.isExecutable(options.root().resolve("cli/trainpod"))
                        ? "TRAINPOD_CLI=" + options.root().resolve("cli/trainpod") + "\n" : "");
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
        if (gateway != null) {
            gateway.close();
        }
        if (oidc != null) {
            oidc.close();
        }
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
