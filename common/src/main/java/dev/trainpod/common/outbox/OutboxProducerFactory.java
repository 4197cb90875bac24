package dev.trainpod.common.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Builds the relay's idempotent, {@code acks=all} Kafka producer from the service's Kafka settings. */
@ApplicationScoped
public class OutboxProducerFactory {

    private final String bootstrapServers;
    private final String clientId;
    private final OutboxConfig config;

    public OutboxProducerFactory(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                                 @ConfigProperty(name = "quarkus.application.name") String applicationName,
                                 OutboxConfig config) {
        this.bootstrapServers = bootstrapServers;
        this.clientId = applicationName + "-outbox";
        this.config = config;
    }

    KafkaProducer<String, String> create() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) config.sendTimeout().toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.sendTimeout().toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) config.sendTimeout().toMillis() + 2);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
