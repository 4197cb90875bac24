package dev.trainpod.common.it;

import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.common.problem.ProblemException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.util.UUID;

/** Test-only endpoint that commits (or rolls back) a transaction holding an outbox event. */
@Path("/test/outbox")
public class OutboxTestResource {

    private final Outbox outbox;

    public OutboxTestResource(Outbox outbox) {
        this.outbox = outbox;
    }

    @POST
    @Path("/{deploymentId}")
    public Uni<Void> publish(@PathParam("deploymentId") UUID deploymentId, @QueryParam("fail") boolean fail) {
        return Panache.withTransaction(() -> outbox.publish(new TrainingSucceeded(deploymentId, "done"))
                .chain(() -> fail
                        ? Uni.createFrom().failure(ProblemException.conflict("test-rollback", "rolled back"))
                        : Uni.createFrom().voidItem()));
    }
}
