package dev.trainpod.common.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link ArtifactsStored} travels as JSON and comes back equal; its wire shape is what consumers read. */
class ArtifactsStoredCodecTest {

    @Test
    void roundTripsThroughTheCodecWithItsDocumentedShape() {
        UUID deployment = UUID.randomUUID();
        UUID artifact = UUID.randomUUID();
        ArtifactsStored event = new ArtifactsStored(deployment,
                List.of(new ArtifactsStored.Artifact(artifact, "adapter.bin", 65536, "ab".repeat(32))),
                Instant.parse("2026-12-06T08:00:00.123456Z"));

        String json = EventCodec.toJson(event);

        assertThat(event.type()).isEqualTo("ArtifactsStored");
        assertThat(json).isEqualTo("{\"deploymentId\":\"" + deployment + "\",\"artifacts\":[{\"id\":\"" + artifact
                + "\",\"name\":\"adapter.bin\",\"bytes\":65536,\"sha256\":\"" + "ab".repeat(32)
                + "\"}],\"storedAt\":\"2026-12-06T08:00:00.123456Z\"}");
        assertThat(EventCodec.fromJson("ArtifactsStored", json)).isEqualTo(event);
        assertThat(((ArtifactsStored) EventCodec.fromJson("ArtifactsStored",
                "{\"deploymentId\":\"" + deployment + "\"}")).artifacts()).isEmpty();
    }
}
