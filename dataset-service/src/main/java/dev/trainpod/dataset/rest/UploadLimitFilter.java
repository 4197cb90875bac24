package dev.trainpod.dataset.rest;

import dev.trainpod.common.problem.ProblemMappers;
import dev.trainpod.dataset.DatasetProblems;
import dev.trainpod.dataset.config.DatasetConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses an upload whose declared length is already over the limit, before any of its body is read or spooled;
 * uploads without a length (chunked) are measured as they stream.
 */
public class UploadLimitFilter {

    /** Room for the multipart boundaries and part headers around the file. */
    private static final long MULTIPART_OVERHEAD = 64 * 1024;

    private final long maxBytes;

    public UploadLimitFilter(DatasetConfig config) {
        this.maxBytes = config.maxBytes().asLongValue();
    }

    @ServerRequestFilter(preMatching = true)
    public Response refuseOversizedUpload(ContainerRequestContext request) {
        if (!"POST".equals(request.getMethod()) || !"/api/v1/datasets".equals(request.getUriInfo().getPath())) {
            return null;
        }
        long declared;
        try {
            declared = Long.parseLong(String.valueOf(request.getHeaderString(HttpHeaders.CONTENT_LENGTH)));
        } catch (NumberFormatException e) {
            return null;
        }
        String type = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        boolean multipart = type != null && type.strip().toLowerCase(Locale.ROOT).startsWith("multipart/");
        if (declared > maxBytes + (multipart ? MULTIPART_OVERHEAD : 0)) {
            return ProblemMappers.respond(DatasetProblems.tooLarge(maxBytes).problem());
        }
        return null;
    }
}
