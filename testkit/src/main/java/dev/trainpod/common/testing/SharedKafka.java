package dev.trainpod.common.testing;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.UUID;

/**
 * One real Kafka broker (KRaft) per JVM: the one named by {@code KAFKA_BOOTSTRAP_SERVERS} when set,
 * otherwise an embedded broker that tests can stop and start again on the same port with its data kept.
 */
public final class SharedKafka {

    private static String bootstrapServers;
    private static EmbeddedKafkaBroker broker;
    private static int port;
    private static int controllerPort;
    private static String logDir;
    private static final String CLUSTER_ID = UUID.randomUUID().toString().replace("-", "").substring(0, 22);

    private SharedKafka() {
    }

    /** The bootstrap servers, starting the embedded broker on first use. */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
            if (external != null && !external.isBlank()) {
                bootstrapServers = external;
            } else {
                port = freePort();
                controllerPort = freePort();
                try {
                    logDir = Files.createTempDirectory("trainpod-kafka").toString();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                startBroker();
                Runtime.getRuntime().addShutdownHook(new Thread(SharedKafka::stop));
                bootstrapServers = "localhost:" + port;
            }
        }
        return bootstrapServers;
    }

    /** True when the broker is embedded, so that tests may stop and start it. */
    public static boolean embedded() {
        bootstrapServers();
        return port != 0;
    }

    /** Stops the embedded broker; its data stays for {@link #start()}. */
    public static synchronized void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** Starts the embedded broker again, on the same port, with the data it had. */
    public static synchronized void start() {
        if (broker == null && port != 0) {
            startBroker();
        }
    }

    private static void startBroker() {
        broker = new EmbeddedKafkaBroker()
                .withNodeId(0)
                .withClusterId(CLUSTER_ID)
                .withKafkaHost("localhost")
                .withKafkaPort(port)
                .withControllerPort(controllerPort)
                .withDeleteLogDirsOnClose(false)
                .withAdditionalProperties(p -> {
                    p.put("log.dirs", logDir);
                    p.put("num.partitions", "3");
                    p.put("group.initial.rebalance.delay.ms", "0");
                    p.put("offsets.topic.num.partitions", "1");
                })
                .start();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
