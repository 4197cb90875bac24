package dev.trainpod.dataset.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * Writes a file out to disk while it is still being written: every {@link #EVERY_BYTES} the bytes written so far are
 * forced on a thread of their own (one force at a time per file), so that the force that makes the whole file
 * durable at the end has only the last few MiB left to write, instead of all of it after the last byte arrived. A
 * force that fails here is only logged: the final force, which the caller always makes, reports the disk's failure.
 * Used by one thread; {@link #close} (before the channel is closed) waits for the force in flight.
 */
final class FlushBehind implements AutoCloseable {

    static final long EVERY_BYTES = 16L * 1024 * 1024;
    private static final Logger LOG = Logger.getLogger(FlushBehind.class);
    /** Forcing is waiting on the disk, not CPU; idle threads end after a minute. */
    private static final ExecutorService FLUSHERS = ScanPipeline.daemonThreads("dataset-flush-");

    private final FileChannel channel;
    private long unforced;
    private Future<?> inFlight = CompletableFuture.completedFuture(null);

    FlushBehind(FileChannel channel) {
        this.channel = channel;
    }

    /** Counts bytes just written; starts a force when enough are unforced and none is in flight. */
    void written(long bytes) {
        unforced += bytes;
        if (unforced >= EVERY_BYTES && inFlight.isDone()) {
            unforced = 0;
            inFlight = FLUSHERS.submit(() -> {
                channel.force(false);
                return null;
            });
        }
    }

    @Override
    public void close() {
        try {
            inFlight.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof IOException)) {
                throw new IllegalStateException(e.getCause());
            }
            LOG.debugf("an early force failed (the final one will tell): %s", e.getCause().getMessage());
        }
    }
}
