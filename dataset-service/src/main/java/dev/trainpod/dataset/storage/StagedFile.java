package dev.trainpod.dataset.storage;

import dev.trainpod.dataset.problem.DatasetProblems;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.jboss.logging.Logger;

/**
 * Appends request bodies to a partial file on local disk, the staging area of resumable uploads, holding no more
 * than a buffer in memory. Blocking: call it from a worker thread.
 */
public final class StagedFile {

    private static final Logger LOG = Logger.getLogger(StagedFile.class);
    private static final int BUFFER_BYTES = 64 * 1024;

    private StagedFile() {
    }

    /**
     * What one append did.
     *
     * @param written the bytes appended
     * @param interrupted the client stopped sending before its body ended; what arrived is kept
     * @param overflow the body had more than {@code limit} bytes; only {@code limit} were appended
     */
    public record Appended(long written, boolean interrupted, boolean overflow) {
    }

    /**
     * Writes the body at {@code offset} (dropping anything the file had beyond it), at most {@code limit} bytes,
     * feeding them to {@code digest} when one is given.
     *
     * @throws dev.trainpod.common.problem.ProblemException 503 when the disk fails
     */
    public static Appended append(Path file, long offset, InputStream body, long limit, MessageDigest digest) {
        byte[] buffer = new byte[BUFFER_BYTES];
        long written = 0;
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (out.size() < offset) {
                throw new IOException(file + " has " + out.size() + " bytes, fewer than the offset " + offset);
            }
            out.truncate(offset);
            out.position(offset);
            while (true) {
                int n;
                try {
                    n = body.read(buffer);
                } catch (IOException e) {
                    return durable(out, new Appended(written, true, false));
                }
                if (n == -1) {
                    return durable(out, new Appended(written, false, false));
                }
                int keep = (int) Math.min(n, limit - written);
                if (digest != null) {
                    digest.update(buffer, 0, keep);
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, keep);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                written += keep;
                if (keep < n) {
                    return new Appended(written, false, true);
                }
            }
        } catch (IOException e) {
            LOG.errorf(e, "cannot write %s", file);
            throw DatasetProblems.storageUnavailable();
        }
    }

    /**
     * The appended bytes are on disk before the caller records the new offset: after a power loss the file is never
     * shorter than the offset a client was told to resume from.
     */
    private static Appended durable(FileChannel out, Appended appended) throws IOException {
        out.force(false);
        return appended;
    }

    /** Cuts the file back to {@code length} bytes, dropping a rejected chunk. */
    public static void truncate(Path file, long length) {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            out.truncate(length);
        } catch (IOException e) {
            LOG.warnf("cannot truncate %s: %s", file, e.getMessage());
        }
    }

    /** The SHA-256 hex of the whole file, read once from disk. */
    public static String sha256(Path file) {
        MessageDigest digest = newSha256();
        byte[] buffer = new byte[BUFFER_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            LOG.errorf(e, "cannot read %s", file);
            throw DatasetProblems.storageUnavailable();
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** A new SHA-256 digest. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Deletes the file if it is there; a failure is logged. */
    public static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", file, e.getMessage());
        }
    }
}
