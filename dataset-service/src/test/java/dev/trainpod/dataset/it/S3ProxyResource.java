package dev.trainpod.dataset.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API server (s3proxy over an in-memory blob store) on a free loopback port, with one bucket, and the
 * settings that point the service's S3 storage backend at it.
 */
public class S3ProxyResource implements QuarkusTestResourceLifecycleManager {

    static final String BUCKET = "trainpod-test";
    private static final String ACCESS_KEY = "trainpod-access";
    private static final String SECRET_KEY = "trainpod-secret";

    private static BlobStore blobs;
    private BlobStoreContext context;
    private S3Proxy proxy;

    /** The store behind the S3 API, to look at what the service stored. */
    static BlobStore blobs() {
        return blobs;
    }

    @Override
    public Map<String, String> start() {
        context = ContextBuilder.newBuilder("transient").credentials("identity", "credential")
                .build(BlobStoreContext.class);
        blobs = context.getBlobStore();
        blobs.createContainerInLocation(null, BUCKET);
        String endpoint = "http://127.0.0.1:" + freePort();
        proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create(endpoint))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start s3proxy", e);
        }
        return Map.of(
                "trainpod.dataset.storage", "s3",
                "trainpod.dataset.s3.endpoint", endpoint,
                "trainpod.dataset.s3.bucket", BUCKET,
                "trainpod.dataset.s3.access-key", ACCESS_KEY,
                "trainpod.dataset.s3.secret-key", SECRET_KEY,
                "trainpod.dataset.storage-dir", "target/dataset-storage-s3");
    }

    @Override
    public void stop() {
        try {
            if (proxy != null) {
                proxy.stop();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            if (context != null) {
                context.close();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
