package dev.trainpod.metrics.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.outbox.OutboxRelay;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.common.security.Roles;
import dev.trainpod.metrics.api.LogBatch;
import dev.trainpod.metrics.api.LogBatchAccepted;
import dev.trainpod.metrics.api.MetricBatch;
import dev.trainpod.metrics.api.MetricBatchAccepted;
import dev.trainpod.metrics.api.StatusAccepted;
import dev.trainpod.metrics.api.StatusReport;
import dev.trainpod.metrics.repository.MetricColumns;
import dev.trainpod.metrics.problem.JobProblems;
import dev.trainpod.metrics.service.IngestMetrics;
import dev.trainpod.metrics.service.JobStatusService;
import dev.trainpod.metrics.service.PodRateLimiter;
import dev.trainpod.metrics.service.TelemetryService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.ResponseStatus;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a pod sends while it runs: phases and heartbeats, metric points, log lines. Only the job token of the
 * deployment in the path may call it; every call counts as a heartbeat, and counts against the job's write rate
 * ({@code trainpod.metrics.pod-writes-per-second}, 429 beyond it). A pod may write before this service has
 * consumed its {@code DeploymentRequested} (Kafka slow or down while the pod already runs): the job token, signed
 * by deploy-service for this deployment and its owner, is proof enough, so the job is opened from its claims.
 */
@Tag(name = "Pod: telemetry", description = "What the pod reports: status, heartbeats, metrics, logs (job token).")
@Path("/api/v1/jobs/{id}")
@RolesAllowed(Roles.JOB)
@Produces(MediaType.APPLICATION_JSON)
public class PodTelemetryResource {

    private final JsonWebToken token;
    private final JobStatusService statuses;
    private final TelemetryService telemetry;
    private final PodRateLimiter rateLimiter;
    private final IngestMetrics ingest;
    private final OutboxRelay relay;
    private final ObjectMapper mapper;

    public PodTelemetryResource(JsonWebToken token, JobStatusService statuses, TelemetryService telemetry,
                                PodRateLimiter rateLimiter, IngestMetrics ingest, OutboxRelay relay,
                                ObjectMapper mapper) {
        this.mapper = mapper;
        this.ingest = ingest;
        this.relay = relay;
        this.token = token;
        this.statuses = statuses;
        this.telemetry = telemetry;
        this.rateLimiter = rateLimiter;
    }

