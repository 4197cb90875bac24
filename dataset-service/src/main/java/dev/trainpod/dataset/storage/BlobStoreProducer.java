package dev.trainpod.dataset.storage;

import dev.trainpod.dataset.config.DatasetConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;

/** Makes the one {@link BlobStore} that {@code trainpod.dataset.storage} selects. */
@ApplicationScoped
public class BlobStoreProducer {

    @Produces
    @ApplicationScoped
    BlobStore blobStore(DatasetConfig config) {
        return switch (config.storage()) {
            case LOCAL -> new LocalBlobStore(Path.of(config.storageDir()).toAbsolutePath().normalize());
            case S3 -> new S3BlobStore(config.s3());
        };
    }

    void close(@Disposes BlobStore store) throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
