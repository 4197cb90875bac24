package dev.trainpod.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real HTTP client reading a Server-Sent Events stream on a thread of its own, one event at a time. */
final class SseClient implements AutoCloseable {

    /** One event as received. */
    record Event(String id, String name, String data) {
        JsonPath json() {
            return JsonPath.from(data);
        }
    }

    private static final Event END = new Event(null, null, null);

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
    private final HttpResponse<InputStream> response;

    SseClient(URI uri, String token, String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                .header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        Thread reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** The next event; fails after 30 s without one. */
    Event next() throws InterruptedException {
        Event event = events.poll(30, TimeUnit.SECONDS);
        assertThat(event).as("an event within 30 s").isNotNull();
        assertThat(event).as("an event before the stream ended").isNotSameAs(END);
        return event;
    }

    /** Waits (at most 30 s) for the server to end the stream, failing if another event comes first. */
    void awaitEnd() throws InterruptedException {
        Event event = events.poll(30, TimeUnit.SECONDS);
        assertThat(event).as("the end of the stream").isSameAs(END);
    }

    /** The next comment line (a keep-alive); fails after 30 s without one. */
    String nextComment() throws InterruptedException {
        String comment = comments.poll(30, TimeUnit.SECONDS);
        assertThat(comment).as("a comment within 30 s").isNotNull();
        return comment;
    }

    @Override
    public void close() throws IOException {
        response.body().close();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.add(new Event(id, name, data.toString()));
                    }
                    id = null;
                    name = null;
                    data.setLength(0);
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).strip());
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).strip());
                }
            }
        } catch (IOException e) {
            // closed by the test
        } finally {
            events.add(END);
        }
    }
}
