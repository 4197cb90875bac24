package dev.trainpod.common.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Carries the W3C trace context of a lifecycle event: as the outbox row's {@code traceparent} column and as the
 * record's CloudEvents distributed-tracing extension ({@code ce_traceparent}, binary mode), repeated as the plain
 * W3C {@code traceparent} header that the OpenTelemetry Kafka instrumentation reads. With tracing off every span
 * is invalid and nothing is written, so the records are exactly what they were without tracing.
 */
public final class TraceHeaders {

    /** CloudEvents distributed-tracing extension attribute in Kafka binary mode. */
    public static final String CE_TRACEPARENT = "ce_traceparent";
    /** The plain W3C Trace Context header. */
    public static final String TRACEPARENT = "traceparent";

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<String> VALUE = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(TRACEPARENT);
        }

        @Override
        public String get(String carrier, String key) {
            return TRACEPARENT.equals(key) ? carrier : null;
        }
    };

    private TraceHeaders() {
    }

    /** The {@code traceparent} of the current span, or null when there is none (tracing off, no request). */
    public static String currentTraceparent() {
        return traceparent(Context.current());
    }

    /** The {@code traceparent} naming the span in the given context, or null when that span is not valid. */
    public static String traceparent(Context context) {
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(context, carrier, Map::put);
        return carrier.get(TRACEPARENT);
    }

    /** The remote parent a {@code traceparent} names, on top of the root context; the root if it is null or bad. */
    public static Context parent(String traceparent) {
        return traceparent == null || traceparent.isBlank() ? Context.root()
                : W3C.extract(Context.root(), traceparent.trim(), VALUE);
    }

    /** Adds the span's {@code traceparent} to the record headers (both names); nothing if the span is not valid. */
    public static void inject(Span span, Headers headers) {
        String traceparent = traceparent(Context.root().with(span));
        if (traceparent != null) {
            byte[] value = traceparent.getBytes(StandardCharsets.UTF_8);
            headers.remove(CE_TRACEPARENT).remove(TRACEPARENT);
            headers.add(CE_TRACEPARENT, value).add(TRACEPARENT, value);
        }
    }

    /** The {@code traceparent} a consumed record carries ({@code ce_traceparent} first), or null. */
    public static String traceparent(Headers headers) {
        Header h = headers.lastHeader(CE_TRACEPARENT);
        if (h == null) {
            h = headers.lastHeader(TRACEPARENT);
        }
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
