package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.newUser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The body limits common's {@code RequestBodyGuard} enforces for dataset-service: a request that declares a body over
 * its route's limit is answered 413 problem+json at once, before the client sent its body. Each request here sends
 * the head and a few bytes only, and waits for the answer: a limit that is not enforced up front leaves the service
 * waiting for the rest of the body, and the read times out.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class BodyLimitTest {

    @Test
    void aDatasetUploadDeclaredOverTheDatasetLimitIsRefusedBeforeItsBody() throws IOException {
        // the test profile's trainpod.dataset.max-bytes is 4M, far below the service's 21G body limit
        String answer = announce("POST /api/v1/datasets?name=big.jsonl", "application/x-ndjson", 5L * 1024 * 1024);

        assertThat(answer).startsWith("HTTP/1.1 413").contains("application/problem+json")
                .contains("/dataset-too-large").contains("split it or sample it down");
    }

    @Test
    void aDatasetUploadWithinItsLimitIsNotRefusedByTheGuard() throws IOException {
        String answer = announce("POST /api/v1/datasets?name=fine.jsonl", "application/x-ndjson", 1024);

        assertThat(answer).as("the service waits for the rest of the body").isEmpty();
    }

    @Test
    void aJsonBodyDeclaredOverTheJsonLimitIsRefusedWhateverTheRoute() throws IOException {
        String answer = announce("POST /api/v1/datasets/tokens", "application/json", 2L * 1024 * 1024);

        assertThat(answer).startsWith("HTTP/1.1 413").contains("application/problem+json")
                .contains("/body-too-large").contains("A JSON request body may have at most 1048576 bytes");
    }

    /** Sends the head declaring {@code length} bytes and a line of body; the answer, empty if none came in 2 s. */
    private static String announce(String requestLine, String contentType, long length) throws IOException {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(2000);
            String head = requestLine + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + TrainpodTestResource.keys().userToken(newUser()) + "\r\n"
                    + "Content-Type: " + contentType + "\r\nContent-Length: " + length + "\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write("{\"text\": \"a\"}\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                    answer.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // no (more) answer: the service is waiting for the body
            } catch (IOException e) {
                // the guard closes the connection after its answer; what arrived before counts
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
