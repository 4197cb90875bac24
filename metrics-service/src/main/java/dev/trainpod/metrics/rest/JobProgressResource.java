package dev.trainpod.metrics.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.metrics.LogTail;
import dev.trainpod.metrics.MetricSeries;
import dev.trainpod.metrics.Progress;
import dev.trainpod.metrics.StreamEvent;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.problem.JobProblems;
import dev.trainpod.metrics.service.JobQueryService;
import dev.trainpod.metrics.service.JobStreamService;
import dev.trainpod.metrics.service.StreamSlots;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * What a job's owner reads: progress, the metric series, the latest log lines and the live stream; anyone else
 * gets 404.
 */
@Path("/api/v1/jobs/{id}")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class JobProgressResource {

    private static final Duration OWNER_CHECK_TIMEOUT = Duration.ofSeconds(10);

    private final JsonWebToken token;
    private final JobQueryService queries;
    private final JobStreamService streams;
    private final StreamSlots slots;
    private final MetricsConfig config;

    public JobProgressResource(JsonWebToken token, JobQueryService queries, JobStreamService streams,
                               StreamSlots slots, MetricsConfig config) {
        this.token = token;
        this.slots = slots;
        this.queries = queries;
        this.streams = streams;
        this.config = config;
    }

    /** Phase, status, step of total, percent, latest loss and throughput, ETA, last heartbeat. */
    @GET
    @Path("/progress")
    public Uni<Progress> progress(@PathParam("id") String id) {
        return queries.progress(JobIds.parse(id), token.getSubject());
    }

    /**
     * The metric points in step order: those after step {@code since} (all when absent), at most
     * {@code maxPoints} (default and ceiling {@code trainpod.metrics.max-points-per-query}); a longer series is
     * downsampled keeping each bucket's lowest- and highest-loss point, so its shape survives.
     */
    @GET
    @Path("/metrics")
    public Uni<MetricSeries> metrics(@PathParam("id") String id, @QueryParam("since") String since,
                                     @QueryParam("maxPoints") String maxPoints) {
        return queries.series(JobIds.parse(id), token.getSubject(),
                intParam("since", since, -1, Integer.MIN_VALUE),
                intParam("maxPoints", maxPoints, config.maxPointsPerQuery(), 2));
    }

    /** The last {@code tail} log lines, oldest first, and how many lines the job has dropped. */
    @GET
    @Path("/logs")
    public Uni<LogTail> logs(@PathParam("id") String id, @QueryParam("tail") String tail) {
        return queries.logs(JobIds.parse(id), token.getSubject(),
                intParam("tail", tail, config.defaultLogTail(), 0));
    }

    /**
     * Server-Sent Events: {@code metric}, {@code log} and {@code phase} events with the job's event ids, from
     * after {@code Last-Event-ID} (from the start when absent), live until the deployment ends
     * ({@link JobStreamService}); a keep-alive comment after {@code trainpod.metrics.stream-keep-alive} without news.
     * A user's streams beyond {@code trainpod.metrics.max-streams-per-user} (and any beyond the replica's
     * {@code trainpod.metrics.max-streams}) are answered 429 ({@link StreamSlots}). Blocking only for the owner
     * check, which must answer 404 before the stream's headers go out; the stream itself is reactive.
     */
    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> stream(@PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId,
                                          @Context Sse sse) {
        UUID deploymentId = JobIds.parse(id);
        long after = eventId(lastEventId);
        streams.checkOwner(deploymentId, token.getSubject()).await().atMost(OWNER_CHECK_TIMEOUT);
        StreamSlots.Slot slot = slots.take(token.getSubject());
        return streams.stream(deploymentId, after).onTermination().invoke(slot::release).map(event -> event == StreamEvent.KEEP_ALIVE
                ? sse.newEventBuilder().comment("keep-alive").build()
                : sse.newEventBuilder()
                        .id(Long.toString(event.id()))
                        .name(event.type())
                        .mediaType(MediaType.APPLICATION_JSON_TYPE)
                        .data(event.data())
                        .build());
    }

    private static long eventId(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw JobProblems.invalidField("Last-Event-ID", "INVALID_PARAMETER", "is not an event id of this stream",
                "reconnect without it to receive the job's events from the start");
    }

    private static int intParam(String name, String value, int absent, int min) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed >= min) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw JobProblems.invalidField(name, "INVALID_PARAMETER", "must be a whole number"
                + (min == Integer.MIN_VALUE ? "" : " of at least " + min), null);
    }
}
