package dev.trainpod.dataset.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Feeds the validator arbitrary files and checks what its report promises, whatever the bytes: it never throws,
 * counts every error and lists at most a hundred, one per line and in line order, on lines the file has; it is the
 * same however the bytes are split; and a valid record of each format stays valid, and keeps its format, whatever
 * lines follow it. The committed inputs are under {@code DatasetValidatorFuzzTestInputs/}; see the README.
 */
class DatasetValidatorFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DatasetFormat[] FORMATS = {DatasetFormat.SFT_TEXT, DatasetFormat.SFT_PROMPT_COMPLETION,
        DatasetFormat.SFT_MESSAGES, DatasetFormat.DPO};
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    private static final String MIXED_FORMATS = "every line of a dataset must have the same format";

    /**
     * The input's last bytes choose the line limit, how the file is split, a record format, a byte order mark and a
     * CRLF; zero bytes there mean a 1 MiB limit, one-byte chunks, SFT_TEXT, no mark and LF. The rest is the file.
     */
    @FuzzTest(maxDuration = "30s")
    void reportKeepsItsPromisesForAnyFile(FuzzedDataProvider data) {
        int maxLineBytes = data.consumeBoolean() ? data.consumeInt(1, 256) : 1 << 20;
        int chunk = data.consumeInt(1, 4096);
        DatasetFormat format = data.pickValue(FORMATS);
        boolean byteOrderMark = data.consumeBoolean();
        boolean crlf = data.consumeBoolean();
        byte[] file = data.consumeRemainingAsBytes();

        ValidationReport report = validate(file, maxLineBytes, chunk);
        assertConsistent(report, file);
        assertThat(validate(file, maxLineBytes, file.length + 1)).isEqualTo(report);

        byte[] record = recordLine(format, file, byteOrderMark, crlf);
        int limit = Math.max(maxLineBytes, record.length);
        ValidationReport alone = validate(file, limit, chunk);
        byte[] withRecord = concat(record, new byte[] {'\n'}, file);
        ValidationReport following = validate(withRecord, limit, chunk);
        assertConsistent(following, withRecord);
        assertThat(following.errors()).noneMatch(error -> error.line() == 1);
        // A byte order mark belongs at the start of a file only: after the record it is a line of its own, and wrong.
        if (alone.rows() == 0 && !startsWith(file, BOM)) {
            assertThat(following.format()).isEqualTo(format);
            assertThat(following.format().fitsMethods()).isNotEmpty();
        }
        if (!startsWith(file, BOM) && alone.errorCount() <= DatasetValidator.MAX_REPORTED_ERRORS
                && following.errorCount() <= DatasetValidator.MAX_REPORTED_ERRORS) {
            assertThat(following.rows()).isEqualTo(alone.rows() + 1);
            assertThat(linesOfOwnErrors(following))
                    .containsExactlyElementsOf(linesOfOwnErrors(alone).stream().map(line -> line + 1).toList());
        }
    }

    private static ValidationReport validate(byte[] file, int maxLineBytes, int chunk) {
        DatasetValidator validator = new DatasetValidator(maxLineBytes);
        for (int offset = 0; offset < file.length; offset += chunk) {
            validator.feed(file, offset, Math.min(chunk, file.length - offset));
        }
        ValidationReport report = validator.finish();
        assertThat(validator.finish()).isEqualTo(report);
        assertThatThrownBy(() -> validator.feed(file, 0, 0)).isInstanceOf(IllegalStateException.class);
        return report;
    }

    private static void assertConsistent(ValidationReport report, byte[] file) {
        long lines = lines(file);
        assertThat(report.errors()).hasSize((int) Math.min(report.errorCount(), DatasetValidator.MAX_REPORTED_ERRORS));
        assertThat(report.errorCount()).isLessThanOrEqualTo(report.rows());
        assertThat(report.rows()).isLessThanOrEqualTo(lines);
        long previous = 0;
        for (LineError error : report.errors()) {
            assertThat(error.line()).isGreaterThan(previous).isLessThanOrEqualTo(lines);
            assertThat(error.message()).isNotBlank().hasSizeLessThanOrEqualTo(301);
            previous = error.line();
        }
        assertThat(report.format() == DatasetFormat.INVALID)
                .isEqualTo(report.errorCount() > 0 || report.rows() == 0);
        assertThat(report.estimatedTokens()).isBetween(0L, (file.length + 3L) / 4);
        if (report.format() != DatasetFormat.INVALID) {
            // every valid record has at least one character of text
            assertThat(report.estimatedTokens()).isGreaterThanOrEqualTo((report.rows() + 3) / 4);
        }
    }

    /** The lines whose error is about the line itself, not about its format differing from an earlier line's. */
    private static List<Long> linesOfOwnErrors(ValidationReport report) {
        return report.errors().stream()
                .filter(error -> !error.message().contains(MIXED_FORMATS))
                .map(LineError::line)
                .toList();
    }

    /** A valid record of the format, its text taken from the file so the fuzzer steers it too. */
    private static byte[] recordLine(DatasetFormat format, byte[] file, boolean byteOrderMark, boolean crlf) {
        String decoded = new String(file, 0, Math.min(file.length, 64), StandardCharsets.UTF_8);
        String text = decoded.isEmpty() ? "x" : decoded;
        Map<String, Object> record = switch (format) {
            case SFT_TEXT -> Map.of("text", text);
            case SFT_PROMPT_COMPLETION -> Map.of("prompt", text, "completion", text + "!");
            case SFT_MESSAGES -> Map.of("messages", chat(text, true));
            case DPO -> file.length % 2 == 0
                    ? Map.of("prompt", text, "chosen", text + "+", "rejected", text + "-")
                    : Map.of("prompt", chat(text, false), "chosen", chat(text, true), "rejected", chat(text, true));
            case INVALID -> throw new IllegalArgumentException("INVALID has no records");
        };
        try {
            byte[] json = JSON.writeValueAsString(record).getBytes(StandardCharsets.UTF_8);
            return concat(byteOrderMark ? BOM : new byte[0], json, crlf ? new byte[] {'\r'} : new byte[0]);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Map<String, String>> chat(String text, boolean endsWithAssistant) {
        List<Map<String, String>> messages = new ArrayList<>();
        messages.add(Map.of("role", "system", "content", text));
        messages.add(Map.of("role", "user", "content", text));
        if (endsWithAssistant) {
            messages.add(Map.of("role", "assistant", "content", text));
        }
        return messages;
    }

    private static long lines(byte[] file) {
        long newlines = 0;
        for (byte b : file) {
            if (b == '\n') {
                newlines++;
            }
        }
        return file.length == 0 || file[file.length - 1] == '\n' ? newlines : newlines + 1;
    }

    private static boolean startsWith(byte[] file, byte[] prefix) {
        if (file.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (file[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
