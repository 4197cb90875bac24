package dev.trainpod.common.problem;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Sends arbitrary request bodies, and arbitrary messages of rejected requests, down the error paths a service takes
 * without booting one: Jackson binding with the services' settings, the exceptions Quarkus REST's Jackson reader
 * turns its failures into, and the {@link ProblemMappers} method Quarkus would pick for each. Whatever the input,
 * the answer is a 4xx problem with type, title and status, whose JSON parses back to the same problem and tells
 * nothing of the server's insides. The committed inputs are under {@code ProblemMappersFuzzTestInputs/}.
 */
class ProblemMappersFuzzTest {

    private static final ObjectMapper SERVICE_JSON = serviceMapper();
    private static final ObjectMapper METRICS_JSON = serviceMapper()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS.mappedFeature());
    private static final ProblemMappers MAPPERS = new ProblemMappers();
    private static final List<Method> MAPPER_METHODS = Arrays.stream(ProblemMappers.class.getMethods())
            .filter(method -> method.isAnnotationPresent(ServerExceptionMapper.class))
            .toList();
    private static final Pattern SLUG = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final Pattern INTERNALS = Pattern.compile(
            "\\tat |\\b(java|jakarta|com\\.fasterxml|io\\.quarkus|org\\.jboss|dev\\.trainpod)\\.[a-z]");
    private static final int MAX_ECHO_CHARS = 1024;

    /** Every value type the services' request records bind, nested and in lists and maps the way they use them. */
    record Body(UUID datasetId, String baseModel, Map<String, Object> hyperparameters, Limits limits,
                List<String> lines, List<Point> points, Long ttlSeconds) {
    }

    record Limits(Integer maxRuntimeMinutes, BigDecimal maxCostUsd, Double stepSeconds) {
    }

    record Point(Integer step, Double loss, Instant time, @JsonAnySetter Map<String, Object> extra) {
    }

    /**
     * The input's last bytes choose whether the metrics service's lenient numbers apply and the status of a rejected
     * request; the rest is the request body, and also, unescaped if it is a JSON string, that request's message.
     */
    @FuzzTest(maxDuration = "30s")
    void everyErrorIsAWellFormedClientProblem(FuzzedDataProvider data) throws Exception {
        boolean lenientNumbers = data.consumeBoolean();
        int rejectedStatus = data.consumeInt(400, 499);
        byte[] body = data.consumeRemainingAsBytes();
        String rejectedMessage = message(body);

        Exception failure = bindingFailure(lenientNumbers ? METRICS_JSON : SERVICE_JSON, body);
        if (failure != null) {
            Response response = map(failure);
            assertWellFormed(response);
            assertThat(response.getStatus()).as("status for %s", failure).isBetween(400, 499);
            assertTellsNothingInternal(response);
        }

        Response rejected = map(new WebApplicationException(rejectedMessage, rejectedStatus));
        assertWellFormed(rejected);
        assertThat(rejected.getStatus()).isEqualTo(rejectedStatus);

        Response carried = map(ProblemException.badRequest("fuzzed", rejectedMessage));
        assertWellFormed(carried);
        assertThat(detail(carried)).isEqualTo(rejectedMessage);
    }

    private static String message(byte[] body) {
        String text;
        try {
            text = SERVICE_JSON.readValue(body, String.class);
        } catch (IOException | RuntimeException e) {
            text = new String(body, StandardCharsets.UTF_8);
        }
        text = text == null ? "" : text.substring(0, Math.min(text.length(), 300));
        return text.isBlank() ? "rejected" : text;
    }

    private static ObjectMapper serviceMapper() {
        // Quarkus' ObjectMapper: the modules on the class path, unknown properties ignored, ISO dates.
        return new ObjectMapper()
                .findAndRegisterModules()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /**
     * What binding the body throws at the resource, as Quarkus REST's Jackson reader passes it on: an empty body
     * binds to null, mismatched input and bad definitions as they are, other Jackson failures inside a 400.
     */
    private static Exception bindingFailure(ObjectMapper json, byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            json.readValue(body, Body.class);
            return null;
        } catch (MismatchedInputException e) {
            return e.getMessage().startsWith("No content") ? null : e;
        } catch (InvalidDefinitionException e) {
            return e;
        } catch (StreamReadException | DatabindException | StreamConstraintsException e) {
            return new WebApplicationException(e, Response.Status.BAD_REQUEST);
        } catch (IOException | RuntimeException e) {
            return e;
        }
    }

    /** Answers the exception with the mapper Quarkus picks: the one declared for its nearest superclass. */
    private static Response map(Exception failure) throws IllegalAccessException {
        Method mapper = MAPPER_METHODS.stream()
                .filter(method -> method.getParameterTypes()[0].isInstance(failure))
                .min(Comparator.comparingInt(method -> distance(failure.getClass(), method.getParameterTypes()[0])))
                .orElseThrow();
        try {
            return (Response) mapper.invoke(MAPPERS, failure);
        } catch (InvocationTargetException e) {
            throw new AssertionError(mapper.getName() + " threw on " + failure, e.getCause());
        }
    }

    private static int distance(Class<?> type, Class<?> ancestor) {
        int distance = 0;
        for (Class<?> c = type; c != ancestor; c = c.getSuperclass()) {
            distance++;
        }
        return distance;
    }

    private static void assertWellFormed(Response response) throws IOException {
        assertThat(response.getMediaType()).hasToString(Problem.MEDIA_TYPE);
        Problem problem = (Problem) response.getEntity();
        assertThat(problem.status()).isEqualTo(response.getStatus());
        assertThat(problem.type()).startsWith(Problem.TYPE_BASE);
        assertThat(problem.type().substring(Problem.TYPE_BASE.length())).matches(SLUG);
        assertThat(problem.title()).isNotBlank();
        assertThat(problem.detail()).isNotBlank();

        String written = SERVICE_JSON.writeValueAsString(problem);
        assertThat(written.chars()).noneMatch(c -> c < 0x20);
        JsonNode parsed = SERVICE_JSON.readTree(written);
        assertThat(parsed.path("type").asText()).isEqualTo(problem.type());
        assertThat(parsed.path("title").asText()).isEqualTo(problem.title());
        assertThat(parsed.path("status").asInt()).isEqualTo(problem.status());
        assertThat(SERVICE_JSON.treeToValue(parsed, Problem.class)).isEqualTo(problem);
        byte[] utf8 = SERVICE_JSON.writeValueAsBytes(problem);
        assertThat(SERVICE_JSON.readValue(utf8, Problem.class)).isEqualTo(problem);
    }

    private static void assertTellsNothingInternal(Response response) {
        Problem problem = (Problem) response.getEntity();
        assertThat(problem.detail()).hasSizeLessThanOrEqualTo(MAX_ECHO_CHARS).doesNotContainPattern(INTERNALS);
        if (problem.errors() != null) {
            assertThat(problem.errors()).allSatisfy(error -> assertThat(error.field() + " " + error.message())
                    .hasSizeLessThanOrEqualTo(MAX_ECHO_CHARS).doesNotContainPattern(INTERNALS));
        }
    }

    private static String detail(Response response) {
        return ((Problem) response.getEntity()).detail();
    }
}
