package dev.trainpod.dataset.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DatasetValidatorTest {

    private static final String CHAT = "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}]}";
    private static final String PROMPT_COMPLETION = "{\"prompt\":\"2+2=\",\"completion\":\"4\"}";
    private static final String TEXT = "{\"text\":\"abcdefgh\"}";
    private static final String DPO = "{\"prompt\":\"Say hi\",\"chosen\":\"Hi!\",\"rejected\":\"Go away.\"}";
    private static final String DPO_CHAT = "{\"prompt\":[{\"role\":\"user\",\"content\":\"Say hi\"}],"
            + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"Hi!\"}],"
            + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"Go away.\"}]}";

    @Test
    void chatMessagesAreSftMessages() {
        ValidationReport report = validate(CHAT, CHAT);

        assertThat(report.format()).isEqualTo(DatasetFormat.SFT_MESSAGES);
        assertThat(report.rows()).isEqualTo(2);
        assertThat(report.errors()).isEmpty();
        assertThat(report.estimatedTokens()).isEqualTo((2 * ("Be brief.Hi" + "Hello!").length() + 3) / 4);
        assertThat(report.format().fitsMethods()).containsExactly("SFT");
    }

    @Test
    void promptAndCompletionAreSftPromptCompletion() {
        assertThat(validate(PROMPT_COMPLETION).format()).isEqualTo(DatasetFormat.SFT_PROMPT_COMPLETION);
    }

    @Test
    void textIsSftTextAndTokensAreAQuarterOfItsCharacters() {
        ValidationReport report = validate(TEXT, TEXT, TEXT);

        assertThat(report.format()).isEqualTo(DatasetFormat.SFT_TEXT);
        assertThat(report.estimatedTokens()).isEqualTo(6);
    }

    @Test
    void preferencePairsAreDpoAsStringsOrAsMessageLists() {
        assertThat(validate(DPO).format()).isEqualTo(DatasetFormat.DPO);
        assertThat(validate(DPO_CHAT).format()).isEqualTo(DatasetFormat.DPO);
        assertThat(DatasetFormat.DPO.fitsMethods()).containsExactly("DPO");
    }

    @Test
    void extraFieldsAreAllowed() {
        assertThat(validate("{\"text\":\"a\",\"source\":\"wiki\",\"id\":7}").format())
                .isEqualTo(DatasetFormat.SFT_TEXT);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"messages\":[{\"role\":\"bot\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":\"y\"}]}"
            + "|messages[0].role must be one of system, user, assistant",
        "{\"messages\":[{\"content\":\"x\"}]}|messages[0].role must be one of",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"\"},{\"role\":\"assistant\",\"content\":\"y\"}]}"
            + "|messages[0].content must not be empty",
        "{\"messages\":[{\"role\":\"user\",\"content\":3},{\"role\":\"assistant\",\"content\":\"y\"}]}"
            + "|messages[0].content must be a string",
        "{\"messages\":[{\"role\":\"assistant\"}]}|messages[0].content is missing",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|last message of messages must have role assistant",
        "{\"messages\":[]}|messages must not be empty",
        "{\"messages\":\"hi\"}|messages must be a list of messages",
        "{\"messages\":[\"hi\"]}|messages[0] must be an object",
        "{\"prompt\":\"x\"}|completion is missing",
        "{\"completion\":\"x\"}|prompt is missing",
        "{\"prompt\":\"x\",\"completion\":5}|completion must be a string",
        "{\"prompt\":\"\",\"completion\":\"y\"}|prompt must not be empty",
        "{\"text\":\"\"}|text must not be empty",
        "{\"text\":null}|text must be a string",
        "{\"prompt\":\"x\",\"chosen\":\"y\"}|rejected is missing",
        "{\"chosen\":\"y\",\"rejected\":\"z\"}|prompt is missing",
        "{\"prompt\":\"x\",\"chosen\":\"\",\"rejected\":\"z\"}|chosen must not be empty",
        "{\"prompt\":\"x\",\"chosen\":[{\"role\":\"assistant\",\"content\":\"y\"}],\"rejected\":\"z\"}"
            + "|must all be strings or all be message lists",
        "{\"prompt\":[{\"role\":\"user\",\"content\":\"x\"}],\"chosen\":[{\"role\":\"user\",\"content\":\"y\"}],"
            + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"z\"}]}|last message of chosen must have role assistant",
        "{\"input\":\"x\"}|no training fields",
        "[1,2]|must be a JSON object, found array",
        "\"text\"|must be a JSON object, found string",
        "{\"text\":\"a\"} {\"text\":\"b\"}|not valid JSON",
        "{\"text\":\"a\"|not valid JSON",
        "not json|not valid JSON",
    })
    void invalidRecordIsReportedWithItsLine(String record, String expected) {
        ValidationReport report = validate(TEXT, record);

        assertThat(report.format()).isEqualTo(DatasetFormat.INVALID);
        assertThat(report.errorCount()).isEqualTo(1);
        assertThat(report.errors()).singleElement().satisfies(error -> {
            assertThat(error.line()).isEqualTo(2);
            assertThat(error.message()).contains(expected);
        });
        assertThat(DatasetFormat.INVALID.fitsMethods()).isEmpty();
    }

    @Test
    void linesOfDifferentFormatsMakeTheDatasetInvalid() {
        ValidationReport report = validate(CHAT, CHAT, DPO, CHAT, TEXT);

        assertThat(report.format()).isEqualTo(DatasetFormat.INVALID);
        assertThat(report.errors()).extracting(LineError::line).containsExactly(3L, 5L);
        assertThat(report.errors().get(0).message()).contains("DPO").contains("line 1 is SFT_MESSAGES");
    }

    @Test
    void blankLinesAreSkippedButKeepTheLineNumbers() {
        ValidationReport report = validate("", TEXT, "   ", "\t", "bad", "");

        assertThat(report.rows()).isEqualTo(2);
        assertThat(report.errors()).extracting(LineError::line).containsExactly(5L);
    }

    @Test
    void windowsLineEndingsByteOrderMarkAndMissingFinalNewlineAreAccepted() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] rest = (TEXT + "\r\n" + TEXT).getBytes(StandardCharsets.UTF_8);
        DatasetValidator validator = new DatasetValidator(1024);
        validator.feed(bom, 0, bom.length);
        validator.feed(rest, 0, rest.length);

        ValidationReport report = validator.finish();

        assertThat(report.format()).isEqualTo(DatasetFormat.SFT_TEXT);
        assertThat(report.rows()).isEqualTo(2);
    }

    @Test
    void bytesThatAreNotUtf8AreReportedWithTheirPosition() {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes((TEXT + "\n").getBytes(StandardCharsets.UTF_8));
        file.writeBytes("{\"text\":\"caf".getBytes(StandardCharsets.UTF_8));
        file.write(0xE9);
        file.writeBytes("\"}\n".getBytes(StandardCharsets.UTF_8));
        byte[] bytes = file.toByteArray();

        ValidationReport report = feedWhole(bytes, 1024);

        assertThat(report.format()).isEqualTo(DatasetFormat.INVALID);
        assertThat(report.errors()).singleElement().satisfies(error -> {
            assertThat(error.line()).isEqualTo(2);
            assertThat(error.message()).contains("UTF-8").contains("byte 13");
        });
    }

    @Test
    void multiByteCharactersAreCountedAsText() {
        assertThat(validate("{\"text\":\"日本語のテキスト😀\"}").format()).isEqualTo(DatasetFormat.SFT_TEXT);
    }

    @Test
    void lineLongerThanTheLimitIsAnErrorAndTheNextLineIsStillRead() {
        String longLine = "{\"text\":\"" + "x".repeat(100) + "\"}";

        ValidationReport report = feedWhole((longLine + "\n" + TEXT + "\n").getBytes(StandardCharsets.UTF_8), 64);

        assertThat(report.rows()).isEqualTo(2);
        assertThat(report.errors()).singleElement().satisfies(error -> {
            assertThat(error.line()).isEqualTo(1);
            assertThat(error.message()).contains("longer than 64 bytes");
        });
    }

    @Test
    void onlyTheFirstHundredErrorsAreListedButAllAreCounted() {
        String[] lines = new String[250];
        Arrays.fill(lines, "oops");

        ValidationReport report = validate(lines);

        assertThat(report.errorCount()).isEqualTo(250);
        assertThat(report.errors()).hasSize(DatasetValidator.MAX_REPORTED_ERRORS);
        assertThat(report.errors().get(99).line()).isEqualTo(100);
    }

    @Test
    void reportIsTheSameHoweverTheBytesAreSplit() {
        byte[] bytes = String.join("\n", CHAT, "", "{\"text\":\"é😀\"}", "broken", DPO_CHAT)
                .getBytes(StandardCharsets.UTF_8);
        ValidationReport whole = feedWhole(bytes, 1024);

        DatasetValidator byteByByte = new DatasetValidator(1024);
        for (int i = 0; i < bytes.length; i++) {
            byteByByte.feed(bytes, i, 1);
        }

        assertThat(byteByByte.finish()).isEqualTo(whole);
        assertThat(whole.errors()).extracting(LineError::line).containsExactly(3L, 4L, 5L);
    }

    @Test
    void fileWithNothingButBlankLinesHasNoRows() {
        ValidationReport report = validate("", " ", "");

        assertThat(report.rows()).isZero();
        assertThat(report.format()).isEqualTo(DatasetFormat.INVALID);
    }

    /**
     * The ASCII fast path (the line parsed from its bytes) and the text path (non-ASCII lines, decoded first) report
     * the same errors at the same columns, with or without a byte order mark before the first line.
     */
    @Test
    void asciiAndNonAsciiLinesReportTheSameErrorAtTheSameColumn() {
        String ascii = "{\"text\": \"abc\" \"x\"}";
        String nonAscii = "{\"text\": \"abé\" \"x\"}";
        String a = validate(ascii).errors().get(0).message();
        String b = validate(nonAscii).errors().get(0).message();
        assertThat(a).contains("(column 16)").isEqualTo(b);
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = (ascii + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[bom.length + body.length];
        System.arraycopy(bom, 0, withBom, 0, 3);
        System.arraycopy(body, 0, withBom, 3, body.length);
        assertThat(feedWhole(withBom, 1024).errors().get(0).message()).isEqualTo(a);
        assertThat(validate("{\"text\": \"héllo wörld\"}", "{\"text\": \"plain ascii\"}").format())
                .isEqualTo(DatasetFormat.SFT_TEXT);
    }

    private static ValidationReport validate(String... lines) {
        return feedWhole((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8), 1024 * 1024);
    }

    private static ValidationReport feedWhole(byte[] bytes, int maxLineBytes) {
        DatasetValidator validator = new DatasetValidator(maxLineBytes);
        validator.feed(bytes, 0, bytes.length);
        return validator.finish();
    }
}
