package dev.trainpod.dataset.storage;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the per-chunk work of an upload (hashing and validating, which must see the bytes in order) on a second
 * thread while the caller goes on receiving and writing the next chunks, so that an upload uses both of the
 * service's CPUs. The caller fills a buffer, writes it, then {@link #submit}s it and gets a free one back; a
 * fixed number of buffers circulate, so memory stays bounded and a slow consumer slows the reader. An upload of a
 * single buffer never leaves the caller's thread. {@link #finish} waits until every submitted chunk is consumed;
 * {@link #close} (always, in a finally) stops the helper and waits for it, so nothing touches a buffer afterwards.
 * A failure of the consumer is rethrown to the caller. One instance per upload, used by one thread.
 */
final class ScanPipeline implements AutoCloseable {

    /** Consumes a chunk's bytes; called on the helper thread (or the caller's), in order, one chunk at a time. */
    interface Consumer {
        void accept(byte[] bytes, int offset, int length);
    }

    private static final int BUFFERS = 4;
    /** Helper threads, one per upload in flight at most; daemon threads, idle ones end after a minute. */
    private static final ExecutorService HELPERS = daemonThreads("dataset-scan-");

    private final Consumer consumer;
    private final int bufferBytes;
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private int created;
    /** The first chunk, kept until a second one shows the upload is longer than a buffer. */
    private Chunk held;
    private Future<?> helper;
    private volatile Throwable failure;
    private volatile boolean aborted;

    private record Chunk(byte[] bytes, int length) {
    }

    private static final Chunk END = new Chunk(new byte[0], -1);

    /** A pool of daemon threads named {@code prefix} and a number, made as needed; idle ones end after a minute. */
    static ExecutorService daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    ScanPipeline(Consumer consumer, int bufferBytes) {
        this.consumer = consumer;
        this.bufferBytes = bufferBytes;
    }

    /** A buffer to fill. */
    byte[] buffer() {
        byte[] recycled = free.poll();
        if (recycled != null) {
            return recycled;
        }
        if (created < BUFFERS) {
            created++;
            return new byte[bufferBytes];
        }
        return take(free);
    }

    /** Hands over {@code length} bytes of a buffer from {@link #buffer()}; answers the next buffer to fill. */
    byte[] submit(byte[] bytes, int length) {
        rethrow();
        Chunk chunk = new Chunk(bytes, length);
        if (helper == null) {
            if (held == null) {
                held = chunk;
                return buffer();
            }
            full.add(held);
            held = null;
            helper = HELPERS.submit(this::consume);
        }
        put(chunk);
        return buffer();
    }

    /** Waits until every submitted chunk is consumed; rethrows the consumer's failure. */
    void finish() {
        if (helper == null) {
            if (held != null) {
                consumer.accept(held.bytes(), 0, held.length());
                held = null;
            }
            return;
        }
        put(END);
        try {
            helper.get();
        } catch (java.util.concurrent.ExecutionException e) {
            failure = e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the upload was being checked", e);
        }
        rethrow();
    }

    /** Stops the helper, if it still runs, and waits for it to let go of the buffers. */
    @Override
    public void close() {
        if (helper == null || helper.isDone()) {
            return;
        }
        aborted = true;
        full.clear();
        full.offer(END);
        try {
            helper.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            helper.cancel(true);
        }
    }

    private void consume() {
        try {
            while (true) {
                Chunk chunk = take(full);
                if (chunk == END || aborted) {
                    return;
                }
                consumer.accept(chunk.bytes(), 0, chunk.length());
                free.offer(chunk.bytes());
            }
        } catch (RuntimeException | Error e) {
            failure = e; // a reader waiting for a buffer or a place in the queue sees it within 100 ms
            throw e;
        }
    }

    private void put(Chunk chunk) {
        try {
            while (!full.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                rethrow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the upload was being checked", e);
        }
    }

    private <T> T take(BlockingQueue<T> queue) {
        try {
            T item;
            while ((item = queue.poll(100, TimeUnit.MILLISECONDS)) == null) {
                rethrow();
            }
            return item;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the upload was being checked", e);
        }
    }

    private void rethrow() {
        Throwable t = failure;
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }
}
