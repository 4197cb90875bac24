package dev.trainpod.metrics.service;

import dev.trainpod.metrics.StreamEvent;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.problem.JobProblems;
import dev.trainpod.metrics.repository.StreamEventRepository;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A job's live stream for its owner: what the job has after the client's last event id, then every new point,
 * log line and phase change as it is stored, until the deployment ends. Each subscriber reads the database on
 * its own (every {@code trainpod.metrics.stream-poll-interval}), so it sees the writes that any replica took; after
 * 15 s without news it sends a keep-alive comment.
 */
@ApplicationScoped
public class JobStreamService {

    private static final int PAGE = 1000;
    private static final Duration KEEP_ALIVE_AFTER = Duration.ofSeconds(15);
    // A poll's answer after the job's last event: ends the stream (compared by identity).
    private static final List<StreamEvent> END = List.of();

    private final StreamEventRepository events;
    private final MetricsConfig config;

    public JobStreamService(StreamEventRepository events, MetricsConfig config) {
        this.events = events;
        this.config = config;
    }

    /** Fails with 404 unless the job exists and belongs to the user. */
    public Uni<Void> checkOwner(UUID deploymentId, String userId) {
        return events.owner(deploymentId).invoke(owner -> {
            if (owner == null || !owner.equals(userId)) {
                throw JobProblems.notFound(deploymentId.toString());
            }
        }).replaceWithVoid();
    }

    /** The job's events after {@code lastEventId} (all of them when it is 0), then new ones as they come. */
    public Multi<StreamEvent> stream(UUID deploymentId, long lastEventId) {
        long quietPollsBeforeKeepAlive = Math.max(1, KEEP_ALIVE_AFTER.toMillis()
                / Math.max(1, config.streamPollInterval().toMillis()));
        Cursor cursor = new Cursor(lastEventId);
        return Multi.createBy().repeating().uni(() -> cursor.ended
                        ? Uni.createFrom().item(END)
                        : events.after(deploymentId, cursor.lastId, PAGE)
                                .map(page -> cursor.advance(page, quietPollsBeforeKeepAlive)))
                .withDelay(config.streamPollInterval())
                .until(page -> page == END)
                .onItem().<StreamEvent>disjoint();
    }

    /** Where one subscriber stands. */
    private static final class Cursor {
        private volatile long lastId;
        private volatile boolean ended;
        private volatile long quietPolls;

        Cursor(long lastId) {
            this.lastId = lastId;
        }

        /** Moves past the page; a quiet spell long enough becomes a keep-alive. */
        List<StreamEvent> advance(List<StreamEvent> page, long quietPollsBeforeKeepAlive) {
            if (page.isEmpty()) {
                if (++quietPolls < quietPollsBeforeKeepAlive) {
                    return page;
                }
                quietPolls = 0;
                return List.of(StreamEvent.KEEP_ALIVE);
            }
            quietPolls = 0;
            for (StreamEvent event : page) {
                lastId = Math.max(lastId, event.id());
                ended |= event.isLast();
            }
            return page;
        }
    }
}
