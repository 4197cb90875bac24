package dev.trainpod.common.inbox;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** The record of events a service has already processed, so that a redelivered event has no second effect. */
@ApplicationScoped
public class Inbox {

    /**
     * Marks the event processed inside the current transaction; the item is true only on its first delivery.
     * If the transaction rolls back, the mark goes with it and the event is processed again.
     */
    public Uni<Boolean> claim(UUID eventId) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                                "INSERT INTO inbox_event (event_id, processed_at) VALUES (:id, now())"
                                        + " ON CONFLICT (event_id) DO NOTHING")
                        .setParameter("id", eventId)
                        .executeUpdate())
                .map(inserted -> inserted == 1);
    }
}
