package dev.trainpod.dataset.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Validates a JSONL training dataset while its bytes stream past: every non-blank line must be a UTF-8 JSON object
 * in one of the {@link DatasetFormat}s, and all lines must share one. It holds at most one line in memory (up to
 * {@code maxLineBytes}); one instance reads one file, from one thread. Each line is first checked at the byte level
 * ({@link RecordScanner}: the rules checked on the raw UTF-8, nothing decoded, no String, no tree), where it lies in
 * the fed chunk when it lies whole in one, in the same pass that finds its end; a line that check does not accept is
 * checked again the ordinary way (a tree, then {@link RecordRules}), which writes the error, so reports are as they
 * always were.
 */
public final class DatasetValidator {

    /** How many errors a report lists; {@link ValidationReport#errorCount()} counts them all. */
    public static final int MAX_REPORTED_ERRORS = 100;

    private static final int MAX_MESSAGE_CHARS = 300;
    private static final int INITIAL_LINE_CAPACITY = 8 * 1024;
    private static final int RETAINED_LINE_CAPACITY = 1024 * 1024;
    private static final ObjectReader JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .reader();

    private final int maxLineBytes;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final List<LineError> errors = new ArrayList<>();
    private final RecordScanner records = new RecordScanner();
    private final boolean byteLevel;

    private byte[] line = new byte[INITIAL_LINE_CAPACITY];
    private int lineLength;
    private boolean lineTooLong;
    private boolean linePending;
    private long lineNumber;
    private long rows;
    private long errorCount;
    private long textChars;
    private DatasetFormat format;
    private long formatLine;
    private boolean finished;

    /** A validator that reports lines longer than {@code maxLineBytes} as errors instead of reading them. */
    public DatasetValidator(int maxLineBytes) {
        this(maxLineBytes, true);
    }

