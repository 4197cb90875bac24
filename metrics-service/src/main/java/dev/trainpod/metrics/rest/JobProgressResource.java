package dev.trainpod.metrics.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.metrics.api.LogTail;
import dev.trainpod.metrics.api.MetricSeries;
import dev.trainpod.metrics.api.Progress;
import dev.trainpod.metrics.api.StreamEvent;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a job's owner reads: progress, the metric series, the latest log lines and the live stream; anyone else
 * gets 404.
 */
@Tag(name = "Jobs", description = "A deployment's training job as its owner follows it: progress, metrics, logs, "
        + "live stream.")
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

    @Operation(summary = "Read a job's progress",
            description = "Phase, status, step of total, percent, latest loss and throughput, ETA, last "
            + "heartbeat, and the newest checkpoint stored off the pod (its step, when, and its age).")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID): the job of a deployment has its id.")
    @APIResponse(responseCode = "200", description = "The progress.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.trainpod.metrics.api.Progress.class),
                    examples = @ExampleObject(name = "example", value = "{\"deploymentId\":\"6f1c2a9e-4b7d-4c1e-9a53-2f8e0d7b1c44\",\"phase\":\"TRAINING\",\"status\":\"ACTIVE\",\"step\":12,\"totalSteps\":30,\"percent\":40.0,\"loss\":1.874,\"tokensPerSecond\":2210.5,\"etaSeconds\":4,\"lastHeartbeatAt\":\"2026-12-06T11:00:10Z\",\"startedAt\":\"2026-12-06T11:00:02Z\"}")))
    @APIResponse(responseCode = "404", description = "No job of yours has this id (not-found).")
    /** Phase, status, step of total, percent, latest loss and throughput, ETA, last heartbeat. */
    @GET
    @Path("/progress")
    public Uni<Progress> progress(@PathParam("id") String id) {
        return queries.progress(JobIds.parse(id), token.getSubject());
    }

    @Operation(summary = "Read a job's metric series",
            description = "The metric points in step order, after step since, at most maxPoints; a longer "
            + "series is downsampled keeping each bucket's lowest- and highest-loss point.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID): the job of a deployment has its id.")
    @Parameter(name = "since", in = ParameterIn.QUERY, description = "Only points after this step (whole number); all when absent.")
    @Parameter(name = "maxPoints", in = ParameterIn.QUERY, description = "At most this many points, 2 up to the service's ceiling (default: the ceiling, "
            + "1000).")
    @APIResponse(responseCode = "200", description = "The series.")
    @APIResponse(responseCode = "400", description = "since or maxPoints is not a whole number in range (invalid-request).")
    @APIResponse(responseCode = "404", description = "No job of yours has this id (not-found).")
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

    @Operation(summary = "Read a job's latest log lines",
            description = "The last tail log lines, oldest first, and how many lines the job dropped to "
            + "stay within its limit.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID): the job of a deployment has its id.")
    @Parameter(name = "tail", in = ParameterIn.QUERY, description = "How many of the latest lines, 0 or more (default 200).")
    @APIResponse(responseCode = "200", description = "The lines.")
    @APIResponse(responseCode = "400", description = "tail is not a whole number ≥ 0 (invalid-request).")
    @APIResponse(responseCode = "404", description = "No job of yours has this id (not-found).")
    /** The last {@code tail} log lines, oldest first, and how many lines the job has dropped. */
    @GET
    @Path("/logs")
    public Uni<LogTail> logs(@PathParam("id") String id, @QueryParam("tail") String tail) {
        return queries.logs(JobIds.parse(id), token.getSubject(),
                intParam("tail", tail, config.defaultLogTail(), 0));
    }

    @Operation(summary = "Follow a job live (Server-Sent Events)",
            description = "text/event-stream of metric, log and phase events with the job's event ids, from "
            + "after Last-Event-ID, live until the deployment ends; a keep-alive comment after "
            + "15 s without news.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID): the job of a deployment has its id.")
    @Parameter(name = "Last-Event-ID", in = ParameterIn.HEADER, description = "Resume after this event id (the id of the last event received); from the start "
            + "when absent.")
    @APIResponse(responseCode = "200", description = "The event stream.", content = @Content(
            mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING, description = "Events"
                    + " `metric` (data: a MetricPoint), `log` (data: {\"line\": ...}), `phase` (data: the phase"
                    + " change) and `checkpoint` (data: {\"step\": N, \"storedAt\": time}, a checkpoint stored off the"
                    + " pod), each with its id; a `: keep-alive` comment after 15 s without news. It ends after the"
                    + " job's last event, and at once when nothing will follow Last-Event-ID.")))
    @APIResponse(responseCode = "404", description = "No job of yours has this id (not-found).")
    @APIResponse(responseCode = "429", description = "You hold 50 live streams already (too-many-streams), or the"
            + " server holds as many as it serves (streams-exhausted).")
    /**
     * Server-Sent Events: {@code metric}, {@code log}, {@code phase} and {@code checkpoint} events with the job's
     * event ids, from after {@code Last-Event-ID} (from the start when absent), live until the deployment ends
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
