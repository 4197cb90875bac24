package dev.trainpod.dataset.rest;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemMappers;
import dev.trainpod.dataset.problem.OffsetConflictException;
import dev.trainpod.dataset.service.RangeNotSatisfiableException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The problems of this service that carry headers besides the problem document. */
public class DatasetExceptionMappers {

    /** The header that tells a resumable upload's client how many bytes the server has. */
    public static final String UPLOAD_OFFSET = "Upload-Offset";

    @ServerExceptionMapper(RangeNotSatisfiableException.class)
    public Response unsatisfiable(RangeNotSatisfiableException e) {
        return Response.fromResponse(ProblemMappers.respond(Problem.of(416, "range-not-satisfiable",
                        "Range not satisfiable", "Ask for one byte range (bytes=a-b, a- or -n) within the file's "
                                + e.size() + " bytes.")))
                .header("Content-Range", "bytes */" + e.size())
                .build();
    }

    @ServerExceptionMapper(OffsetConflictException.class)
    public Response offsetConflict(OffsetConflictException e) {
        return Response.fromResponse(ProblemMappers.respond(e.problem()))
                .header(UPLOAD_OFFSET, e.offset())
                .header("Tus-Resumable", UploadResource.TUS_VERSION)
                .build();
    }
}
