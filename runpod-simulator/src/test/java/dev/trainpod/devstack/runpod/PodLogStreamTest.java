package dev.trainpod.devstack.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pod log as a finite, resumable Server-Sent Events stream. */
class PodLogStreamTest {

    /** One parsed Server-Sent Event. */
    private record Event(String id, JsonNode data) {
    }

    @TempDir
    static Path workRoot;

    private static final List<String> sink = new CopyOnWriteArrayList<>();
    private static SimulatorFixture sim;
    private static String podId;

    @BeforeAll
    static void start() {
        sim = SimulatorFixture.start(workRoot, b -> b.logSink(sink::add));
        podId = sim.createPod("for i in 1 2 3; do echo \"line $i\"; done; echo oops >&2; sleep 1000");
        sim.awaitPod(podId, p -> p.log().stream().anyMatch(l -> l.line().equals("oops")));
    }

    @AfterAll
    static void close() {
        sim.close();
    }

    @Test
    void logIsAFiniteEventStreamOfContainerAndSystemLines() {
        SimulatorFixture.Reply reply = sim.get("/v2/pods/" + podId + "/logs");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).isEqualTo("text/event-stream");
        List<Event> events = parse(reply.body());
        assertThat(events).filteredOn(e -> e.data().get("source").asText().equals("container"))
                .extracting(e -> e.data().get("line").asText())
                .containsExactly("line 1", "line 2", "line 3", "oops");
        assertThat(events).extracting(e -> e.data().get("source").asText()).contains("system");
        assertThat(events).allSatisfy(e -> assertThat(e.id()).startsWith(e.data().get("ts").asText() + "/"));
    }

    @Test
    void lastEventIdResumesAfterThatEvent() {
        List<Event> all = parse(sim.get("/v2/pods/" + podId + "/logs?source=container").body());
        String afterLine2 = all.get(1).id();

        SimulatorFixture.Reply resumed = sim.send("GET", "/v2/pods/" + podId + "/logs?source=container",
                SimulatorFixture.KEY, null, "Last-Event-ID", afterLine2);

        assertThat(parse(resumed.body())).extracting(e -> e.data().get("line").asText())
                .containsExactly("line 3", "oops");
    }

    @Test
    void tailLimitsTheBackfill() {
        List<Event> events = parse(sim.get("/v2/pods/" + podId + "/logs?source=container&tail=1").body());

        assertThat(events).extracting(e -> e.data().get("line").asText()).containsExactly("oops");
    }

    @Test
    void logSinkGetsEveryLinePrefixedWithThePodId() {
        assertThat(sink).contains("[pod " + podId + "] line 1", "[pod " + podId + "] oops");
    }

    @Test
    void logsOfAnUnknownPodAreNotFound() {
        assertThat(sim.get("/v2/pods/nope/logs").status()).isEqualTo(404);
    }

    private static List<Event> parse(String stream) {
        ObjectMapper json = new ObjectMapper();
        List<Event> events = new ArrayList<>();
        for (String block : stream.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String id = null;
            JsonNode data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    try {
                        data = json.readTree(line.substring(6));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            events.add(new Event(id, data));
        }
        return events;
    }
}
