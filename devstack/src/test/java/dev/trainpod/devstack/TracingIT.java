package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.OtlpReceiver.Kind;
import dev.trainpod.devstack.OtlpReceiver.Span;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * One deployment's trace, as the three service processes export it over OTLP/HTTP to a receiver in the test JVM:
 * the request, the outbox relay's producer span and each service's consumer span of the event, the provisioning
 * with its calls to RunPod and the pod's termination are one trace.
 */
class TracingIT {

    private static final String DEPLOYMENT = "trainpod.deployment.id";
    private static final String TYPE = "cloudevents.event_type";

    @Test
    void oneDeploymentIsOneTraceAcrossTheThreeServicesAndBothSidesOfKafka() {
        Path root = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
        LocalStack stack = SharedStack.get();
        OtlpReceiver receiver = SharedStack.traces();
        TrainpodClient user = new TrainpodClient(stack.deployUrl(), stack.datasetUrl(), stack.metricsUrl(),
                stack.keys().userToken("tracing-user"));
        assertThat(user.storeRunPodKey(stack.runPodApiKey()).status()).isEqualTo(204);
        TrainpodClient.Answer upload = user.uploadDataset(root.resolve("examples/sft-messages.jsonl"));
        assertThat(upload.status()).isEqualTo(201);
        TrainpodClient.Answer created = user.createDeployment("""
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"], "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5},
                 "simulation": {"steps": 3, "stepSeconds": 0.1}}
                """.formatted(upload.body().path("id").asText()));
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(202);
        String id = created.body().path("id").asText();

        // The request's trace: deploy-service's producer span of DeploymentRequested, and every service consuming it.
        Span published = await(receiver, () -> one(receiver, Kind.PRODUCER, id, "DeploymentRequested"));
        String traceId = published.traceId();
        List<Span> consumed = await(receiver, () -> {
            List<Span> c = receiver.spans().stream().filter(s -> s.kind() == Kind.CONSUMER
                    && id.equals(s.attributes().get(DEPLOYMENT))
                    && "DeploymentRequested".equals(s.attributes().get(TYPE))).toList();
            return c.size() >= 3 ? c : null;
        });
        Map<String, Span> trace = await(receiver, () -> {
            Map<String, Span> t = receiver.spans().stream().filter(s -> s.traceId().equals(traceId))
                    .collect(Collectors.toMap(Span::spanId, Function.identity(), (a, b) -> a));
            return t.containsKey(published.parentSpanId()) ? t : null;
        });

        Span request = rootOf(trace, published);
        assertThat(request.kind()).isEqualTo(Kind.SERVER);
        assertThat(request.service()).isEqualTo("deploy-service");
        assertThat(request.name()).contains("/api/v1/deployments");
        assertThat(published.service()).isEqualTo("deploy-service");
        assertThat(consumed).allSatisfy(c -> {
            assertThat(c.traceId()).as("consumer span of " + c.service()).isEqualTo(traceId);
            assertThat(c.parentSpanId()).as("parent of " + c.service() + "'s consumer span")
                    .isEqualTo(published.spanId());
        });
        assertThat(consumed.stream().map(Span::service).collect(Collectors.toSet()))
                .isEqualTo(Set.of("deploy-service", "dataset-service", "metrics-service"));

        // Provisioning (a scheduled job) and the pod's termination continue the request's trace, RunPod calls in them.
        JsonNode ended = awaitEnded(user, id);
        assertThat(ended.path("status").asText()).isEqualTo("SUCCEEDED");
        Map<String, Span> whole = await(receiver, () -> {
            Map<String, Span> t = receiver.spans().stream().filter(s -> s.traceId().equals(traceId))
                    .collect(Collectors.toMap(Span::spanId, Function.identity(), (a, b) -> a));
            boolean terminated = t.values().stream().anyMatch(s -> s.name().equals("terminate pod")
                    && t.values().stream().anyMatch(c -> c.kind() == Kind.CLIENT
                            && c.parentSpanId().equals(s.spanId())));
            // The relay publishes (and the exporter sends) the last events' spans a moment after the termination.
            boolean lastEvents = Set.of("PodStarted", "DeploymentEnded").stream().allMatch(type -> t.values().stream()
                    .anyMatch(p -> p.kind() == Kind.PRODUCER && type.equals(p.attributes().get(TYPE))));
            return terminated && lastEvents ? t : null;
        });
        Span provision = whole.values().stream().filter(s -> s.name().equals("provision")).findFirst()
                .orElseThrow(() -> new AssertionError("no provision span in the trace: " + whole.values()));
        assertThat(provision.parentSpanId()).isEqualTo(request.spanId());
        assertThat(whole.values()).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo(Kind.CLIENT);
            assertThat(c.parentSpanId()).isEqualTo(provision.spanId());
        });
        assertThat(whole.values()).anySatisfy(p -> {
            assertThat(p.kind()).isEqualTo(Kind.PRODUCER);
            assertThat(p.attributes().get(TYPE)).isEqualTo("PodStarted");
        });
        assertThat(whole.values()).anySatisfy(p -> {
            assertThat(p.kind()).isEqualTo(Kind.PRODUCER);
            assertThat(p.attributes().get(TYPE)).isEqualTo("DeploymentEnded");
        });
    }

    private static JsonNode awaitEnded(TrainpodClient user, String id) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            JsonNode d = user.deployment(id).body();
            if (Set.of("SUCCEEDED", "FAILED", "CANCELLED").contains(d.path("status").asText())
                    && !d.path("podTerminatedAt").isNull()) {
                return d;
            }
            ServiceProcess.sleep(250);
        }
        throw new AssertionError("deployment " + id + " did not end: " + user.deployment(id).body());
    }

    private static Span one(OtlpReceiver receiver, Kind kind, String deployment, String type) {
        return receiver.spans().stream().filter(s -> s.kind() == kind
                && deployment.equals(s.attributes().get(DEPLOYMENT))
                && type.equals(s.attributes().get(TYPE))).findFirst().orElse(null);
    }

    /** Walks up the parents as far as the trace has them. */
    private static Span rootOf(Map<String, Span> trace, Span span) {
        Span s = span;
        while (!s.parentSpanId().isEmpty() && trace.containsKey(s.parentSpanId())) {
            s = trace.get(s.parentSpanId());
        }
        return s;
    }

    private static <T> T await(OtlpReceiver receiver, java.util.function.Supplier<T> probe) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            T found = probe.get();
            if (found != null) {
                return found;
            }
            ServiceProcess.sleep(200);
        }
        throw new AssertionError("not in the exported spans within 30 s; received " + receiver.spans().size()
                + " spans: " + receiver.spans().stream().limit(40).toList());
    }
}
