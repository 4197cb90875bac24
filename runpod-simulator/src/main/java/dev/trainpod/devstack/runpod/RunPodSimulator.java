package dev.trainpod.devstack.runpod;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A local stand-in for RunPod's REST API v2 that runs each pod's container command as a local process and
 * bills it by the second, so that tests and the local stack can watch what a client does to real money.
 */
public final class RunPodSimulator implements AutoCloseable {

    private static final List<String> PASS_THROUGH_ENV = List.of("PATH", "HOME", "LANG", "JAVA_HOME");
    /** Enough that calls held by a DELAY or HANG fault (one thread each) do not hold up every other call. */
    private static final int HTTP_THREADS = 64;

    private final int requestedPort;
    private final InetAddress bindAddress;
    private final ApiKeys keys;
    private final PodRegistry registry;
    private final Router v2 = new Router();
    private final Router control = new Router();
    private final SimulatorHandler handler;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ExecutorService io;
    private HttpServer server;
    private ExecutorService httpThreads;

    private RunPodSimulator(Builder builder) {
        this.requestedPort = builder.port;
        this.bindAddress = builder.bindAddress;
        this.keys = new ApiKeys();
        builder.apiKeys.forEach(keys::addAccountKey);
        this.scheduler = new ScheduledThreadPoolExecutor(2, daemonThreads("runpod-sim-timer"));
        scheduler.setRemoveOnCancelPolicy(true);
        this.io = Executors.newCachedThreadPool(daemonThreads("runpod-sim-pod-io"));
        Faults faults = new Faults();
        PodContext context = new PodContext(scheduler, io, builder.transitionDelay, builder.restartDelay,
                builder.logSink, faults.losses());
        this.registry = new PodRegistry(keys, workRoot(builder.podWorkRoot), builder.baseEnv(), context);
        GpuCatalog catalog = new GpuCatalog();
        RequestJournal journal = new RequestJournal();
        new PodsApi(registry, catalog).register(v2);
        new CatalogApi(catalog).register(v2);
        new ControlApi(keys, faults, catalog, journal, registry).register(control);
        this.handler = new SimulatorHandler(v2, control, keys, faults, journal);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts answering HTTP, on the loopback interface unless the builder named another address. */
    public synchronized RunPodSimulator start() {
        if (server != null) {
            throw new IllegalStateException("the simulator is already started");
        }
        try {
            server = HttpServer.create(new InetSocketAddress(bindAddress, requestedPort), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + requestedPort, e);
        }
        httpThreads = Executors.newFixedThreadPool(HTTP_THREADS, daemonThreads("runpod-sim-http"));
        server.setExecutor(httpThreads);
        server.createContext("/", handler);
        server.start();
        return this;
    }

    /** The API base, e.g. {@code http://127.0.0.1:8123}; clients append {@code /v2/...}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("the simulator is not started");
        }
        return server.getAddress().getPort();
    }

    /** Every pod ever created, terminated ones included, oldest first. */
    public List<SimPod> pods() {
        return registry.all().stream().map(SimulatedPod::snapshot).toList();
    }

    public void addApiKey(String key) {
        keys.addAccountKey(key);
    }

    /** Stops the server and terminates every pod, killing its whole process tree. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            httpThreads.shutdownNow();
        }
        registry.terminateAll();
        scheduler.shutdownNow();
        io.shutdownNow();
    }

    /** The {@code METHOD /path} of every /v2 route, for the OpenAPI conformance test. */
    List<String> v2Operations() {
        return v2.operations();
    }

    private static Path workRoot(Path configured) {
        try {
            return configured != null ? configured : Files.createTempDirectory("runpod-sim-pods");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for pod work directories", e);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Configures a {@link RunPodSimulator}. */
    public static final class Builder {

        private int port;
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private final List<String> apiKeys = new ArrayList<>();
        private Path podWorkRoot;
        private Duration transitionDelay = Duration.ofMillis(300);
        private Duration restartDelay = Duration.ofSeconds(1);
        private final Map<String, String> podEnv = new LinkedHashMap<>();
        private Consumer<String> logSink = line -> { };

        private Builder() {
        }

        /** The port to listen on; 0, the default, picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The address to listen on, e.g. {@code 0.0.0.0} in a container; defaults to loopback. */
        public Builder bindAddress(String host) {
            try {
                this.bindAddress = InetAddress.getByName(Objects.requireNonNull(host, "host"));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("unknown bind address " + host, e);
            }
            return this;
        }

        /** An account key the simulator accepts; call once per key. */
        public Builder apiKey(String key) {
            apiKeys.add(Objects.requireNonNull(key, "key"));
            return this;
        }

        /** Where each pod gets its own fresh work directory; defaults to a new temporary directory. */
        public Builder podWorkRoot(Path root) {
            this.podWorkRoot = Objects.requireNonNull(root, "root");
            return this;
        }

        /** How long PROVISIONING and then STARTING each last; defaults to 300 ms. */
        public Builder transitionDelay(Duration delay) {
            this.transitionDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** How long an exited container waits before RunPod starts it again; defaults to 1 s. */
        public Builder restartDelay(Duration delay) {
            this.restartDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** An extra variable every pod's container gets, before the pod's own {@code env}. */
        public Builder podEnv(String name, String value) {
            podEnv.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Receives every pod log line, prefixed {@code "[pod <id>] "}. */
        public Builder logSink(Consumer<String> sink) {
            this.logSink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        public RunPodSimulator build() {
            return new RunPodSimulator(this);
        }

        private Map<String, String> baseEnv() {
            Map<String, String> env = new LinkedHashMap<>();
            PASS_THROUGH_ENV.forEach(name -> {
                String value = System.getenv(name);
                if (value != null) {
                    env.put(name, value);
                }
            });
            env.putAll(podEnv);
            return env;
        }
    }
}
