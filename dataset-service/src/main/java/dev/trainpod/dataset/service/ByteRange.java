package dev.trainpod.dataset.service;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a file one download sends: the whole file, or the single range a {@code Range: bytes=...} header
 * asks for ({@code a-b}, {@code a-} or {@code -n}).
 *
 * @param start first byte sent, 0-based
 * @param end last byte sent, inclusive
 * @param partial true when a Range header asked for it, so the answer is 206
 */
public record ByteRange(long start, long end, long size, boolean partial) {

    private static final Pattern SINGLE_RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

    /**
     * The range the header asks for in a file of {@code size} bytes (at least 1); the whole file without a
     * header; empty when the header is malformed, asks for several ranges, or for none of the file's bytes.
     */
    public static Optional<ByteRange> parse(String header, long size) {
        if (header == null) {
            return Optional.of(new ByteRange(0, size - 1, size, false));
        }
        Matcher m = SINGLE_RANGE.matcher(header.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return Optional.empty();
        }
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                return suffix == 0 ? Optional.empty()
                        : Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1, size, true));
            }
            long first = Long.parseLong(m.group(1));
            long last = m.group(2).isEmpty() ? size - 1 : Long.parseLong(m.group(2));
            if (first >= size || last < first) {
                return Optional.empty();
            }
            return Optional.of(new ByteRange(first, Math.min(last, size - 1), size, true));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** How many bytes are sent. */
    public long length() {
        return end - start + 1;
    }

    /** The {@code Content-Range} header value of a 206 answer. */
    public String contentRange() {
        return "bytes " + start + "-" + end + "/" + size;
    }
}
