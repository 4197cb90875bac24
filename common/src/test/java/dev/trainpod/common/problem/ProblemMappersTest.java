package dev.trainpod.common.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;
import java.io.CharConversionException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ProblemMappersTest {

    @Test
    void bodyThatLooksLikeUtf32ButIsNotIsAClientError() {
        // Three NULs make Jackson read UTF-32; 0x7FFFFFFF is no character. Found by ProblemMappersFuzzTest.
        byte[] body = {0, 0, 0, '{', 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        CharConversionException failure = catchThrowableOfType(CharConversionException.class,
                () -> new ObjectMapper().readTree(body));

        Response response = new ProblemMappers().undecodable(failure);

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.getMediaType()).hasToString(Problem.MEDIA_TYPE);
        assertThat((Problem) response.getEntity()).satisfies(problem -> {
            assertThat(problem.type()).isEqualTo(Problem.TYPE_BASE + "malformed-json");
            assertThat(problem.detail()).contains("not UTF-8");
        });
    }

    @Test
    void aRejectionWithABlankMessageStillExplainsItself() {
        // 300 newlines as the message of a rejected request. Found by ProblemMappersFuzzTest in CI.
        for (String message : new String[] {"", " ", "\n".repeat(300)}) {
            Response response = new ProblemMappers().web(
                    new jakarta.ws.rs.WebApplicationException(message, 422));

            assertThat(response.getStatus()).isEqualTo(422);
            assertThat(((Problem) response.getEntity()).detail()).as("for %s", message.length())
                    .isEqualTo("The request was rejected.");
        }
    }

    @Test
    void detailQuotesOnlyTheStartOfALongMessage() {
        // Jackson quotes the whole number, up to its 1000-digit limit. Found by ProblemMappersFuzzTest.
        String body = "{\"ttlSeconds\":" + "9".repeat(999) + "}";
        JsonProcessingException failure = catchThrowableOfType(JsonProcessingException.class,
                () -> new ObjectMapper().readValue(body, Ttl.class));

        Response response = new ProblemMappers().malformed(failure);

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(((Problem) response.getEntity()).detail())
                .startsWith("The body is not valid JSON: Numeric value (999")
                .endsWith("…")
                .hasSizeLessThan(400);
    }

    @Test
    void aKeyRepeatedAfterEveryCreatorPropertyIsAnsweredByItsPathNamingNoClass() {
        // Jackson builds the record once its every property is read; the repeated key then fails with a message
        // naming the record's class. Found by ProblemMappersFuzzTest in CI.
        String body = "{\"limits\":{\"maxRuntimeMinutes\":1,\"maxCostUsd\":2,\"maxCostUsd\":3}}";
        JsonProcessingException failure = catchThrowableOfType(JsonProcessingException.class,
                () -> new ObjectMapper().readValue(body, Body.class));
        assertThat(failure.getOriginalMessage()).contains(Limits.class.getName());

        Response response = new ProblemMappers().malformed(failure);

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat((Problem) response.getEntity()).satisfies(problem -> {
            assertThat(problem.type()).isEqualTo(Problem.TYPE_BASE + "malformed-json");
            assertThat(problem.detail()).isEqualTo("The body does not match the expected JSON shape at "
                    + "limits.maxCostUsd.").doesNotContain("trainpod");
            assertThat(problem.errors()).extracting(Problem.FieldError::field).containsExactly("limits.maxCostUsd");
        });
    }

    @Test
    void aLimitOfTheParserIsQuotedLikeItsSyntaxErrors() {
        String body = "[".repeat(1001);
        JsonProcessingException failure = catchThrowableOfType(JsonProcessingException.class,
                () -> new ObjectMapper().readTree(body));

        Response response = new ProblemMappers().malformed(failure);

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(((Problem) response.getEntity()).detail()).startsWith("The body is not valid JSON: ")
                .contains("nesting depth");
    }

    @Test
    void aLostDatabaseConnectionIsServiceUnavailableWithRetryAfter() {
        Exception failure = new IllegalStateException("query failed",
                new CompletionException(new ConnectException("Connection refused")));

        Response response = new ProblemMappers().unexpected(failure);

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getMediaType()).hasToString(Problem.MEDIA_TYPE);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("5");
        assertThat(((Problem) response.getEntity()).type()).isEqualTo(Problem.TYPE_BASE + "service-unavailable");
        assertThat(new ProblemMappers().unexpected(new IllegalStateException("bug")).getStatus()).isEqualTo(500);
    }

    record Body(Limits limits) {
    }

    record Limits(Integer maxRuntimeMinutes, java.math.BigDecimal maxCostUsd) {
    }

    record Ttl(long ttlSeconds) {
    }
}