    /** With {@code byteLevel} false, every line is checked the ordinary way only (the tests' oracle). */
    DatasetValidator(int maxLineBytes, boolean byteLevel) {
        this.byteLevel = byteLevel;
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive");
        }
        this.maxLineBytes = maxLineBytes;
    }

    /** Reads the next bytes of the file; lines may be split anywhere across calls. */
    public void feed(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (finished) {
            throw new IllegalStateException("the validator has finished");
        }
        int start = offset;
        int end = offset + length;
        while (start < end) {
            if (byteLevel && !linePending) {
                // one pass reads the line, checks it and finds its end, when it is a record lying whole in the chunk
                int newline = records.scanLine(bytes, start, (int) Math.min(end, start + (long) maxLineBytes + 1));
                if (newline >= 0) {
                    lineNumber++;
                    rows++;
                    accept(records.shape());
                    start = newline + 1;
                    continue;
                }
            }
            int newline = indexOfNewline(bytes, start, end);
            if (newline < 0) {
                break;
            }
            if (byteLevel && !linePending && newline - start <= maxLineBytes) {
                endLineInPlace(bytes, start, newline); // the whole line lies in this chunk: read it where it is
            } else {
                append(bytes, start, newline - start);
                endLine();
            }
            start = newline + 1;
        }
        append(bytes, start, end - start);
    }

    private static int indexOfNewline(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Validates the last line, if the file does not end with a newline, and reports on the whole file. */
    public ValidationReport finish() {
        if (!finished) {
            finished = true;
            if (linePending) {
                endLine();
            }
        }
        DatasetFormat result = errorCount > 0 || format == null ? DatasetFormat.INVALID : format;
        return new ValidationReport(result, rows, (textChars + 3) / 4, List.copyOf(errors), errorCount);
    }

    private void append(byte[] bytes, int from, int count) {
        if (count == 0) {
            return;
        }
        linePending = true;
        if (lineTooLong) {
            return;
        }
        if ((long) lineLength + count > maxLineBytes) {
            lineTooLong = true;
            return;
        }
        if (lineLength + count > line.length) {
            line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, lineLength + count)));
        }
        System.arraycopy(bytes, from, line, lineLength, count);
        lineLength += count;
    }

    /**
     * Ends a line that lies whole in the caller's bytes: checked in place by the byte-level check; copied into
     * the line buffer, and checked the ordinary way, only when that check does not accept it.
     */
    private void endLineInPlace(byte[] bytes, int from, int to) {
        int start = lineNumber == 0 && to - from >= 3 && bytes[from] == (byte) 0xEF && bytes[from + 1] == (byte) 0xBB
                && bytes[from + 2] == (byte) 0xBF ? from + 3 : from;
        int stop = to > start && bytes[to - 1] == '\r' ? to - 1 : to;
        if (!isJsonWhitespace(bytes, start, stop)) {
            RecordRules.Shape record = records.check(bytes, start, stop);
            if (record != null) {
                lineNumber++;
                rows++;
                accept(record);
                return;
            }
        }
        append(bytes, from, to - from);
        endLine();
    }

    private void endLine() {
        lineNumber++;
        try {
            checkLine();
        } finally {
            lineLength = 0;
            lineTooLong = false;
            linePending = false;
            if (line.length > RETAINED_LINE_CAPACITY) {
                line = new byte[INITIAL_LINE_CAPACITY];
            }
        }
    }

    private void checkLine() {
        if (lineTooLong) {
            rows++;
            error("the line is longer than " + maxLineBytes + " bytes");
            return;
        }
        int from = lineNumber == 1 && startsWithByteOrderMark() ? 3 : 0;
        int to = lineLength > from && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
        if (isJsonWhitespace(line, from, to)) {
            return;
        }
        rows++;
        RecordRules.Shape fast = byteLevel ? records.check(line, from, to) : null;
        if (fast != null) {
            accept(fast);
            return;
        }
        JsonNode node;
        try {
            if (isAscii(from, to)) {
                // ASCII fast path: bytes are chars, so Jackson's byte parser reads the line in place (no decoding,
                // no String), and its error columns are the same as the text path's
                node = JSON.readTree(line, from, to - from);
            } else {
                String text = decode(from, to);
                if (text == null) {
                    return;
                }
                node = JSON.readTree(text);
            }
        } catch (JsonProcessingException e) {
            error("not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (column " + e.getLocation().getColumnNr() + ")"));
            return;
        } catch (IOException e) { // no I/O happens on an array: only to satisfy the signature
            error("not valid JSON: " + e.getMessage());
            return;
        }
        if (node == null || !node.isObject()) {
            error("a line must be a JSON object, found " + RecordRules.kind(node));
            return;
        }
        RecordRules.Shape record;
        try {
            record = RecordRules.classify(node);
        } catch (RecordRules.InvalidRecord e) {
            error(e.getMessage());
            return;
        }
        accept(record);
    }

    /** A record that follows its format's rules: it must have the dataset's format (the first record's). */
    private void accept(RecordRules.Shape record) {
        if (format == null) {
            format = record.format();
            formatLine = lineNumber;
        } else if (format != record.format()) {
            error("the line is a " + record.format() + " record but line " + formatLine + " is " + format
                    + "; every line of a dataset must have the same format");
            return;
        }
        textChars += record.chars();
    }

    private boolean startsWithByteOrderMark() {
        return lineLength >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB && line[2] == (byte) 0xBF;
    }

    private boolean isAscii(int from, int to) {
        int bits = 0;
        for (int i = from; i < to; i++) {
            bits |= line[i];
        }
        return bits >= 0; // a byte with its high bit set makes the OR negative
    }

    private static boolean isJsonWhitespace(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** The line as text, or null (with the error reported) if it is not UTF-8. */
    private String decode(int from, int to) {
        ByteBuffer in = ByteBuffer.wrap(line, from, to - from);
        // UTF-8 never yields more chars than it has bytes (four bytes make a surrogate pair).
        CharBuffer out = CharBuffer.allocate(to - from);
        utf8.reset();
        CoderResult result = utf8.decode(in, out, true);
        if (!result.isError()) {
            result = utf8.flush(out);
        }
        if (result.isError()) {
            error("not valid UTF-8 (byte " + (in.position() - from + 1) + " of the line)");
            return null;
        }
        return out.flip().toString();
    }

    private void error(String message) {
        errorCount++;
        if (errors.size() < MAX_REPORTED_ERRORS) {
            errors.add(new LineError(lineNumber, message.length() <= MAX_MESSAGE_CHARS
                    ? message : message.substring(0, MAX_MESSAGE_CHARS) + "…"));
        }
    }
}
