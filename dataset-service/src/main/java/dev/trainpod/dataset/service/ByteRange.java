package dev.trainpod.dataset.service;

import dev.trainpod.dataset.repository.DownloadUseRepository.RangeKind;
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
     * What a {@code Range} header asks for, before the file's size is known.
     *
     * @param first the first byte of {@code FROM}
     * @param last the last byte of {@code FROM}, or null: to the end
     * @param suffix how many last bytes {@code SUFFIX} asks for (1 or more)
     */
    public record Requested(RangeKind kind, Long first, Long last, Long suffix) {

        /** The range in a file of {@code size} bytes (at least 1); empty when none of its bytes is asked for. */
        public Optional<ByteRange> in(long size) {
            return switch (kind) {
                case NONE -> Optional.of(new ByteRange(0, size - 1, size, false));
                case SUFFIX -> Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1, size, true));
                case FROM -> first >= size ? Optional.empty()
                        : Optional.of(new ByteRange(first, last == null ? size - 1 : Math.min(last, size - 1), size, true));
                case INVALID -> Optional.empty();
            };
        }
    }

    /**
     * What the header asks for: the whole file without a header; {@code INVALID} when it is malformed, asks for
     * several ranges, or for no byte at all.
     */
    public static Requested requested(String header) {
        if (header == null) {
            return new Requested(RangeKind.NONE, null, null, null);
        }
        Requested invalid = new Requested(RangeKind.INVALID, null, null, null);
        Matcher m = SINGLE_RANGE.matcher(header.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return invalid;
        }
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                return suffix == 0 ? invalid : new Requested(RangeKind.SUFFIX, null, null, suffix);
            }
            long first = Long.parseLong(m.group(1));
            Long last = m.group(2).isEmpty() ? null : Long.parseLong(m.group(2));
            return last != null && last < first ? invalid : new Requested(RangeKind.FROM, first, last, null);
        } catch (NumberFormatException e) {
            return invalid;
        }
    }

    /**
     * The range the header asks for in a file of {@code size} bytes (at least 1); the whole file without a
     * header; empty when the header is malformed, asks for several ranges, or for none of the file's bytes.
     */
    public static Optional<ByteRange> parse(String header, long size) {
        return requested(header).in(size);
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
