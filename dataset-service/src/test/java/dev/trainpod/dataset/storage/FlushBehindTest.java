package dev.trainpod.dataset.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FlushBehindTest {

    @Test
    void forcesOncePerStretchWithOneForceInFlightAndCloseWaitsForIt() throws Exception {
        CountingChannel channel = new CountingChannel();
        try (FlushBehind behind = new FlushBehind(channel)) {
            behind.written(FlushBehind.EVERY_BYTES - 1);
            assertThat(channel.forcesStarted.get()).as("fewer bytes than a stretch").isZero();
            behind.written(1);
            assertThat(channel.started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(channel.forcesStarted.get()).isEqualTo(1);

            behind.written(3 * FlushBehind.EVERY_BYTES);
            assertThat(channel.forcesStarted.get()).as("no second force while one is in flight").isEqualTo(1);

            Thread release = new Thread(() -> {
                sleep(200);
                channel.release.countDown();
            });
            release.start();
            behind.close();
            assertThat(channel.forcesDone.get()).as("close waited for the force in flight").isEqualTo(1);

            behind.written(FlushBehind.EVERY_BYTES);
            behind.close();
            assertThat(channel.forcesDone.get()).as("the next stretch forced again").isEqualTo(2);
        }
    }

    @Test
    void aFailedEarlyForceIsLeftToTheFinalOne() {
        CountingChannel channel = new CountingChannel();
        channel.fail = true;
        channel.release.countDown();
        FlushBehind behind = new FlushBehind(channel);
        behind.written(FlushBehind.EVERY_BYTES);
        behind.close();
        assertThat(channel.forcesStarted.get()).isEqualTo(1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counts forces; the first one waits until released. */
    private static final class CountingChannel extends FileChannel {
        final AtomicInteger forcesStarted = new AtomicInteger();
        final AtomicInteger forcesDone = new AtomicInteger();
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean fail;

        @Override
        public void force(boolean metaData) throws IOException {
            forcesStarted.incrementAndGet();
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            if (fail) {
                throw new IOException("disk gone");
            }
            forcesDone.incrementAndGet();
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            return 0;
        }

        @Override
        public FileChannel position(long newPosition) {
            return this;
        }

        @Override
        public long size() {
            return 0;
        }

        @Override
        public FileChannel truncate(long size) {
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() {
        }
    }
}
