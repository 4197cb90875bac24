package dev.trainpod.common.job;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * A benchmark's hold on a service's asynchronous work: while it is held, the {@code OutboxRelay} publishes nothing
 * and deploy-service's provisioning claims nothing; committed events and accepted deployments wait, and leave as
 * soon as it is released. It lets the create benchmark measure a create's accept path apart from the fan-out the
 * create starts, and then the fan-out apart (issue 17).
 *
 * <p>Only deploy-service's bench endpoint ({@code /internal/bench/hold}) sets it, and that endpoint answers 404
 * unless {@code trainpod.bench.reference-endpoint=true}, which only the benchmark stacks set: in production nothing
 * can hold. A hold also lapses by itself after the duration it was taken for (at most {@link #MAX}), so a benchmark
 * that dies while holding leaves the service held for minutes at most, never for good.
 */
@ApplicationScoped
public class BenchHold {

    /** The longest a hold may be taken for. */
    public static final Duration MAX = Duration.ofMinutes(10);

    private volatile boolean holding;
    private volatile long untilNanos;

    /** Holds the asynchronous work for {@code duration} (cut to {@link #MAX}), or until {@link #release}. */
    public void hold(Duration duration) {
        Duration d = duration.compareTo(MAX) > 0 ? MAX : duration;
        untilNanos = System.nanoTime() + Math.max(0, d.toNanos());
        holding = true;
    }

    /** Lets the held work go on now. */
    public void release() {
        holding = false;
    }

    /** Whether the asynchronous work is held now. */
    public boolean held() {
        return holding && System.nanoTime() - untilNanos < 0;
    }

    /** How much longer the hold lasts at most; zero when nothing is held. */
    public Duration left() {
        return held() ? Duration.ofNanos(untilNanos - System.nanoTime()) : Duration.ZERO;
    }
}
