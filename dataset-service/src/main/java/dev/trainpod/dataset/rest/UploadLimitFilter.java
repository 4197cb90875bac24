package dev.trainpod.dataset.rest;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemMappers;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.problem.DatasetProblems;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses an upload whose declared length is already over the limit, before any of its body is read or spooled;
 * uploads without a length (chunked) are measured as they stream. JSON bodies are refused over 1 MiB: the service's
 * body limit is set for datasets and artifacts, far above what any JSON request needs.
 */
public class UploadLimitFilter {

    /** Room for the multipart boundaries and part headers around the file. */
    private static final long MULTIPART_OVERHEAD = 64 * 1024;
    private static final long MAX_JSON_BYTES = 1024 * 1024;

    private final long maxBytes;

    public UploadLimitFilter(DatasetConfig config) {
        this.maxBytes = config.maxBytes().asLongValue();
    }

    @ServerRequestFilter(preMatching = true)
    public Response refuseOversizedUpload(ContainerRequestContext request) {
        long declared;
        try {
            declared = Long.parseLong(String.valueOf(request.getHeaderString(HttpHeaders.CONTENT_LENGTH)));
        } catch (NumberFormatException e) {
            return null;
        }
        String type = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if (declared > MAX_JSON_BYTES && type != null
                && type.strip().toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return ProblemMappers.respond(Problem.of(413, "body-too-large", "Request body too large",
                    "A JSON request body may have at most " + MAX_JSON_BYTES + " bytes."));
        }
        if (!"POST".equals(request.getMethod()) || !"/api/v1/datasets".equals(request.getUriInfo().getPath())) {
            return null;
        }
        boolean multipart = type != null && type.strip().toLowerCase(Locale.ROOT).startsWith("multipart/");
        if (declared > maxBytes + (multipart ? MULTIPART_OVERHEAD : 0)) {
            return ProblemMappers.respond(DatasetProblems.tooLarge(maxBytes).problem());
        }
        return null;
    }
}
