package dev.trainpod.dataset.rest;

import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.service.ByteRange;
import dev.trainpod.dataset.storage.BlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.PathPart;

/**
 * The response body for part of a stored file: a {@link PathPart} (sent from disk zero-copy) when the store keeps
 * files locally, otherwise a stream of the object's range, read on the calling worker thread.
 */
@ApplicationScoped
public class StoredContent {

    private static final Logger LOG = Logger.getLogger(StoredContent.class);

    private final BlobStore blobs;

    public StoredContent(BlobStore blobs) {
        this.blobs = blobs;
    }

    /** Whether the stored file is on local disk (sent zero-copy, without blocking). */
    public boolean isLocal(String storageKey) {
        return blobs.localFile(storageKey).isPresent();
    }

    /**
     * Sets the entity that sends {@code range} of the stored file, and its length; opening it blocks when the
     * file is remote.
     */
    public Response.ResponseBuilder send(Response.ResponseBuilder response, String storageKey, ByteRange range) {
        if (range.length() == 0) {
            return response.entity(new byte[0]);
        }
        var local = blobs.localFile(storageKey);
        if (local.isPresent()) {
            // the file writer sets Content-Length itself
            return response.entity(new PathPart(local.get(), range.start(), range.length()));
        }
        try {
            return response.header(HttpHeaders.CONTENT_LENGTH, range.length())
                    .entity(blobs.open(storageKey, range.start(), range.length()));
        } catch (IOException e) {
            LOG.errorf(e, "cannot read %s", storageKey);
            throw DatasetProblems.storageUnavailable();
        }
    }
}
