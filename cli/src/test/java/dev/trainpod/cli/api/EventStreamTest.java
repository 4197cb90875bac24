package dev.trainpod.cli.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventStreamTest {

    private static EventStream stream(String text) {
        return new EventStream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void eventsCarryTheirIdNameAndJoinedDataLines() throws IOException {
        EventStream s = stream("id: 7\nevent: metric\ndata: {\"step\":\ndata: 3}\n\n"
                + ": keep-alive\n\n"
                + "data:plain\n\n");

        EventStream.Event first = s.next();
        assertThat(first).isEqualTo(new EventStream.Event("7", "metric", "{\"step\":\n3}"));
        assertThat(s.next().keepAlive()).isTrue();
        assertThat(s.next()).isEqualTo(new EventStream.Event(null, "message", "plain"));
        assertThat(s.next()).isNull();
    }

    @Test
    void anEventCutOffByTheEndOfTheStreamIsNotDelivered() throws IOException {
        EventStream s = stream("id: 1\nevent: log\ndata: {\"line\": \"half");

        assertThat(s.next()).isNull();
    }

    @Test
    void fieldsWithoutDataDispatchNothing() throws IOException {
        EventStream s = stream("id: 4\nevent: phase\n\nevent: log\ndata: x\n\n");

        assertThat(s.next()).isEqualTo(new EventStream.Event(null, "log", "x"));
    }
}
