package dev.trainpod.common.job;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The loop of every scheduled job: take a page of items (a bounded query), handle each in turn, one after the
 * other; one that fails is logged and waits for the next cycle, and the job itself never fails (a failed pass is
 * logged, the scheduler runs the next). Used by deploy-service's provisioning, reaper, termination and reconciler,
 * metrics-service's watchdog and retention, and dataset-service's cleanup.
 */
public final class Sweep {

    private static final Logger LOG = Logger.getLogger(Sweep.class);

    private Sweep() {
    }

    /** Handles each item of the page in turn; a failed item is logged ({@code what} names the job) and skipped. */
    public static <T> Uni<Void> each(String what, Uni<List<T>> page, Function<T, Uni<?>> handle) {
        return count(what, page, item -> handle.apply(item).replaceWith(Boolean.TRUE)).replaceWithVoid();
    }

    /**
     * As {@link #each}, and counts the items whose handling answered true (a deployment ended, a row deleted); a
     * failed item counts as none.
     */
    public static <T> Uni<Integer> count(String what, Uni<List<T>> page, Function<T, Uni<Boolean>> handle) {
        return guarded(what, page.onItem().transformToMulti(list -> Multi.createFrom().iterable(list))
                .onItem().transformToUniAndConcatenate(item -> handle.apply(item)
                        .onFailure().invoke(e -> LOG.warnf("%s: handling %s failed, the next cycle retries: %s",
                                what, item, e.getMessage()))
                        .onFailure().recoverWithItem(Boolean.FALSE))
                .collect().in(() -> new int[1], (sum, done) -> sum[0] += Boolean.TRUE.equals(done) ? 1 : 0)
                .map(sum -> sum[0]), 0);
    }

    /** Runs one pass of a job; a failure is logged and answers {@code otherwise}, so the scheduler runs the next. */
    public static <T> Uni<T> guarded(String what, Uni<T> pass, T otherwise) {
        return pass.onFailure().invoke(e -> LOG.warnf("%s failed, the next cycle retries: %s", what, e.getMessage()))
                .onFailure().recoverWithItem(otherwise);
    }

    /** {@link #guarded(String, Uni, Object)} for a pass built when it runs. */
    public static Uni<Void> guarded(String what, Supplier<Uni<?>> pass) {
        return guarded(what, Uni.createFrom().deferred(pass).replaceWithVoid(), null);
    }
}
