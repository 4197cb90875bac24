package dev.trainpod.devstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A tiny OpenTelemetry collector for the integration tests: it accepts OTLP/HTTP protobuf exports on
 * {@code /v1/traces} and keeps, of every span, what the tests ask about (service, ids, name, kind, string
 * attributes). It decodes the protobuf wire format itself, reading only the fields it needs, so it depends on no
 * generated classes. It keeps at most {@link #MAX_SPANS} spans, so a load test cannot fill the test JVM.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** How many spans the receiver keeps; later ones are counted and dropped. */
    public static final int MAX_SPANS = 200_000;

    /** OTLP span kinds, numbered as in the protocol. */
    public enum Kind { UNSPECIFIED, INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER }

    /** One received span. Ids are lower-case hex; the parent id is empty for a root span. */
    public record Span(String service, String traceId, String spanId, String parentSpanId, String name, Kind kind,
                       Map<String, String> attributes) {
    }

    private final HttpServer server;
    private final ConcurrentLinkedQueue<Span> spans = new ConcurrentLinkedQueue<>();
    private final AtomicInteger kept = new AtomicInteger();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    /** Starts a receiver on a free loopback port. */
    public static OtlpReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            OtlpReceiver receiver = new OtlpReceiver(server);
            server.createContext("/v1/traces", receiver::handle);
            server.setExecutor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "otlp-receiver");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the OTLP receiver", e);
        }
    }

    /** The base URL to give the services' OTLP exporter (it posts to {@code /v1/traces} under it). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The settings that make a service export its spans here. */
    public Map<String, String> serviceSettings() {
        return Map.of(
                "quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.traces.endpoint", endpoint(),
                "quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf",
                "quarkus.otel.bsp.schedule.delay", "200ms");
    }

    /** Every span received so far. */
    public List<Span> spans() {
        return List.copyOf(spans);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            int status = 200;
            try {
                decodeRequest(body);
            } catch (RuntimeException e) {
                status = 400;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(status, -1);
        }
    }

    /** ExportTraceServiceRequest: 1 = ResourceSpans (repeated). */
    private void decodeRequest(byte[] body) {
        Reader r = new Reader(body, 0, body.length);
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                resourceSpans(r.message());
            } else {
                r.skip(tag);
            }
        }
    }

    /** ResourceSpans: 1 = Resource (1 = attributes), 2 = ScopeSpans (2 = spans). */
    private void resourceSpans(Reader r) {
        String service = "";
        List<Reader> scopes = new ArrayList<>();
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                Reader resource = r.message();
                Map<String, String> attributes = new HashMap<>();
                while (resource.more()) {
                    int t = resource.tag();
                    if (t >>> 3 == 1 && (t & 7) == 2) {
                        keyValue(resource.message(), attributes);
                    } else {
                        resource.skip(t);
                    }
                }
                service = attributes.getOrDefault("service.name", "");
            } else if (tag >>> 3 == 2 && (tag & 7) == 2) {
                scopes.add(r.message());
            } else {
                r.skip(tag);
            }
        }
        for (Reader scope : scopes) {
            while (scope.more()) {
                int tag = scope.tag();
                if (tag >>> 3 == 2 && (tag & 7) == 2) {
                    Span span = span(service, scope.message());
                    if (kept.incrementAndGet() <= MAX_SPANS) {
                        spans.add(span);
                    }
                } else {
                    scope.skip(tag);
                }
            }
        }
    }

    /** Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes. */
    private static Span span(String service, Reader r) {
        String traceId = "";
        String spanId = "";
        String parent = "";
        String name = "";
        Kind kind = Kind.UNSPECIFIED;
        Map<String, String> attributes = new HashMap<>();
        while (r.more()) {
            int tag = r.tag();
            switch (tag >>> 3) {
                case 1 -> traceId = HexFormat.of().formatHex(r.bytes());
                case 2 -> spanId = HexFormat.of().formatHex(r.bytes());
                case 4 -> parent = HexFormat.of().formatHex(r.bytes());
                case 5 -> name = r.string();
                case 6 -> {
                    long k = r.varint();
                    kind = k >= 0 && k < Kind.values().length ? Kind.values()[(int) k] : Kind.UNSPECIFIED;
                }
                case 9 -> keyValue(r.message(), attributes);
                default -> r.skip(tag);
            }
        }
        return new Span(service, traceId, spanId, parent, name, kind, Map.copyOf(attributes));
    }

    /** KeyValue: 1 key, 2 AnyValue (1 string, 2 bool, 3 int); other value types are left out. */
    private static void keyValue(Reader r, Map<String, String> into) {
        String key = null;
        String value = null;
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                key = r.string();
            } else if (tag >>> 3 == 2 && (tag & 7) == 2) {
                Reader any = r.message();
                while (any.more()) {
                    int t = any.tag();
                    switch (t >>> 3) {
                        case 1 -> value = any.string();
                        case 2 -> value = String.valueOf(any.varint() != 0);
                        case 3 -> value = String.valueOf(any.varint());
                        default -> any.skip(t);
                    }
                }
            } else {
                r.skip(tag);
            }
        }
        if (key != null && value != null) {
            into.put(key, value);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Reads protobuf wire format from a slice of a byte array. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf, int from, int to) {
            this.buf = buf;
            this.pos = from;
            this.end = to;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint");
                }
                byte b = buf[pos++];
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        Reader message() {
            int length = (int) varint();
            if (length < 0 || pos + length > end) {
                throw new IllegalArgumentException("bad length " + length);
            }
            Reader sub = new Reader(buf, pos, pos + length);
            pos += length;
            return sub;
        }

        byte[] bytes() {
            Reader sub = message();
            byte[] out = new byte[sub.end - sub.pos];
            System.arraycopy(buf, sub.pos, out, 0, out.length);
            return out;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> message();
                case 5 -> advance(4);
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
            }
        }

        private void advance(int n) {
            if (pos + n > end) {
                throw new IllegalArgumentException("truncated field");
            }
            pos += n;
        }
    }
}
