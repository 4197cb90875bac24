package dev.trainpod.deploy.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.dataset.MintTokenRequest;
import dev.trainpod.common.dataset.MintedToken;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.WebApplicationException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.junit.jupiter.api.Test;

/**
 * The consumer side of dataset-service's internal API, without a network: what deploy-service sends is judged with
 * the very constraints dataset-service enforces (Bean Validation on the shared {@link MintTokenRequest}), what
 * dataset-service answers is read with a field this consumer does not know (the provider may add one), and the
 * client's one error mapping sends a 4xx to the no-retry side and leaves a 5xx to be retried.
 */
class DatasetContractTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule()).build();
    private static final Validator PROVIDER_RULES = Validation.byDefaultProvider().configure()
            .messageInterpolator(new ParameterMessageInterpolator()).buildValidatorFactory().getValidator();

    @Test
    void aTokenRequestForALongJobIsOneTheProviderAccepts() throws Exception {
        MintTokenRequest sent = MintTokenRequest.forPod("alice", UUID.randomUUID(), UUID.randomUUID(),
                Duration.ofDays(3).toSeconds());

        MintTokenRequest received = JSON.readValue(JSON.writeValueAsString(sent), MintTokenRequest.class);

        assertThat(PROVIDER_RULES.validate(received)).isEmpty();
        assertThat(received.ttlSeconds()).isEqualTo(MintTokenRequest.MAX_TTL_SECONDS);
        assertThat(JSON.writeValueAsString(sent)).doesNotContain("maxUses");
    }

    @Test
    void aTokenWhoseExpiryAlreadyPassedIsStillARequestTheProviderAccepts() throws Exception {
        MintTokenRequest sent = MintTokenRequest.forPod("alice", UUID.randomUUID(), UUID.randomUUID(), -30);

        assertThat(PROVIDER_RULES.validate(JSON.readValue(JSON.writeValueAsString(sent), MintTokenRequest.class)))
                .isEmpty();
        assertThat(sent.ttlSeconds()).isEqualTo(1);
    }

    @Test
    void theProviderRefusesWhatTheConsumerNeverSends() {
        Set<ConstraintViolation<MintTokenRequest>> violations = PROVIDER_RULES.validate(new MintTokenRequest(
                "alice", UUID.randomUUID(), UUID.randomUUID(), MintTokenRequest.MAX_TTL_SECONDS + 1, null));

        assertThat(violations).extracting(v -> v.getPropertyPath().toString()).containsExactly("ttlSeconds");
    }

    @Test
    void answersWithAFieldTheConsumerDoesNotKnowAreRead() throws Exception {
        UUID id = UUID.randomUUID();
        String summary = JSON.writeValueAsString(new DatasetSummary(id, "alice", "d.jsonl", 4000, "00",
                "SFT_MESSAGES", 10, 1000L, java.util.List.of("SFT"), 0L));
        String token = JSON.writeValueAsString(new MintedToken("t0k3n", "http://dataset/api/v1/downloads/t0k3n",
                Instant.parse("2026-01-01T00:00:00Z"), "00", 4000));

        DatasetSummary readSummary = JSON.readValue(withUnknownField(summary), DatasetSummary.class);
        MintedToken readToken = JSON.readValue(withUnknownField(token), MintedToken.class);

        assertThat(readSummary.id()).isEqualTo(id);
        assertThat(readSummary.fitsMethods()).containsExactly("SFT");
        assertThat(readToken.url()).endsWith("/" + readToken.token());
    }

    @Test
    void aClientErrorIsNotRetriedAndAServerErrorIs() {
        Throwable notFound = DatasetServiceClient.classify(new WebApplicationException(403));
        Throwable unavailable = DatasetServiceClient.classify(new WebApplicationException(503));
        RuntimeException lost = new RuntimeException("connection reset");

        assertThat(notFound).isInstanceOf(ClientErrorException.class); // the @Retry's abortOn
        assertThat(((ClientErrorException) notFound).getResponse().getStatus()).isEqualTo(403);
        assertThat(unavailable).isNotInstanceOf(ClientErrorException.class);
        assertThat(DatasetServiceClient.classify(lost)).isSameAs(lost);
    }

    private static String withUnknownField(String json) {
        return json.substring(0, json.length() - 1) + ",\"addedLater\":{\"x\":1}}";
    }
}
