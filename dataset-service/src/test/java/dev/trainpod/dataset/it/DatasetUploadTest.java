package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.as;
import static dev.trainpod.dataset.it.Fixtures.jsonl;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.sha256;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class DatasetUploadTest {

    private static final List<String> FORMATS = List.of("SFT_MESSAGES", "SFT_PROMPT_COMPLETION", "SFT_TEXT", "DPO");

    @ParameterizedTest
    @ValueSource(strings = {"SFT_MESSAGES", "SFT_PROMPT_COMPLETION", "SFT_TEXT", "DPO"})
    void multipartUploadIsStoredAndItsFormatDetected(String format) throws IOException {
        String line = Fixtures.SAMPLES.get(format);
        byte[] content = jsonl(line, line, line);

        JsonPath answer = as(newUser()).multiPart("file", "chat.jsonl", content, "application/x-ndjson")
                .when().post("/api/v1/datasets")
                .then().statusCode(201).contentType("application/json")
                .body("name", equalTo("chat.jsonl"))
                .body("bytes", equalTo(content.length))
                .body("sha256", equalTo(sha256(content)))
                .body("format", equalTo(format))
                .body("rows", equalTo(3))
                .body("errors", empty())
                .body("errorCount", equalTo(0))
                .body("fitsMethods", equalTo(List.of(format.equals("DPO") ? "DPO" : "SFT")))
                .body("createdAt", notNullValue())
                .extract().jsonPath();

        assertThat(answer.getLong("estimatedTokens"))
                .isEqualTo((3L * textChars(format) + 3) / 4);
        assertThat(Files.readAllBytes(Fixtures.STORAGE.resolve(answer.getString("id") + ".jsonl")))
                .isEqualTo(content);
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/x-ndjson", "application/octet-stream", "text/plain", "application/jsonl"})
    void rawBodyUploadIsStoredWithTheGivenName(String contentType) {
        for (String format : FORMATS) {
            String line = Fixtures.SAMPLES.get(format);
            byte[] content = jsonl(line, line);
            as(newUser()).contentType(contentType).queryParam("name", "raw-" + format + ".jsonl").body(content)
                    .when().post("/api/v1/datasets")
                    .then().statusCode(201)
                    .header("Location", containsString("/api/v1/datasets/"))
                    .body("name", equalTo("raw-" + format + ".jsonl"))
                    .body("sha256", equalTo(sha256(content)))
                    .body("format", equalTo(format))
                    .body("rows", equalTo(2));
        }
    }

    @Test
    void largeUploadIsStreamedWithoutItsLengthKnownInAdvance() {
        StringBuilder text = new StringBuilder();
        while (text.length() < 3 * 1024 * 1024) {
            text.append(Fixtures.PROMPT_COMPLETION).append('\n');
        }
        byte[] content = text.toString().getBytes(StandardCharsets.UTF_8);

        as(newUser()).contentType("application/x-ndjson").queryParam("name", "big.jsonl")
                .body(new ByteArrayInputStream(content))
                .when().post("/api/v1/datasets")
                .then().statusCode(201)
                .body("bytes", equalTo(content.length))
                .body("sha256", equalTo(sha256(content)))
                .body("rows", equalTo(content.length / (Fixtures.PROMPT_COMPLETION.length() + 1)))
                .body("format", equalTo("SFT_PROMPT_COMPLETION"));
    }

    @Test
    void brokenLineMakesTheDatasetInvalidWithItsLineNumber() {
        byte[] content = jsonl(Fixtures.MESSAGES, Fixtures.MESSAGES, "{\"messages\": [", Fixtures.MESSAGES,
                Fixtures.MESSAGES);

        as(newUser()).contentType("application/x-ndjson").queryParam("name", "broken.jsonl").body(content)
                .when().post("/api/v1/datasets")
                .then().statusCode(201)
                .body("format", equalTo("INVALID"))
                .body("rows", equalTo(5))
                .body("errorCount", equalTo(1))
                .body("errors", hasSize(1))
                .body("errors[0].line", equalTo(3))
                .body("errors[0].message", startsWith("not valid JSON"))
                .body("fitsMethods", empty());
    }

    @Test
    void brokenLineFiftyThousandIsReportedWithItsNumber() {
        String[] lines = new String[60_000];
        Arrays.fill(lines, Fixtures.PROMPT_COMPLETION);
        lines[49_999] = "{\"prompt\":\"2+2=\",\"completion\":4}";

        as(newUser()).contentType("application/x-ndjson").queryParam("name", "long.jsonl").body(jsonl(lines))
                .when().post("/api/v1/datasets")
                .then().statusCode(201)
                .body("format", equalTo("INVALID"))
                .body("rows", equalTo(60_000))
                .body("errorCount", equalTo(1))
                .body("errors[0].line", equalTo(50_000))
                .body("errors[0].message", containsString("completion must be a string"));
    }

    @Test
    void pathTraversalNameIsStoredHarmlesslyUnderTheDatasetsId() throws IOException {
        JsonPath answer = as(newUser()).contentType("application/x-ndjson")
                .queryParam("name", "../../../etc/cron.d/evil.jsonl").body(jsonl(Fixtures.TEXT))
                .when().post("/api/v1/datasets")
                .then().statusCode(201)
                .body("name", equalTo("evil.jsonl"))
                .extract().jsonPath();

        assertThat(Fixtures.STORAGE.resolve(answer.getString("id") + ".jsonl")).exists();
        assertThat(Fixtures.STORAGE.resolve("../../../etc/cron.d/evil.jsonl").normalize()).doesNotExist();
        try (Stream<Path> files = Files.walk(Fixtures.STORAGE)) {
            assertThat(files.map(f -> f.getFileName().toString())).doesNotContain("evil.jsonl");
        }
    }

    @Test
    void mixedFormatsMakeTheDatasetInvalid() {
        byte[] content = jsonl(Fixtures.TEXT, Fixtures.TEXT, Fixtures.PROMPT_COMPLETION);

        as(newUser()).contentType("application/x-ndjson").queryParam("name", "mixed.jsonl").body(content)
                .when().post("/api/v1/datasets")
                .then().statusCode(201)
                .body("format", equalTo("INVALID"))
                .body("errors[0].line", equalTo(3))
                .body("errors[0].message", containsString("same format"));
    }

    @Test
    void lineThatIsNotUtf8IsReported() {
        byte[] bad = "{\"text\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        byte[] content = concat(jsonl(Fixtures.TEXT), bad, "\n".getBytes(StandardCharsets.UTF_8));

        as(newUser()).contentType("application/octet-stream").queryParam("name", "latin1.jsonl").body(content)
                .when().post("/api/v1/datasets")
                .then().statusCode(201)
                .body("format", equalTo("INVALID"))
                .body("errors[0].line", equalTo(2))
                .body("errors[0].message", containsString("UTF-8"));
    }

    @Test
    void emptyFileIsRejectedAndNothingIsKept() throws IOException {
        long before = storedFiles();

        as(newUser()).contentType("application/x-ndjson").queryParam("name", "empty.jsonl").body(new byte[0])
                .when().post("/api/v1/datasets")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", endsWith("/dataset-empty"));
        as(newUser()).multiPart("file", "blank.jsonl", "\n  \n".getBytes(StandardCharsets.UTF_8), "text/plain")
                .when().post("/api/v1/datasets")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", endsWith("/dataset-empty"));

        assertThat(storedFiles()).isEqualTo(before);
    }

    @Test
    void uploadOverTheSizeLimitIsRefusedAndNothingIsKept() throws IOException {
        byte[] content = new byte[5 * 1024 * 1024];
        Arrays.fill(content, (byte) ' ');
        long before = storedFiles();

        as(newUser()).contentType("application/x-ndjson").queryParam("name", "huge.jsonl")
                .body(new ByteArrayInputStream(content))
                .when().post("/api/v1/datasets")
                .then().statusCode(413).contentType("application/problem+json")
                .body("type", endsWith("/dataset-too-large"));
        as(newUser()).contentType("application/x-ndjson").queryParam("name", "huge.jsonl").body(content)
                .when().post("/api/v1/datasets")
                .then().statusCode(413).contentType("application/problem+json");

        assertThat(storedFiles()).isEqualTo(before);
    }

    @Test
    void multipartWithoutTheFilePartIsABadRequest() {
        as(newUser()).multiPart("other", "x.jsonl", jsonl(Fixtures.TEXT), "text/plain")
                .when().post("/api/v1/datasets")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", endsWith("/file-missing"));
    }

    @Test
    void rawUploadWithoutNameIsABadRequest() {
        as(newUser()).contentType("application/x-ndjson").body(jsonl(Fixtures.TEXT))
                .when().post("/api/v1/datasets")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", endsWith("/name-missing"));
    }

    @Test
    void unsupportedContentTypeIsRefused() {
        as(newUser()).contentType("application/json").body(Fixtures.TEXT)
                .when().post("/api/v1/datasets")
                .then().statusCode(415).contentType("application/problem+json");
    }

    @Test
    void uploadWithoutTokenIsUnauthorized() {
        given().contentType("application/x-ndjson").queryParam("name", "x.jsonl").body(jsonl(Fixtures.TEXT))
                .when().post("/api/v1/datasets")
                .then().statusCode(401).contentType("application/problem+json");
    }

    private static int textChars(String format) {
        return switch (format) {
            case "SFT_MESSAGES" -> "Be brief.".length() + "Hi".length() + "Hello!".length();
            case "SFT_PROMPT_COMPLETION" -> "2+2=".length() + "4".length();
            case "SFT_TEXT" -> "The quick brown fox jumps over the lazy dog.".length();
            default -> "Say hi".length() + "Hi!".length() + "Go away.".length();
        };
    }

    /** Files in storage, partial uploads and multipart spool included. */
    private static long storedFiles() throws IOException {
        if (!Files.isDirectory(Fixtures.STORAGE)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(Fixtures.STORAGE)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
