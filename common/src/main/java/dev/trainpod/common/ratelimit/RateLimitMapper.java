package dev.trainpod.common.ratelimit;

import dev.trainpod.common.problem.ProblemMappers;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Answers every rate-limited request, in every service, with 429, problem+json and {@code Retry-After}. */
public class RateLimitMapper {

    @ServerExceptionMapper
    public Response rateLimited(RateLimitedException e) {
        return Response.fromResponse(ProblemMappers.respond(e.problem()))
                .header("Retry-After", e.retryAfterSeconds()).build();
    }
}
