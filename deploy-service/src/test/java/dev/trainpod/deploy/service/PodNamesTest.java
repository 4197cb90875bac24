package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class PodNamesTest {

    private static final UUID ID = UUID.fromString("0b5c6f3e-8a7d-4c1e-9f0a-2b3c4d5e6f70");

    @Test
    void nameWithAnInstallationSaysWhoseItIs() {
        assertThat(PodNames.parse("trainpod-prod1-" + ID))
                .contains(new PodNames.Parsed("prod1", ID));
        assertThat(("trainpod-abcdefghijkl-" + ID).length()).as("RunPod's limit").isLessThanOrEqualTo(60);
        assertThat(PodNames.parse("trainpod-abcdefghijkl-" + ID)).isPresent();
    }

    @Test
    void nameFromBeforeInstallationIdsIsStillRecognised() {
        PodNames.Parsed legacy = PodNames.parse("trainpod-" + ID).orElseThrow();
        assertThat(legacy.legacy()).isTrue();
        assertThat(legacy.deploymentId()).isEqualTo(ID);
    }

    @Test
    void otherNamesAreNotTrainpodPods() {
        assertThat(PodNames.parse("other-" + ID)).isEmpty();
        assertThat(PodNames.parse("trainpod-" + ID + "x")).isEmpty();
        assertThat(PodNames.parse("trainpod-UPPER-" + ID)).isEmpty();
        assertThat(PodNames.parse("trainpod-has-dash-" + ID)).isEmpty();
        assertThat(PodNames.parse("trainpod-abcdefghijklm-" + ID)).as("installation too long").isEmpty();
        assertThat(PodNames.parse("trainpod-x-not-a-uuid-at-all-but-36-chars-long!")).isEmpty();
        assertThat(PodNames.parse(null)).isEmpty();
    }
}
