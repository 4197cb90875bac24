package dev.trainpod.dataset.storage;

import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.validation.DatasetFormat;
import dev.trainpod.dataset.validation.DatasetValidator;
import dev.trainpod.dataset.validation.LineError;
import dev.trainpod.dataset.validation.ValidationReport;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Stores dataset files: streams an upload through a partial file on local disk while hashing and validating it,
 * never holding more than a buffer and one line in memory, then hands the complete file to the {@link BlobStore};
 * never leaves half a file behind. Blocking: call it from a worker.
 */
@ApplicationScoped
public class DatasetStorage {

    private static final Logger LOG = Logger.getLogger(DatasetStorage.class);
    private static final int BUFFER_BYTES = 256 * 1024;
    private static final String PARTIAL_DIRECTORY = ".partial";

    private final BlobStore blobs;
    private final Path partials;
    private final long maxBytes;
    private final int maxLineBytes;

    public DatasetStorage(BlobStore blobs, DatasetConfig config) {
        this.blobs = blobs;
        this.partials = Path.of(config.storageDir()).toAbsolutePath().normalize().resolve(PARTIAL_DIRECTORY);
        this.maxBytes = config.maxBytes().asLongValue();
        this.maxLineBytes = (int) Math.min(Integer.MAX_VALUE - 8, config.maxLineBytes().asLongValue());
    }

    /** Fails the start when the staging directory cannot be created, rather than the first upload. */
    void createDirectories(@Observes StartupEvent startup) throws IOException {
        Files.createDirectories(partials);
        LOG.infof("staging uploads in %s, storing files in %s", partials, blobs.describe());
    }

    /**
     * Streams the upload into storage under a new id, computing its SHA-256 and validating it on the way.
     *
     * @throws dev.trainpod.common.problem.ProblemException 413 over the size limit, 400 when empty or cut short,
     *         503 when the disk fails; in every case nothing is left behind
     */
    public StoredFile store(InputStream upload) {
        return store(upload, true);
    }

    /**
     * {@link #store(InputStream)}, or, with {@code validate} false, the same without the validator: the upload
     * benchmark's reference ("the same upload with validation switched off"), which only a benchmark stack can
     * ask for. Such a dataset is recorded as INVALID, with one error saying it was not validated.
     */
    public StoredFile store(InputStream upload, boolean validate) {
        UUID id = UUID.randomUUID();
        Path partial = partials.resolve(id + ".part");
        try {
            StoredFile stored;
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
                 FlushBehind behind = new FlushBehind(channel)) {
                // a store that keeps this file forces it whole before it is recorded: written out as it arrives
                stored = scan(upload, id, Channels.newOutputStream(channel), validate,
                        blobs.keepsTheFile() ? behind::written : bytes -> { });
            }
            blobs.put(stored.storagePath(), partial);
            return stored;
        } catch (IOException e) {
            LOG.errorf(e, "cannot store dataset %s", id);
            throw DatasetProblems.storageUnavailable();
        } finally {
            StagedFile.deleteQuietly(partial);
        }
    }

    /**
     * Validates a completely staged file, reading it once from disk, and moves it into storage under a new id;
     * the staged file is gone afterwards, whatever the outcome.
     *
     * @throws dev.trainpod.common.problem.ProblemException like {@link #store}
     */
    public StoredFile adopt(Path staged) {
        UUID id = UUID.randomUUID();
        try {
            StoredFile stored;
            try (InputStream in = Files.newInputStream(staged)) {
                stored = scan(in, id, OutputStream.nullOutputStream(), true, bytes -> { });
            }
            blobs.put(stored.storagePath(), staged);
            return stored;
        } catch (IOException e) {
            LOG.errorf(e, "cannot store dataset %s from %s", id, staged);
            throw DatasetProblems.storageUnavailable();
        } finally {
            StagedFile.deleteQuietly(staged);
        }
    }

    /** Deletes a stored file; a failure is logged, never thrown, since the record is already gone. */
    public void delete(String storagePath) {
        blobs.delete(storagePath);
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

    /** Where partial uploads are staged on local disk before they are complete and stored. */
    public Path partialDirectory() {
        return partials;
    }

    private StoredFile scan(InputStream upload, UUID id, OutputStream out, boolean validate, LongConsumer written)
            throws IOException {
        MessageDigest sha256 = StagedFile.newSha256();
        DatasetValidator validator = validate ? new DatasetValidator(maxLineBytes) : null;
        long bytes = 0;
        // hashing and validating (in order, on a second thread once the upload is longer than a buffer) overlap
        // with receiving and writing the next buffers
        try (ScanPipeline pipeline = new ScanPipeline((chunk, offset, length) -> {
            sha256.update(chunk, offset, length);
            if (validator != null) {
                validator.feed(chunk, offset, length);
            }
        }, BUFFER_BYTES)) {
            byte[] buffer = pipeline.buffer();
            int n;
            while ((n = readFully(upload, buffer)) > 0) {
                bytes += n;
                if (bytes > maxBytes) {
                    throw DatasetProblems.tooLarge(maxBytes);
                }
                out.write(buffer, 0, n);
                written.accept(n);
                buffer = pipeline.submit(buffer, n);
            }
            pipeline.finish();
        }
        if (bytes == 0) {
            throw DatasetProblems.empty("The file is empty.");
        }
        ValidationReport report = validate ? validator.finish() : new ValidationReport(DatasetFormat.INVALID, 1, 0,
                List.of(new LineError(1, "not validated (the upload benchmark's reference)")), 1);
        if (report.rows() == 0) {
            throw DatasetProblems.empty("The file has only blank lines.");
        }
        return new StoredFile(id, id + ".jsonl", bytes, HexFormat.of().formatHex(sha256.digest()), report);
    }

    /** Fills the buffer from the client's bytes, or up to their end: how many it read, 0 at the end. */
    private static int readFully(InputStream upload, byte[] buffer) {
        int filled = 0;
        while (filled < buffer.length) {
            int n = read(upload, buffer, filled);
            if (n == -1) {
                break;
            }
            filled += n;
        }
        return filled;
    }

    /** Reads the client's bytes; a failure here is the client's (it went away), not the disk's. */
    private static int read(InputStream upload, byte[] buffer, int offset) {
        try {
            return upload.read(buffer, offset, buffer.length - offset);
        } catch (IOException e) {
            throw DatasetProblems.uploadInterrupted();
        }
    }
}
