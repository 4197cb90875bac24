package dev.trainpod.dataset.storage;

import dev.trainpod.dataset.DatasetProblems;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.validation.DatasetValidator;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Keeps dataset files on disk: streams an upload into place while hashing and validating it, never holding more
 * than a buffer and one line in memory, and never leaving half a file behind. Blocking: call it from a worker.
 */
@ApplicationScoped
public class DatasetStorage {

    private static final Logger LOG = Logger.getLogger(DatasetStorage.class);
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final String PARTIAL_DIRECTORY = ".partial";

    private final Path root;
    private final Path partials;
    private final long maxBytes;
    private final int maxLineBytes;

    public DatasetStorage(DatasetConfig config) {
        this.root = Path.of(config.storageDir()).toAbsolutePath().normalize();
        this.partials = root.resolve(PARTIAL_DIRECTORY);
        this.maxBytes = config.maxBytes().asLongValue();
        this.maxLineBytes = (int) Math.min(Integer.MAX_VALUE - 8, config.maxLineBytes().asLongValue());
    }

    /** Fails the start when the storage directory cannot be created, rather than the first upload. */
    void createDirectories(@Observes StartupEvent startup) throws IOException {
        Files.createDirectories(partials);
        LOG.infof("storing datasets in %s", root);
    }

    /**
     * Streams the upload into storage under a new id, computing its SHA-256 and validating it on the way.
     *
     * @throws dev.trainpod.common.problem.ProblemException 413 over the size limit, 400 when empty or cut short,
     *         503 when the disk fails; in every case nothing is left on disk
     */
    public StoredFile store(InputStream upload) {
        UUID id = UUID.randomUUID();
        Path partial = partials.resolve(id + ".part");
        try {
            StoredFile stored = copy(upload, id, partial);
            Files.move(partial, root.resolve(stored.storagePath()), StandardCopyOption.ATOMIC_MOVE);
            return stored;
        } catch (IOException e) {
            LOG.errorf(e, "cannot write dataset %s to %s", id, root);
            throw DatasetProblems.storageUnavailable();
        } finally {
            deleteQuietly(partial);
        }
    }

    /** The absolute path of a stored file. */
    public Path resolve(String storagePath) {
        return root.resolve(storagePath);
    }

    /** Deletes a stored file; a failure is logged, never thrown, since the record is already gone. */
    public void delete(String storagePath) {
        deleteQuietly(resolve(storagePath));
    }

    /** Deletes files that uploads cut short by a crash left in the given directories; returns how many. */
    public int removeAbandoned(Instant olderThan, List<Path> directories) {
        int removed = 0;
        for (Path directory : directories) {
            if (!Files.isDirectory(directory)) {
                continue;
            }
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(file) && Files.getLastModifiedTime(file).toInstant().isBefore(olderThan)
                            && Files.deleteIfExists(file)) {
                        removed++;
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                LOG.warnf("cannot clean %s: %s", directory, e.getMessage());
            }
        }
        return removed;
    }

    /** Where partial uploads are written before they are complete and moved into place. */
    public Path partialDirectory() {
        return partials;
    }

    private StoredFile copy(InputStream upload, UUID id, Path partial) throws IOException {
        MessageDigest sha256 = sha256();
        DatasetValidator validator = new DatasetValidator(maxLineBytes);
        byte[] buffer = new byte[BUFFER_BYTES];
        long bytes = 0;
        try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            int n;
            while ((n = read(upload, buffer)) != -1) {
                bytes += n;
                if (bytes > maxBytes) {
                    throw DatasetProblems.tooLarge(maxBytes);
                }
                sha256.update(buffer, 0, n);
                validator.feed(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        }
        if (bytes == 0) {
            throw DatasetProblems.empty("The file is empty.");
        }
        var report = validator.finish();
        if (report.rows() == 0) {
            throw DatasetProblems.empty("The file has only blank lines.");
        }
        return new StoredFile(id, id + ".jsonl", bytes, HexFormat.of().formatHex(sha256.digest()), report);
    }

    /** Reads the client's bytes; a failure here is the client's (it went away), not the disk's. */
    private static int read(InputStream upload, byte[] buffer) {
        try {
            return upload.read(buffer);
        } catch (IOException e) {
            throw DatasetProblems.uploadInterrupted();
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", file, e.getMessage());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
