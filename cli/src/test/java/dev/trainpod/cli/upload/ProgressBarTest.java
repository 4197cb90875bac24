package dev.trainpod.cli.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void lineShowsPercentBytesRateAndTimeLeft() {
        ProgressBar bar = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), "data.jsonl");

        String line = bar.line(512 * 1024, 2048 * 1024, 2.0, 512 * 1024);

        assertThat(line).startsWith("data.jsonl  25% [######                  ]")
                .contains("512.0 KiB / 2.0 MiB", "256.0 KiB/s", "ETA 6s");
    }

    @Test
    void redrawsInPlaceAndEndsTheLineWhenFinished() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), "f");

        bar.update(0, 10);
        bar.update(10, 10);
        bar.finish();

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("\r").contains("100% [########################]").endsWith(System.lineSeparator());
    }
}
