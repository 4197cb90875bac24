package dev.trainpod.dataset.service;

import dev.trainpod.dataset.problem.DatasetProblems;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chunk a resumable artifact upload request carries: {@code Content-Range: bytes <start>-<end>/<total>}.
 *
 * @param start first byte of the chunk, 0-based
 * @param end last byte of the chunk, inclusive
 * @param total the whole artifact's size
 */
public record ContentRange(long start, long end, long total) {

    private static final Pattern PATTERN = Pattern.compile("bytes (\\d{1,19})-(\\d{1,19})/(\\d{1,19})");

    /**
     * The range the header names; null without a header (the body is the whole file).
     *
     * @throws dev.trainpod.common.problem.ProblemException 400 when it is malformed or inconsistent
     */
    public static ContentRange parse(String header) {
        if (header == null) {
            return null;
        }
        Matcher m = PATTERN.matcher(header.strip());
        try {
            if (m.matches()) {
                ContentRange range = new ContentRange(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                        Long.parseLong(m.group(3)));
                if (range.start <= range.end && range.end < range.total) {
                    return range;
                }
            }
        } catch (NumberFormatException e) {
            // over Long.MAX_VALUE: as malformed as any other
        }
        throw DatasetProblems.badHeader("content-range-invalid", "Content-Range must read bytes <start>-<end>/<total>"
                + " with start <= end < total, e.g. bytes 0-1048575/5000000; omit it to send the whole file.");
    }

    /** The chunk's size in bytes. */
    public long length() {
        return end - start + 1;
    }
}
