package dev.trainpod.dataset.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Keeps files under the storage directory, named by their key; downloads are sent from disk zero-copy. */
final class LocalBlobStore implements BlobStore {

    private static final Logger LOG = Logger.getLogger(LocalBlobStore.class);

    private final Path root;

    LocalBlobStore(Path root) {
        this.root = root;
    }

    /**
     * Moves the file in under its key, durably: its bytes are on disk before the move, and the move is on disk
     * before this returns, so a record committed after it never names a file that a power loss emptied or undid.
     */
    @Override
    public void put(String key, Path file) throws IOException {
        Path target = resolve(key);
        Files.createDirectories(target.getParent());
        try (FileChannel bytes = FileChannel.open(file, StandardOpenOption.WRITE)) {
            bytes.force(true);
        }
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    @Override
    public boolean keepsTheFile() {
        return true;
    }

    @Override
    public Optional<Path> localFile(String key) {
        return Optional.of(resolve(key));
    }

    @Override
    public InputStream open(String key, long start, long length) throws IOException {
        FileChannel channel = FileChannel.open(resolve(key));
        channel.position(start);
        return Channels.newInputStream(channel);
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(resolve(key));
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", key, e.getMessage());
        }
    }

    @Override
    public String describe() {
        return root.toString();
    }

    private Path resolve(String key) {
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root)) {
            throw new IllegalArgumentException("storage key outside the storage directory: " + key);
        }
        return path;
    }
}
