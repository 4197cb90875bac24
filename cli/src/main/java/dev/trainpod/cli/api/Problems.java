package dev.trainpod.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;

/** Turns an API's error answer (RFC 9457 problem+json) or a transport failure into a {@link CliException}. */
public final class Problems {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Problems() {
    }

    /** The failure an error answer stands for: 401/403 auth, other 4xx refused, anything else unavailable. */
    public static CliException fromAnswer(Service service, int status, byte[] body) {
        JsonNode problem = parse(body);
        String title = problem != null && problem.hasNonNull("title") ? problem.get("title").asText()
                : "HTTP " + status + " from " + service.label();
        String topHint = problem != null && problem.hasNonNull("hint") ? problem.get("hint").asText() : null;
        if (status == 401) {
            return new CliException(ExitCode.AUTH, title + " (" + status + ")", topHint != null ? topHint
                    : "Your token was refused or has expired: run trainpod login.", problem);
        }
        if (status == 403) {
            return new CliException(ExitCode.AUTH, title + " (" + status + ")", topHint, problem);
        }
        if (status >= 400 && status < 500) {
            return new CliException(ExitCode.REFUSED, title + " (" + status + ")", topHint, problem);
        }
        return new CliException(ExitCode.UNAVAILABLE, title + " (" + status + " from " + service.label() + ")",
                topHint != null ? topHint : "The service failed; try again in a moment.", problem);
    }

    /** A request that never got an answer: refused connection, timeout, reset. */
    public static CliException fromTransport(Service service, String url, IOException e) {
        String what = e instanceof ConnectException ? "connection refused"
                : e instanceof HttpTimeoutException ? "no answer in time"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new CliException(ExitCode.UNAVAILABLE, "Cannot reach " + service.label() + " at " + url + ": " + what,
                "Is Trainpod running there? The address comes from --api-url, TRAINPOD_API_URL or trainpod login.");
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(new String(body, StandardCharsets.UTF_8));
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }
}
