package dev.trainpod.metrics.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.metrics.LogTail;
import dev.trainpod.metrics.MetricSeries;
import dev.trainpod.metrics.Progress;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.service.JobProblems;
import dev.trainpod.metrics.service.JobQueryService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** What a job's owner reads: progress, the metric series and the latest log lines; anyone else gets 404. */
@Path("/api/v1/jobs/{id}")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class JobProgressResource {

    private final JsonWebToken token;
    private final JobQueryService queries;
    private final MetricsConfig config;

    public JobProgressResource(JsonWebToken token, JobQueryService queries, MetricsConfig config) {
        this.token = token;
        this.queries = queries;
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
     * {@code maxPoints} (default and ceiling {@code trainpod.metrics.max-points-per-query}), keeping every n-th
     * point and the last one when there are more.
     */
    @GET
    @Path("/metrics")
    public Uni<MetricSeries> metrics(@PathParam("id") String id, @QueryParam("since") String since,
                                     @QueryParam("maxPoints") String maxPoints) {
        return queries.series(JobIds.parse(id), token.getSubject(),
                intParam("since", since, -1, Integer.MIN_VALUE),
                intParam("maxPoints", maxPoints, config.maxPointsPerQuery(), 1));
    }

    /** The last {@code tail} log lines, oldest first, and how many lines the job has dropped. */
    @GET
    @Path("/logs")
    public Uni<LogTail> logs(@PathParam("id") String id, @QueryParam("tail") String tail) {
        return queries.logs(JobIds.parse(id), token.getSubject(),
                intParam("tail", tail, config.defaultLogTail(), 0));
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
