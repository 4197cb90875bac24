package dev.trainpod.dataset.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {

    @Test
    void noHeaderMeansTheWholeFile() {
        assertThat(ByteRange.parse(null, 100)).contains(new ByteRange(0, 99, 100, false));
    }

    @Test
    void closedOpenAndSuffixRangesAreUnderstood() {
        assertThat(ByteRange.parse("bytes=10-19", 100)).contains(new ByteRange(10, 19, 100, true));
        assertThat(ByteRange.parse("bytes=90-", 100)).contains(new ByteRange(90, 99, 100, true));
        assertThat(ByteRange.parse("bytes=-5", 100)).contains(new ByteRange(95, 99, 100, true));
        assertThat(ByteRange.parse("bytes=0-0", 100)).contains(new ByteRange(0, 0, 100, true));
    }

    @Test
    void rangesReachingPastTheEndAreCutToTheFile() {
        assertThat(ByteRange.parse("bytes=50-1000", 100)).contains(new ByteRange(50, 99, 100, true));
        assertThat(ByteRange.parse("bytes=-1000", 100)).contains(new ByteRange(0, 99, 100, true));
    }

    @Test
    void lengthAndContentRangeDescribeThePart() {
        ByteRange range = ByteRange.parse("bytes=10-19", 100).orElseThrow();

        assertThat(range.length()).isEqualTo(10);
        assertThat(range.contentRange()).isEqualTo("bytes 10-19/100");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=100-", "bytes=100-200", "bytes=20-10", "bytes=-0", "bytes=-", "bytes=a-b",
        "bytes=0-1,3-4", "items=0-1", "bytes 0-1", "", "bytes=99999999999999999999-"})
    void unsatisfiableOrMalformedRangesAreRefused(String header) {
        assertThat(ByteRange.parse(header, 100)).isEmpty();
    }
}
