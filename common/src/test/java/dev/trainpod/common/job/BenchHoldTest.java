package dev.trainpod.common.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The benchmark's hold: off until taken, off once released or lapsed, never longer than {@link BenchHold#MAX}. */
class BenchHoldTest {

    @Test
    void aHoldLastsUntilReleasedAndNeverLongerThanTheMaximum() {
        BenchHold hold = new BenchHold();
        assertThat(hold.held()).as("a new service").isFalse();
        hold.hold(Duration.ofDays(1));
        assertThat(hold.held()).isTrue();
        assertThat(hold.left()).isPositive().isLessThanOrEqualTo(BenchHold.MAX);
        hold.release();
        assertThat(hold.held()).isFalse();
        assertThat(hold.left()).isZero();
    }

    @Test
    void aHoldOfNoTimeHoldsNothing() {
        BenchHold hold = new BenchHold();
        hold.hold(Duration.ZERO);
        assertThat(hold.held()).isFalse();
        hold.hold(Duration.ofSeconds(-5));
        assertThat(hold.held()).isFalse();
    }
}
