package dev.trainpod.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.problem.Problem;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which body limit applies to a request, and what its 413 says (the HTTP side: dataset-service's BodyLimitTest). */
class RequestBodyGuardTest {

    private static final Problem UPLOAD_TOO_LARGE = Problem.of(413, "upload-too-large", "Upload too large",
            "An upload may have at most 100 bytes; split it.");

    private final RequestBodyGuard guard = new RequestBodyGuard(10_000, 1_000,
            List.of(new BodyLimit("POST", "/api/v1/uploads", 100, UPLOAD_TOO_LARGE)), 10_000, 1024);

    @Test
    void aRouteWithItsOwnLimitIsAnsweredWithItsProblem() {
        assertThat(guard.refusal("POST", "/api/v1/uploads", "application/x-ndjson", 101)).contains(UPLOAD_TOO_LARGE);
        assertThat(guard.refusal("POST", "/api/v1/uploads", "application/x-ndjson", 100)).isEmpty();
        assertThat(guard.refusal("POST", "/api/v1/uploads", null, -1)).as("chunked: measured while read").isEmpty();
    }

    @Test
    void aMultipartBodyHasRoomForItsEnvelopeAboveTheRoutesLimit() {
        String multipart = "multipart/form-data; boundary=x";
        assertThat(guard.refusal("POST", "/api/v1/uploads", multipart, 100 + RequestBodyGuard.MULTIPART_OVERHEAD))
                .isEmpty();
        assertThat(guard.refusal("POST", "/api/v1/uploads", multipart, 101 + RequestBodyGuard.MULTIPART_OVERHEAD))
                .contains(UPLOAD_TOO_LARGE);
    }

    @Test
    void otherMethodsAndPathsKeepTheServicesLimit() {
        assertThat(guard.refusal("PUT", "/api/v1/uploads", "application/octet-stream", 5_000)).isEmpty();
        assertThat(guard.refusal("POST", "/api/v1/uploads/x", "application/octet-stream", 5_000)).isEmpty();
        assertThat(guard.refusal("POST", "/api/v1/other", "application/octet-stream", 10_001))
                .map(Problem::type).contains(Problem.TYPE_BASE + "body-too-large");
    }

    @Test
    void aJsonBodyHasTheJsonLimitOnEveryRouteWithAHint() {
        Optional<Problem> refused = guard.refusal("POST", "/api/v1/other", "Application/JSON; charset=utf-8", 1_001);

        assertThat(refused).map(Problem::status).contains(413);
        assertThat(refused).map(Problem::type).contains(Problem.TYPE_BASE + "body-too-large");
        assertThat(refused).map(Problem::detail).contains("A JSON request body may have at most 1000 bytes.");
        assertThat(guard.refusal("POST", "/api/v1/uploads", "application/json", 1_001)).map(Problem::type)
                .contains(Problem.TYPE_BASE + "body-too-large");
        assertThat(guard.refusal("POST", "/api/v1/other", "application/json", 1_000)).isEmpty();
    }
}
