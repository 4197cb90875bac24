package dev.trainpod.metrics.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainpod.common.problem.ProblemException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The stream caps: per user and per replica, each slot given back once. */
class StreamSlotsTest {

    @Test
    void aUserPastTheirCapAndAnyonePastTheReplicasAreRefused() {
        StreamSlots slots = new StreamSlots(2, 3, new SimpleMeterRegistry());
        StreamSlots.Slot first = slots.take("alice");
        slots.take("alice");

        assertThatThrownBy(() -> slots.take("alice")).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.problem().status()).isEqualTo(429);
            assertThat(e.problem().type()).endsWith("/too-many-streams");
        });
        slots.take("bob");
        assertThatThrownBy(() -> slots.take("carol")).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.problem().type()).endsWith("/streams-exhausted"));

        first.release();
        first.release();
        assertThat(slots.count()).isEqualTo(2);
        slots.take("carol");
        assertThatThrownBy(() -> slots.take("dave")).isInstanceOf(ProblemException.class);
    }
}
