package dev.trainpod.dataset.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The upload's second thread: it consumes every chunk once, in order, with the bytes the caller wrote (while the
 * caller refills the buffers it gets back), a one-buffer upload stays on the caller's thread, a consumer's failure
 * reaches the caller, and after {@link ScanPipeline#close()} nothing more is consumed.
 */
class ScanPipelineTest {

    @Test
    void everyChunkIsConsumedOnceInOrderWithTheBytesWritten() {
        Random random = new Random(3);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        Thread caller = Thread.currentThread();
        AtomicInteger onOtherThread = new AtomicInteger();
        try (ScanPipeline pipeline = new ScanPipeline((bytes, offset, length) -> {
            if (Thread.currentThread() != caller) {
                onOtherThread.incrementAndGet();
            }
            seen.write(bytes, offset, length);
        }, 1024)) {
            byte[] buffer = pipeline.buffer();
            for (int i = 0; i < 500; i++) {
                int n = 1 + random.nextInt(buffer.length);
                random.nextBytes(buffer);
                sent.write(buffer, 0, n);
                buffer = pipeline.submit(buffer, n);
            }
            pipeline.finish();
        }
        assertThat(seen.toByteArray()).isEqualTo(sent.toByteArray());
        assertThat(onOtherThread.get()).isEqualTo(500);
    }

    @Test
    void anUploadOfOneBufferStaysOnTheCallersThread() {
        Thread caller = Thread.currentThread();
        AtomicInteger calls = new AtomicInteger();
        try (ScanPipeline pipeline = new ScanPipeline((bytes, offset, length) -> {
            assertThat(Thread.currentThread()).isSameAs(caller);
            calls.incrementAndGet();
        }, 1024)) {
            pipeline.submit(pipeline.buffer(), 10);
            pipeline.finish();
        }
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void aConsumersFailureReachesTheCaller() {
        ScanPipeline pipeline = new ScanPipeline((bytes, offset, length) -> {
            throw new IllegalStateException("consumer broke");
        }, 16);
        try (pipeline) {
            assertThatThrownBy(() -> {
                byte[] buffer = pipeline.buffer();
                for (int i = 0; i < 100; i++) {
                    buffer = pipeline.submit(buffer, 16);
                }
                pipeline.finish();
            }).isInstanceOf(IllegalStateException.class).hasMessage("consumer broke");
        }
    }

    @Test
    void afterCloseNothingMoreIsConsumed() throws Exception {
        AtomicInteger consumed = new AtomicInteger();
        ScanPipeline pipeline = new ScanPipeline((bytes, offset, length) -> {
            consumed.incrementAndGet();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 16);
        byte[] buffer = pipeline.buffer();
        for (int i = 0; i < 4; i++) {
            buffer = pipeline.submit(buffer, 16);
        }
        pipeline.close(); // the caller failed: abandon what is queued
        int atClose = consumed.get();
        Thread.sleep(100);
        assertThat(consumed.get()).isEqualTo(atClose).isLessThan(4);
    }
}
