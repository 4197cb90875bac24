package dev.trainpod.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SizeConverterTest {

    private final SizeConverter sizes = new SizeConverter();

    @Test
    void unitsArePowersOf1024() {
        assertThat(sizes.convert("65536")).isEqualTo(65536L);
        assertThat(sizes.convert("64k")).isEqualTo(65536L);
        assertThat(sizes.convert("8MiB")).isEqualTo(8L * 1024 * 1024);
        assertThat(sizes.convert("1G")).isEqualTo(1024L * 1024 * 1024);
    }

    @Test
    void anythingElseIsRefused() {
        assertThatThrownBy(() -> sizes.convert("fast")).isInstanceOf(CommandLine.TypeConversionException.class);
        assertThatThrownBy(() -> sizes.convert("-1k")).isInstanceOf(CommandLine.TypeConversionException.class);
    }
}