    @Operation(summary = "Report the job's status (pod)",
            description = "A phase change, a heartbeat, or the outcome (SUCCEEDED/FAILED, published once as "
            + "TrainingSucceeded/TrainingFailed). The answer says where the job stands: a pod "
            + "that reads FAILED learns its job was failed already.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID): the job of a deployment has its id.")
    @APIResponse(responseCode = "202", description = "Accepted: the job's phase and status now.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = StatusAccepted.class),
                    examples = @ExampleObject(name = "example", value = "{\"phase\":\"TRAINING\",\"status\":\"ACTIVE\"}")))
    @APIResponse(responseCode = "400", description = "Invalid fields (invalid-request) or no body (missing-body).")
    @APIResponse(responseCode = "404", description = "No such job (not-found).")
    @APIResponse(responseCode = "409", description = "The deployment has ended (job-ended).")
    @APIResponse(responseCode = "429", description = "Too many writes from this pod (rate-limited).")
    /** A phase change, a heartbeat, or the outcome (published once per job as TrainingFailed/Succeeded). */
    @POST
    @Path("/status")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    public Uni<StatusAccepted> status(@PathParam("id") String id, StatusReport report) {
        return counted("status", () -> {
            UUID deploymentId = ownJob(id);
            return withJob(deploymentId, () -> statuses.report(deploymentId, report))
                    .invoke(job -> {
                        if (job.status.isFinished()) {
                            relay.wake(); // committed: the outcome leaves now, not at the relay's next tick
                        }
                    })
                    .map(job -> new StatusAccepted(job.phase, job.status));
        });
    }

    @Operation(summary = "Send metric points (pod)",
            description = "Stores training metric points, idempotent per step: a retried batch counts its "
            + "points as duplicates.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID): the job of a deployment has its id.")
    @APIResponse(responseCode = "202", description = "Accepted: how many were stored and how many were duplicates.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = MetricBatchAccepted.class),
                    examples = @ExampleObject(name = "example", value = "{\"accepted\":2,\"duplicates\":0}")))
    @APIResponse(responseCode = "400", description = "Invalid points (invalid-metrics) or no body (missing-body).")
    @APIResponse(responseCode = "404", description = "No such job (not-found).")
    @APIResponse(responseCode = "409", description = "The deployment has ended (job-ended).")
    @APIResponse(responseCode = "413", description = "Too many points in one call (too-many-points).")
    @APIResponse(responseCode = "429", description = "Too many writes from this pod (rate-limited).")
    /**
     * Metric points, idempotent per step. The body is read from its bytes straight into columns
     * ({@link TelemetryService#readColumns}); a body that is not a plainly valid batch is bound and checked the
     * ordinary way, which names what is wrong exactly as before.
     */
    @POST
    @Path("/metrics")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MetricBatch.class)))
    public Uni<MetricBatchAccepted> metrics(@PathParam("id") String id, byte[] body) throws IOException {
        boolean empty = body == null || body.length == 0;
        MetricColumns columns = empty ? null : telemetry.readColumns(body);
        MetricBatch batch = empty || columns != null ? null : mapper.readValue(body, MetricBatch.class);
        return counted("metrics", () -> {
            UUID deploymentId = ownJob(id);
            if (columns != null) {
                return withJob(deploymentId, () -> telemetry.recordColumns(deploymentId, columns)).map(accepted ->
                        new MetricBatchAccepted(accepted, columns.size() - accepted));
            }
            if (batch == null) {
                throw JobProblems.missingBody("{\"points\":[{\"step\":1,\"loss\":2.1}]}");
            }
            return withJob(deploymentId, () -> telemetry.recordPoints(deploymentId, batch.points())).map(accepted ->
                    new MetricBatchAccepted(accepted, batch.points().size() - accepted));
        }).invoke(a -> {
            ingest.points(a.accepted(), a.duplicates());
            if (a.accepted() > 0) {
                Integer lowest = columns != null ? columns.lowestStep()
                        : batch.points().stream().filter(p -> p != null && p.step() != null)
                                .map(p -> p.step()).min(Integer::compare).orElse(null);
                if (lowest != null) {
                    ingest.firstStepCandidate(JobIds.parse(id), lowest);
                }
            }
        });
    }

    @Operation(summary = "Send log lines as JSON (pod)",
            description = "Appends log lines in the order they were printed; the job keeps its latest lines "
            + "up to a limit.")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID): the job of a deployment has its id.")
    @APIResponse(responseCode = "202", description = "Accepted: how many lines were stored.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = LogBatchAccepted.class),
                    examples = @ExampleObject(name = "example", value = "{\"accepted\":2}")))
    @APIResponse(responseCode = "400", description = "Invalid lines (invalid-request) or no body (missing-body).")
    @APIResponse(responseCode = "404", description = "No such job (not-found).")
    @APIResponse(responseCode = "409", description = "The deployment has ended (job-ended).")
    @APIResponse(responseCode = "413", description = "Too many lines in one call (too-many-points).")
    @APIResponse(responseCode = "429", description = "Too many writes from this pod (rate-limited).")
    /** Log lines as JSON. */
    @POST
    @Path("/logs")
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(202)
    public Uni<LogBatchAccepted> logs(@PathParam("id") String id, LogBatch batch) {
        return counted("logs", () -> {
            UUID deploymentId = ownJob(id);
            if (batch == null) {
                throw JobProblems.missingBody("{\"lines\":[\"first line\",\"second line\"]}");
            }
            return withJob(deploymentId, () -> telemetry.appendLogLines(deploymentId, batch.lines()))
                    .map(LogBatchAccepted::new);
        }).invoke(a -> ingest.lines(a.accepted()));
    }

    @Operation(summary = "Send log lines as text (pod)",
            description = "Appends the body's lines (text/plain, one per line).")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "The deployment's id (a UUID): the job of a deployment has its id.")
    @APIResponse(responseCode = "202", description = "Accepted: how many lines were stored.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = LogBatchAccepted.class)))
    @APIResponse(responseCode = "404", description = "No such job (not-found).")
    @APIResponse(responseCode = "409", description = "The deployment has ended (job-ended).")
    @APIResponse(responseCode = "413", description = "Too many lines in one call (too-many-points).")
    @APIResponse(responseCode = "429", description = "Too many writes from this pod (rate-limited).")
    /** Log lines as plain text, one per line. */
    @POST
    @Path("/logs")
    @Consumes(MediaType.TEXT_PLAIN)
    @ResponseStatus(202)
    public Uni<LogBatchAccepted> logText(@PathParam("id") String id, String text) {
        return counted("logs", () -> {
            UUID deploymentId = ownJob(id);
            return withJob(deploymentId, () -> telemetry.appendLogLines(deploymentId, lines(text)))
                    .map(LogBatchAccepted::new);
        }).invoke(a -> ingest.lines(a.accepted()));
    }

    /** Runs a pod write, counting it as refused (by kind and status) if it throws or fails. */
    private <T> Uni<T> counted(String kind, Supplier<Uni<T>> write) {
        Uni<T> uni;
        try {
            uni = write.get();
        } catch (RuntimeException e) {
            ingest.refused(kind, e);
            throw e;
        }
        return uni.onFailure().invoke(e -> ingest.refused(kind, e));
    }

    /**
     * The path's job id, if the caller's job token was signed for that very deployment and the job is within its
     * write rate.
     */
    private UUID ownJob(String rawId) {
        UUID id = JobIds.parse(rawId);
        if (!DeployTokens.speaksFor(token, id)) {
            throw JobProblems.wrongJob();
        }
        rateLimiter.acquire(id);
        return id;
    }

    /**
     * Runs the write; if the job is unknown here and the token names the deployment's owner, opens the job from
     * the token and runs the write once more. Tokens without an owner (signed before it was added) still get 404.
     */
    private <T> Uni<T> withJob(UUID deploymentId, Supplier<Uni<T>> write) {
        String owner = DeployTokens.owner(token).orElse(null);
        if (owner == null) {
            return write.get();
        }
        return write.get().onFailure(PodTelemetryResource::unknownJob)
                .recoverWithUni(() -> telemetry.openJob(deploymentId, owner).chain(() -> write.get()));
    }

    private static boolean unknownJob(Throwable e) {
        return e instanceof ProblemException p && p.problem().status() == 404;
    }

    private static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return lines;
        }
        for (String line : text.split("\n", -1)) {
            lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
        if (text.endsWith("\n")) {
            lines.remove(lines.size() - 1); // the newline ends the last line; it does not start another
        }
        return lines;
    }
}
