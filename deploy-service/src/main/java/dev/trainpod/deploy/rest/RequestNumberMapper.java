package dev.trainpod.deploy.rest;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemMappers;
import dev.trainpod.deploy.api.RequestNumbers;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Answers a deployment or estimate body whose number is not a plain finite JSON number ({@code "NaN"},
 * {@code "60"}, {@code 2.5} for a whole field, {@code 1e400}) with 422 problem+json naming the field, the same
 * shape and type as a failed pre-flight check, instead of the generic 400 for a malformed body.
 */
public class RequestNumberMapper {

    @ServerExceptionMapper
    public Response badNumber(RequestNumbers.BadNumber e, UriInfo uri) {
        String field = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("body");
        boolean estimate = uri.getPath().contains("/estimates");
        return ProblemMappers.respond(Problem.of(422, estimate ? "estimate-failed" : "preflight-failed",
                        "Unprocessable request", (estimate ? "The request cannot be estimated" : "The deployment "
                                + "failed a pre-flight check; nothing was started and nothing was billed")
                                + ": " + field + " is not a usable number.")
                .withErrors(List.of(new Problem.FieldError(field, "NUMBER_INVALID", field + " " + e.getOriginalMessage()
                        + ".", "Send " + e.expected() + " as a JSON number (no quotes, no NaN or Infinity) within "
                        + "the range the field allows; the README's pre-flight codes list the ranges."))));
    }
}
