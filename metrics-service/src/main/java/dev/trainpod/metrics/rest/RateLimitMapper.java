package dev.trainpod.metrics.rest;

import dev.trainpod.common.problem.ProblemMappers;
import dev.trainpod.metrics.service.RateLimitedException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Answers a rate-limited pod write with 429, problem+json and {@code Retry-After}. */
public class RateLimitMapper {

    @ServerExceptionMapper
    public Response rateLimited(RateLimitedException e) {
        return Response.fromResponse(ProblemMappers.respond(e.problem()))
                .header("Retry-After", e.retryAfterSeconds()).build();
    }
}
