package dev.trainpod.deploy.service;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.jboss.logging.Logger;

/** The loop of the scheduled jobs: handle each selected deployment in turn; one that fails waits for the next cycle. */
final class Sweep {

    private static final Logger LOG = Logger.getLogger(Sweep.class);

    private Sweep() {
    }

    static Uni<Void> each(Uni<List<UUID>> ids, Function<UUID, Uni<Void>> handle) {
        return ids.onItem().transformToMulti(list -> Multi.createFrom().iterable(list))
                .onItem().transformToUniAndConcatenate(id -> handle.apply(id)
                        .onFailure().invoke(e -> LOG.warnf("handling deployment %s failed: %s", id, e.getMessage()))
                        .onFailure().recoverWithNull())
                .collect().last().replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("sweep failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
