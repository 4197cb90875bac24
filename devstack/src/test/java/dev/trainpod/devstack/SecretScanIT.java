package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other integration test class (see junit-platform.properties) and reads what they left behind:
 * every line of every service log and every record of the {@code deployment-lifecycle} topic. None may contain a
 * RunPod API key, the vault key, a JWT the tests used or a download token's secret.
 */
@Order(Integer.MAX_VALUE)
class SecretScanIT {

    private static final String TOPIC = "deployment-lifecycle";
    private static final Set<String> ISSUED = ConcurrentHashMap.newKeySet();

    /** Adds a secret the tests handed out, for the scan to look for; short made-up strings are no secrets. */
    static void remember(String secret) {
        if (secret != null && secret.length() >= 32) {
            ISSUED.add(secret);
        }
    }

    @Test
    void noSecretAppearsInAnyServiceLogOrEvent() throws IOException {
        LocalStack stack = SharedStack.get();
        OwnerFixture.Owner a = OwnerFixture.get();
        // Secrets of this class's own, so that the scan means something when it runs alone.
        String storedKey = "rpa_scan_" + UUID.randomUUID().toString().replace("-", "");
        String rejectedKey = "rpa_wrong_" + UUID.randomUUID().toString().replace("-", "");
        stack.simulator().addApiKey(storedKey);
        String token = stack.keys().userToken("scan-" + UUID.randomUUID());
        assertThat(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + storedKey + "\"}").status()).isEqualTo(204);
        assertThat(ItHttp.send("PUT", stack.deployUrl() + "/api/v1/secrets/runpod", token,
                "{\"apiKey\": \"" + rejectedKey + "\"}").status()).isEqualTo(422);

        Map<String, String> secrets = new ConcurrentHashMap<>();
        secrets.put(stack.runPodApiKey(), "the stack's RunPod key");
        secrets.put(storedKey, "a stored RunPod key");
        secrets.put(rejectedKey, "a RunPod key that RunPod rejected");
        secrets.put(stack.vaultKey(), "the vault key");
        for (String jwt : Stream.concat(Stream.of(token, a.token(), a.jobToken()),
                ISSUED.stream().filter(s -> s.chars().filter(c -> c == '.').count() == 2)).toList()) {
            secrets.put(jwt, "a JWT");
            secrets.put(jwt.substring(jwt.lastIndexOf('.') + 1), "a JWT's signature");
        }
        secrets.put(a.downloadToken(), "a download token");
        ISSUED.stream().filter(s -> !s.contains(".")).forEach(s -> secrets.put(s, "a download token"));
        secrets.remove("");

        List<String> leaks = new ArrayList<>();
        List<Path> logs;
        try (Stream<Path> files = Files.list(stack.logDir())) {
            logs = files.filter(f -> f.toString().endsWith(".log")).toList();
        }
        assertThat(logs).hasSizeGreaterThanOrEqualTo(3);
        for (Path log : logs) {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int n = i + 1;
                secrets.forEach((secret, what) -> {
                    if (line.contains(secret)) {
                        leaks.add(what + " in " + log.getFileName() + ":" + n);
                    }
                });
            }
        }
        List<ConsumerRecord<String, String>> events = events(stack);
        for (ConsumerRecord<String, String> r : events) {
            StringBuilder text = new StringBuilder(String.valueOf(r.key())).append(' ').append(r.value());
            for (Header h : r.headers()) {
                text.append(' ').append(new String(h.value(), StandardCharsets.UTF_8));
            }
            secrets.forEach((secret, what) -> {
                if (text.indexOf(secret) >= 0) {
                    leaks.add(what + " in event " + r.partition() + "/" + r.offset());
                }
            });
        }

        assertThat(events.stream().filter(r -> a.deploymentId().equals(r.key())))
                .as("user A's deployment events were read").hasSizeGreaterThanOrEqualTo(3);
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(10);
        assertThat(leaks).as("secrets found in logs and events").isEmpty();
    }

    /** Every record of the topic, read from the beginning to its end as it is now. */
    private static List<ConsumerRecord<String, String>> events(LocalStack stack) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "secret-scan-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(TOPIC, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("could not read " + TOPIC + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(500)).forEach(all::add);
            }
        }
        return all;
    }
}
