package dev.trainpod.metrics.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.metrics.repository.MetricColumns;
import dev.trainpod.metrics.repository.MetricPointRepository;
import dev.trainpod.metrics.api.MetricBatch;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The streaming reader against the ordinary path (JSON binding, then {@link MetricPointValidator}), its oracle:
 * what it accepts it reads into exactly the columns the ordinary path stores, and it leaves every batch the
 * ordinary path refuses (or binds with a coercion) to that path, so refusals keep their exact problems.
 */
class MetricBatchReaderTest {

    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new JavaTimeModule())
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS.mappedFeature());
    private static final MetricBatchReader READER = new MetricBatchReader(MAPPER.getFactory(), 1000);

    @Test
    void plainBatchesAreReadIntoTheColumnsTheOrdinaryPathStores() throws Exception {
        String[] bodies = {
            "{\"points\":[]}",
            "{\"points\":[{\"step\":0}]}",
            "{\"points\":[{\"step\":1,\"epoch\":0.01,\"loss\":2.5,\"learningRate\":0.0002,\"gradNorm\":1.4,"
                    + "\"tokensPerSecond\":1800.5,\"gpuMemoryMb\":10240,\"time\":\"2025-01-01T00:00:01.000Z\"},"
                    + "{\"step\":2,\"loss\":2,\"time\":\"2025-01-01T00:00:02Z\"},{\"step\":3,\"loss\":null}]}",
            " { \"points\" : [ {\"loss\":1e-3,\"step\":7,\"note\":\"épocas ✓ \\u00e9\",\"ok\":true,\"big\":12345678901,"
                    + "\"huge\":123456789012345678901234567890,\"ratio\":0.10,\"gone\":null,\"neg\":-1.5E+2} ] } ",
            "{\"points\":[{\"step\":5,\"loss\":1.0},{\"step\":5,\"loss\":9.0},{\"step\":2147483647}]}",
            "{\"points\":[{\"step\":1,\"time\":\"9999-12-31T23:59:59Z\"},{\"step\":2,\"time\":\"1970-01-01T00:00:00Z\"}]}",
            "{\"points\":[" + IntStream.range(0, 1000).mapToObj(i -> "{\"step\":" + i + ",\"loss\":" + (2.0 / (i + 1))
                    + ",\"gpu" + (i % 7) + "\":" + i + "}").collect(Collectors.joining(",")) + "]}",
        };
        for (String body : bodies) {
            MetricColumns fast = READER.read(body.getBytes(StandardCharsets.UTF_8));
            assertThat(fast).as(body).isNotNull();
            MetricColumns ordinary = MetricPointRepository.columns(MetricPointValidator.validate(
                    MAPPER.readValue(body, MetricBatch.class).points(), 1000));
            Object[] a = fast.arrays();
            Object[] b = ordinary.arrays();
            for (int column = 0; column < a.length; column++) {
                if (column == 6) { // extras: the same JSON object (jsonb keeps no key order)
                    String[] x = (String[]) a[column];
                    String[] y = (String[]) b[column];
                    assertThat(x).hasSameSizeAs(y);
                    for (int i = 0; i < x.length; i++) {
                        assertThat(x[i] == null ? null : MAPPER.readTree(x[i])).as(body)
                                .isEqualTo(y[i] == null ? null : MAPPER.readTree(y[i]));
                    }
                } else {
                    assertThat((Object[]) a[column]).as(body).containsExactly((Object[]) b[column]);
                }
            }
            assertThat(fast.highestStep()).isEqualTo(ordinary.highestStep());
            assertThat(fast.lowestStep()).isEqualTo(ordinary.lowestStep());
        }
    }

    /**
     * Times of the shape pods send are read by hand; every text gives the instant {@code Instant.parse} gives (the
     * reader before the hand-written path), in UTC, and null where that refuses or is out of range.
     */
    @Test
    void aTimeIsReadAsInstantParseReadsIt() {
        String[] texts = {"2026-12-06T20:49:17Z", "2026-12-06T20:49:17.1Z", "2026-12-06T20:49:17.12Z",
            "2026-12-06T20:49:17.123Z", "2026-12-06T20:49:17.123456Z", "2026-12-06T20:49:17.123456789Z",
            "2026-12-06T20:49:17.000000001Z", "2026-12-06T20:49:17.1234567891Z", "2026-12-06T20:49:17.Z",
            "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2000-02-29T23:59:59.999Z",
            "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z",
            "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-12-31T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "9998-12-31T23:59:59.5Z",
            "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.5Z", "2026-01-01t00:00:00z", "2026-01-01T00:00:00+01:00",
            "2026-01-01T00:00:00.5+01:00", "2026-01-01T00:00Z", "2026-1-01T00:00:00Z", "2026-01-01 00:00:00Z",
            "2026-01-0aT00:00:00Z", "+2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "２026-01-01T00:00:00Z", ""};
        for (String text : texts) {
            assertThat(MetricBatchReader.time(text)).as(text).isEqualTo(instantParse(text));
        }
    }

    /** The reader's time before the hand-written path. */
    private static java.time.OffsetDateTime instantParse(String text) {
        try {
            java.time.Instant at = java.time.Instant.parse(text);
            return at.isBefore(java.time.Instant.EPOCH) || at.isAfter(java.time.Instant.parse("9999-12-31T23:59:59Z"))
                    ? null : at.atOffset(java.time.ZoneOffset.UTC);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    @Test
    void everyBatchTheOrdinaryPathRefusesIsLeftToIt() {
        String[] refused = {
            "{\"points\":[{\"step\":1,\"loss\":NaN}]}",
            "{\"points\":[{\"step\":1,\"gradNorm\":-Infinity}]}",
            "{\"points\":[{\"loss\":2.0}]}",
            "{\"points\":[{\"step\":-1}]}",
            "{\"points\":[null]}",
            "{\"points\":null}",
            "{\"points\":[{\"step\":1,\"nested\":{\"a\":1}}]}",
            "{\"points\":[{\"step\":1,\"list\":[1]}]}",
            "{\"points\":[{\"step\":1,\"x\":NaN}]}",
            "{\"points\":[{\"step\":1,\"" + "n".repeat(65) + "\":1}]}",
            "{\"points\":[{\"step\":1," + IntStream.range(0, 33).mapToObj(i -> "\"f" + i + "\":1")
                    .collect(Collectors.joining(",")) + "}]}",
            "{\"points\":[{\"step\":1,\"time\":\"1969-12-31T23:59:59Z\"}]}",
            "{\"points\":[" + IntStream.range(0, 1001).mapToObj(i -> "{\"step\":" + i + "}")
                    .collect(Collectors.joining(",")) + "]}",
        };
        for (String body : refused) {
            assertThat(READER.read(body.getBytes(StandardCharsets.UTF_8))).as(body).isNull();
            assertThatThrownBy(() -> MetricPointValidator.validate(
                    MAPPER.readValue(body, MetricBatch.class).points(), 1000)).as(body)
                    .isInstanceOf(ProblemException.class);
        }
    }

    @Test
    void oddButBindableOrMalformedBodiesAreLeftToTheOrdinaryPath() {
        String[] odd = {
            "", "null", "[]", "{}", "{\"points\":[{\"step\":1}]", "{\"points\":[{\"step\":1}]}x",
            "{\"points\":[{\"step\":\"1\"}]}", "{\"points\":[{\"step\":1.0}]}", "{\"points\":[{\"step\":1,\"loss\":\"2\"}]}",
            "{\"points\":[{\"step\":1,\"step\":2}]}", "{\"points\":[{\"step\":1,\"a\":1,\"a\":2}]}",
            "{\"points\":[{\"step\":1,\"time\":1700000000}]}", "{\"points\":[{\"step\":1,\"time\":\"yesterday\"}]}",
            "{\"other\":1,\"points\":[]}", "{\"points\":[{\"step\":1,\"extra\":{\"a\":1}}]}", "{\"points\":[{\"step\":1,\"loss\":true}]}",
            "{\"points\":[{\"step\":99999999999}]}", "{\"points\":[{\"step\":1,\"n\\u0000ul\":1}]}",
        };
        for (String body : odd) {
            assertThat(READER.read(body.getBytes(StandardCharsets.UTF_8))).as(body).isNull();
        }
    }
}
