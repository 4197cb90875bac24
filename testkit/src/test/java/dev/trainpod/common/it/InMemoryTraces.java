package dev.trainpod.common.it;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Collects the common test application's spans in memory; as a SpanExporter bean it replaces the OTLP exporter. */
public class InMemoryTraces {

    @Produces
    @Singleton
    InMemorySpanExporter spans() {
        return InMemorySpanExporter.create();
    }
}
