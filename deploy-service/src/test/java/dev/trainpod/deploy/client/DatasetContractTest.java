package dev.trainpod.deploy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.dataset.InternalDatasetApi;
import dev.trainpod.common.dataset.MintTokenRequest;
import dev.trainpod.common.dataset.MintedToken;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.ws.rs.ClientErrorException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer side of dataset-service's internal API: deploy-service's real {@link DatasetServiceClient} against a
 * stand-in provider that reads the request as the shared {@link MintTokenRequest} and judges it with the very
 * constraints dataset-service enforces (Bean Validation on the shared type), and answers with the shared types plus
 * a field this consumer does not know. It shows that what the consumer sends the provider accepts (the TTL cut to
 * 2 h on this side too), that a provider's new field breaks nothing, that a 5xx is retried and a 4xx is not.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "deploy_test"))
@QuarkusTestResource(DatasetContractTest.Provider.class)
class DatasetContractTest {

    @Inject
    DatasetServiceClient client;

    @BeforeEach
    void clear() {
        Provider.requests.clear();
        Provider.failNext.clear();
    }

    @Test
    void aTokenRequestForALongJobIsOneTheProviderAccepts() {
        UUID dataset = UUID.randomUUID();
        UUID deployment = UUID.randomUUID();

        MintedToken token = client.mintToken("alice", dataset, deployment, Duration.ofDays(3).toSeconds())
                .await().atMost(Duration.ofSeconds(30));

        assertThat(token.url()).endsWith("/api/v1/downloads/" + token.token());
        assertThat(token.bytes()).isEqualTo(4000);
        assertThat(Provider.requests).hasSize(1);
        assertThat(Provider.requests.get(0)).contains("\"ttlSeconds\":" + MintTokenRequest.MAX_TTL_SECONDS)
                .doesNotContain("maxUses");
    }

    @Test
    void aSummaryWithAFieldTheConsumerDoesNotKnowIsRead() {
        UUID dataset = UUID.randomUUID();

        Optional<DatasetSummary> summary = client.dataset(dataset, "alice").await().atMost(Duration.ofSeconds(30));

        assertThat(summary).get().satisfies(s -> {
            assertThat(s.id()).isEqualTo(dataset);
            assertThat(s.userId()).isEqualTo("alice");
            assertThat(s.fitsMethods()).containsExactly("SFT");
        });
    }

    @Test
    void aServerErrorIsRetriedAndAClientErrorIsNot() {
        Provider.failNext.add(503);
        assertThat(client.dataset(UUID.randomUUID(), "alice").await().atMost(Duration.ofSeconds(30))).isPresent();
        assertThat(Provider.requests).hasSize(2);

        Provider.requests.clear();
        Provider.failNext.add(403);
        assertThatThrownBy(() -> client.dataset(UUID.randomUUID(), "alice").await().atMost(Duration.ofSeconds(30)))
                .isInstanceOf(ClientErrorException.class);
        assertThat(Provider.requests).hasSize(1);

        Provider.requests.clear();
        Provider.failNext.add(404);
        assertThat(client.dataset(UUID.randomUUID(), "alice").await().atMost(Duration.ofSeconds(30))).isEmpty();
        assertThat(Provider.requests).hasSize(1);
    }

    /** The stand-in provider: dataset-service's internal API as the shared contract describes it. */
    public static class Provider implements QuarkusTestResourceLifecycleManager {

        static final List<String> requests = new CopyOnWriteArrayList<>();
        static final List<Integer> failNext = new CopyOnWriteArrayList<>();

        private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule()).build();
        private static final Validator VALIDATOR = Validation.buildDefaultValidatorFactory().getValidator();

        private HttpServer server;

        @Override
        public Map<String, String> start() {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext(InternalDatasetApi.ROOT, this::answer);
            server.start();
            return Map.of("quarkus.rest-client.dataset-service.url",
                    "http://127.0.0.1:" + server.getAddress().getPort());
        }

        private void answer(HttpExchange ex) throws IOException {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(body);
            String path = ex.getRequestURI().getPath().substring(InternalDatasetApi.ROOT.length());
            if (!failNext.isEmpty()) {
                send(ex, failNext.remove(0), "{\"type\":\"about:blank\"}");
                return;
            }
            if (ex.getRequestMethod().equals("POST") && path.equals(InternalDatasetApi.DOWNLOAD_TOKENS)) {
                MintTokenRequest request = JSON.readValue(body, MintTokenRequest.class);
                Set<ConstraintViolation<MintTokenRequest>> violations = VALIDATOR.validate(request);
                if (!violations.isEmpty()) {
                    send(ex, 422, "{\"violations\":\"" + violations.stream().map(v -> v.getPropertyPath() + " "
                            + v.getMessage()).collect(Collectors.joining("; ")) + "\"}");
                    return;
                }
                MintedToken token = new MintedToken("t0k3n", "http://dataset/api/v1/downloads/t0k3n",
                        java.time.Instant.now().plusSeconds(request.ttlSeconds()), "00", 4000);
                send(ex, 201, withUnknownField(JSON.writeValueAsString(token)));
            } else if (ex.getRequestMethod().equals("GET") && path.startsWith("/datasets/")) {
                String query = ex.getRequestURI().getQuery();
                String user = query == null ? "" : query.replaceFirst("^.*userId=([^&]*).*$", "$1");
                DatasetSummary summary = new DatasetSummary(UUID.fromString(path.substring("/datasets/".length())),
                        user, "d.jsonl", 4000, "00", "SFT_MESSAGES", 10, 1000L, List.of("SFT"), 0L);
                send(ex, 200, withUnknownField(JSON.writeValueAsString(summary)));
            } else {
                send(ex, 404, "{}");
            }
        }

        private static String withUnknownField(String json) {
            return json.substring(0, json.length() - 1) + ",\"addedLater\":{\"x\":1}}";
        }

        private static void send(HttpExchange ex, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop(0);
            }
        }
    }
}
