package dev.trainpod.common.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.sqlclient.ClosedConnectionException;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.io.CharConversionException;
import java.net.ConnectException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Answers every error of every endpoint as {@code application/problem+json}, never with a stack trace. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    /** Jackson quotes up to a thousand characters of the body in some messages; the detail keeps their start. */
    private static final int MAX_QUOTED_CHARS = 300;

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    @ServerExceptionMapper
    public Response unauthenticated(AuthenticationFailedException e) {
        return unauthorized();
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return unauthorized();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(Problem.of(403, "forbidden", "Forbidden",
                "This token may not call this endpoint."));
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldOf(v.getPropertyPath().toString()), "INVALID",
                        v.getMessage(), null))
                .toList();
        return respond(Problem.of(400, "invalid-request", "Invalid request",
                "The request has invalid fields; see errors.").withErrors(errors));
    }

    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return notTheExpectedShape(e);
    }

    /**
     * Only the parser's own messages (a syntax error, a number out of range) are quoted to the client: they speak of
     * the body. Binding messages speak of the server's classes (a key repeated after a record's every creator property
     * was read names the record), so a body that parsed but could not be bound is answered by where it failed.
     */
    @ServerExceptionMapper
    public Response malformed(JsonProcessingException e) {
        JsonProcessingException parsing = parserFailure(e);
        if (parsing != null) {
            return respond(Problem.of(400, "malformed-json", "Malformed request body",
                    "The body is not valid JSON: " + shortened(parsing.getOriginalMessage())));
        }
        if (e instanceof InvalidDefinitionException) {
            LOG.warnf("a request body could not be bound: %s", e.getOriginalMessage());
        }
        return e instanceof JsonMappingException binding ? notTheExpectedShape(binding)
                : respond(Problem.of(400, "malformed-json", "Malformed request body", "The body is not valid JSON."));
    }

    /**
     * The parser's failure (its syntax, or a limit of its own such as the nesting depth or a number's length), itself
     * or wrapped by the binding (which adds the path), if there was one.
     */
    private static JsonProcessingException parserFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StreamReadException || t instanceof StreamConstraintsException) {
                return (JsonProcessingException) t;
            }
        }
        return null;
    }

    private static Response notTheExpectedShape(JsonMappingException e) {
        String field = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse(null);
        return respond(Problem.of(400, "malformed-json", "Malformed request body",
                        "The body does not match the expected JSON shape" + (field == null ? "." : " at " + field + "."))
                .withErrors(field == null ? null
                        : List.of(new Problem.FieldError(field, "WRONG_TYPE", "wrong type or shape", null))));
    }

    /**
     * A body whose first bytes make Jackson read it as UTF-16 or UTF-32 (NULs, say) and that then is not: Jackson
     * throws this {@link java.io.IOException} instead of a {@link JsonProcessingException}, and Quarkus passes it on
     * as it is, so without this mapper it would be answered as a server error.
     */
    @ServerExceptionMapper
    public Response undecodable(CharConversionException e) {
        return respond(Problem.of(400, "malformed-json", "Malformed request body",
                "The body is not valid JSON: it is not UTF-8 text."));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof MismatchedInputException mismatch) {
            return mismatched(mismatch);
        }
        if (e.getCause() instanceof JsonProcessingException json) {
            return malformed(json);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", e);
            return respond(Problem.of(status, "server-error", "Server error", "The request could not be completed."));
        }
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "Error" : type.getReasonPhrase();
        return respond(Problem.of(status, slug(title), title, detailFor(status, e)));
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        if (databaseUnreachable(e)) {
            LOG.warnf("the database is unreachable: %s", e.getMessage());
            return Response.fromResponse(respond(Problem.of(503, "service-unavailable", "Service unavailable",
                    "The service's database is unreachable; nothing was changed. Try again shortly.")))
                    .header("Retry-After", "5").build();
        }
        LOG.error("unexpected error", e);
        return respond(Problem.of(500, "server-error", "Server error",
                "The request could not be completed; it was logged and nothing was changed by it."));
    }

    /** Whether the failure comes from a database connection that could not be made or was lost. */
    static boolean databaseUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedConnectionException
                    || t instanceof SQLTransientConnectionException) {
                return true;
            }
        }
        return false;
    }

    /** The one way this service writes a problem response; a field error without a hint gets its code's hint. */
    public static Response respond(Problem problem) {
        Response.ResponseBuilder builder = Response.status(problem.status()).type(Problem.MEDIA_TYPE)
                .entity(withCatalogHints(problem));
        if (problem.status() == 401) {
            builder.header("WWW-Authenticate", "Bearer");
        }
        return builder.build();
    }

    /** The catalog is the source of a code's hint wherever the code's check gave none of its own. */
    static Problem withCatalogHints(Problem problem) {
        if (problem.errors() == null || problem.errors().stream().allMatch(e -> e.hint() != null)) {
            return problem;
        }
        return problem.withErrors(problem.errors().stream()
                .map(e -> e.hint() != null || e.code() == null ? e : new Problem.FieldError(e.field(), e.code(),
                        e.message(), CodeCatalog.of(e.code()).map(CodeCatalog::todo).orElse(null)))
                .toList());
    }

    private static Response unauthorized() {
        return respond(Problem.of(401, "unauthorized", "Unauthorized",
                "A valid bearer token is required."));
    }

    private static String detailFor(int status, WebApplicationException e) {
        return switch (status) {
            case 404 -> "No such resource.";
            case 405 -> "This method is not allowed on this resource.";
            case 406 -> "The requested media type cannot be produced.";
            case 413 -> "The request body is too large.";
            case 415 -> "Unsupported content type.";
            default -> e.getMessage() == null || e.getMessage().isBlank()
                    ? "The request was rejected." : e.getMessage();
        };
    }

    private static String shortened(String message) {
        if (message == null || message.length() <= MAX_QUOTED_CHARS) {
            return message;
        }
        int end = MAX_QUOTED_CHARS - (Character.isHighSurrogate(message.charAt(MAX_QUOTED_CHARS - 1)) ? 1 : 0);
        return message.substring(0, end) + "…";
    }

    private static String fieldOf(String propertyPath) {
        int dot = propertyPath.indexOf('.');
        int second = dot < 0 ? -1 : propertyPath.indexOf('.', dot + 1);
        // paths read "method.arg0.field"; the client only knows "field"
        return second < 0 ? propertyPath : propertyPath.substring(second + 1);
    }

    private static String slug(String title) {
        return title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }
}
