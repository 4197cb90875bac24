package dev.trainpod.dataset.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where complete dataset and artifact files are kept, by a key made only of ids: the local disk or an
 * S3-compatible object store ({@code trainpod.dataset.storage}). Blocking: call it from a worker thread.
 */
public interface BlobStore {

    /** Moves a complete local file into the store under the key; the local file is gone afterwards. */
    void put(String key, Path file) throws IOException;

    /**
     * Whether {@link #put} keeps the local file itself (moved, and forced to disk) rather than copying its bytes
     * elsewhere: an upload is then written out to disk as it arrives.
     */
    default boolean keepsTheFile() {
        return false;
    }

    /** The local file holding the key's bytes, when this store keeps them on disk: it is then sent zero-copy. */
    Optional<Path> localFile(String key);

    /** A stream of {@code length} bytes of the key's content from {@code start}. */
    InputStream open(String key, long start, long length) throws IOException;

    /** Deletes the key's content; a failure is logged, never thrown, since its record is already gone. */
    void delete(String key);

    /** Where the store keeps its content, for the log. */
    String describe();
}
