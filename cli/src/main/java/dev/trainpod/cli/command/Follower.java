package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.ApiClient;
import dev.trainpod.cli.api.EventStream;
import dev.trainpod.cli.api.Problems;
import dev.trainpod.cli.api.Service;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Follows one deployment to its end: its live event stream from metrics-service (metric points, log lines,
 * phases; reconnecting with {@code Last-Event-ID} when the connection drops) read on a thread of its own, and its
 * status from deploy-service every two seconds, which decides when it has ended (also when it ended before its
 * pod ever reported, so the stream has nothing to say).
 */
final class Follower {

    /** What a command does with what is followed. */
    interface Handler {
        /** A metric, log or phase event of the stream. */
        void event(String type, JsonNode data);

        /** The deployment as deploy-service now reports it, every two seconds. */
        void status(JsonNode deployment);
    }

    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final long CHECK_NANOS = Duration.ofSeconds(2).toNanos();
    /** How long the stream may trail a deployment that deploy-service already reports ended. */
    private static final long STREAM_GRACE_NANOS = Duration.ofSeconds(5).toNanos();
    private static final Object END = new Object();

    /** One event of the stream, its data parsed. */
    private record Streamed(String type, JsonNode data) {
    }

    private final ApiClient api;
    private final String id;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile boolean stopped;
    private volatile InputStream open;
    private String lastEventId;

    Follower(ApiClient api, String id) {
        this.api = api;
        this.id = id;
    }

    /** Follows until the deployment ended and its stream said so (or trailed too long); answers the deployment. */
    JsonNode follow(Handler handler) {
        Thread reader = new Thread(this::read, "trainpod-stream-" + id);
        reader.setDaemon(true);
        reader.start();
        try {
            boolean streamEnded = false;
            long lastCheck = 0;
            long endedAt = 0;
            while (true) {
                Object next = queue.poll(streamEnded ? 200 : 500, TimeUnit.MILLISECONDS);
                if (next instanceof CliException e) {
                    throw e;
                }
                if (next == END) {
                    streamEnded = true;
                } else if (next instanceof Streamed e) {
                    handler.event(e.type(), e.data());
                }
                long now = System.nanoTime();
                if (lastCheck == 0 || now - lastCheck >= (streamEnded ? CHECK_NANOS / 4 : CHECK_NANOS)) {
                    lastCheck = now;
                    JsonNode deployment = api.get(Service.DEPLOY, "/api/v1/deployments/" + id);
                    handler.status(deployment);
                    if (TERMINAL.contains(deployment.path("status").asText())) {
                        endedAt = endedAt == 0 ? now : endedAt;
                        if ((streamEnded && queue.isEmpty()) || now - endedAt > STREAM_GRACE_NANOS) {
                            return deployment;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.UNAVAILABLE, "Interrupted.", null);
        } finally {
            stopped = true;
            closeOpen();
        }
    }

    /** The stream reader: connects, reconnects after a drop or while the job is not known yet, until the end. */
    private void read() {
        while (!stopped) {
            HttpRequest.Builder request = api.request(Service.METRICS, "/api/v1/jobs/" + id + "/stream")
                    .timeout(Duration.ofDays(1)).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            try {
                HttpResponse<InputStream> answer = api.exchange(Service.METRICS, request.GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (answer.statusCode() == 200) {
                    open = answer.body();
                    if (drain(new EventStream(answer.body()))) {
                        queue.add(END);
                        return;
                    }
                } else {
                    byte[] body = answer.body().readAllBytes();
                    if (answer.statusCode() == 401 || answer.statusCode() == 403) {
                        queue.add(Problems.fromAnswer(Service.METRICS, answer.statusCode(), body));
                        return;
                    }
                }
            } catch (CliException | IOException e) {
                // metrics-service unreachable or the connection dropped: deploy-service's status still tells the end
            }
            pause();
        }
    }

    /** Queues the stream's events; true when it delivered the job's last event. */
    private boolean drain(EventStream stream) throws IOException {
        EventStream.Event e;
        while (!stopped && (e = stream.next()) != null) {
            if (e.keepAlive()) {
                continue;
            }
            if (e.id() != null) {
                lastEventId = e.id();
            }
            JsonNode data = ApiClient.readJson(e.data().getBytes(StandardCharsets.UTF_8));
            queue.add(new Streamed(e.name(), data));
            if ("phase".equals(e.name()) && data != null && "ENDED".equals(data.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    private void closeOpen() {
        InputStream in = open;
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // closing a stream we no longer read
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }
}
