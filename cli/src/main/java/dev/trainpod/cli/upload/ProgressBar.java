package dev.trainpod.cli.upload;

import dev.trainpod.cli.Units;
import java.io.PrintStream;

/**
 * A one-line progress bar redrawn in place ({@code \r}) on a terminal: percent, bytes, rate and time left. Redraws
 * at most ten times a second; {@link #finish()} ends the line.
 */
public final class ProgressBar implements ResumableUpload.Progress {

    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final String label;
    private long startNanos = -1;
    private long startBytes;
    private long lastDraw;

    public ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public void update(long done, long total) {
        long now = System.nanoTime();
        if (startNanos < 0) {
            startNanos = now;
            startBytes = done;
        }
        if (done < total && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        out.print("\r" + line(done, total, (now - startNanos) / 1e9, done - startBytes));
        out.flush();
    }

    @Override
    public void finish() {
        if (startNanos >= 0) {
            out.println();
            out.flush();
        }
    }

    /** The bar's text for {@code done} of {@code total} bytes, {@code sent} of them in the last {@code seconds}. */
    String line(long done, long total, double seconds, long sent) {
        double fraction = total == 0 ? 1 : (double) done / total;
        int filled = (int) Math.round(fraction * WIDTH);
        double rate = seconds > 0 ? sent / seconds : 0;
        String eta = rate > 0 && done < total ? "  ETA " + Units.duration((long) Math.ceil((total - done) / rate)) : "";
        return String.format("%s %3d%% [%s%s] %s / %s  %s/s%s   ", label, Math.round(fraction * 100),
                "#".repeat(filled), " ".repeat(WIDTH - filled), Units.bytes(done), Units.bytes(total), Units.bytes((long) rate), eta);
    }
}
