package dev.trainpod.cli.api;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads a Server-Sent Events stream (the WHATWG event-stream format): {@code id}, {@code event} and {@code data}
 * fields up to a blank line make one event; a comment line (the server's keep-alive) is reported too, so that a
 * reader can do its periodic work while a stream is quiet.
 */
public final class EventStream implements Closeable {

    /** One event; {@code name} is {@code message} when the stream names none, {@code null} for a comment. */
    public record Event(String id, String name, String data) {

        /** A comment line: the server saying it is still there. */
        public boolean keepAlive() {
            return name == null;
        }
    }

    private final BufferedReader in;

    public EventStream(InputStream in) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next event or comment; null when the stream ended. */
    public Event next() throws IOException {
        String id = null;
        String name = null;
        StringBuilder data = null;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(id, name == null ? "message" : name, data.toString());
                }
                id = null;
                name = null;
                continue;
            }
            if (line.startsWith(":")) {
                if (data == null) {
                    return new Event(null, null, line.substring(1).strip());
                }
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> name = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> {
                }
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
