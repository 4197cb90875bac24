package dev.trainpod.dataset.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The byte-level scanner: it accepts the records a realistic upload has (so they never take the slow path), counts
 * their characters as {@code String.length()} does without decoding, and whatever it accepts the ordinary check
 * (a tree and {@link RecordRules}) accepts with the same shape, for lines mutated at random byte by byte.
 */
class RecordScannerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = {"the", "model", "données", "Straße", "обучение", "学习", "数据集",
        "トークン", "학습", "تعلم", "ज्ञान", "😀", "🚀", "naïve", "\\\"q\\\"", "a\\tb\\nc", "\\u00e9", "\\ud83d\\ude00",
        "\\/", "\\\\", "\\b\\f\\r", "\u007f"};
    /** Bytes a mutation puts in: JSON's structure, escapes, digits, whitespace, controls, UTF-8 lead and tail bytes. */
    private static final byte[] NOISE = {'{', '}', '[', ']', '"', '\\', ',', ':', ' ', '\t', '\r', '0', '1', '-', '.',
        'e', 'E', '+', 't', 'n', 'u', 'x', 'a', 0, 1, 0x1f, (byte) 0x80, (byte) 0xBF, (byte) 0xC0, (byte) 0xC3,
        (byte) 0xE0, (byte) 0xED, (byte) 0xEF, (byte) 0xF0, (byte) 0xF4, (byte) 0xF5, (byte) 0xFF};

    @Test
    void realisticRecordsOfEveryFormatAreAcceptedWithTheirCharactersCounted() throws Exception {
        Random random = new Random(5);
        for (int n = 0; n < 2000; n++) {
            String line = record(random, n % 5);
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            RecordRules.Shape shape = new RecordScanner().check(bytes, 0, bytes.length);
            assertThat(shape).as(line).isNotNull().isEqualTo(ordinary(line));
        }
    }

    @Test
    void aLineInAChunkIsReadUpToItsNewlineAndNoFurther() {
        byte[] chunk = "{\"text\":\"ab\"}\r\n{\"text\":\"c\"}\n{\"text\":\"cut".getBytes(StandardCharsets.UTF_8);
        RecordScanner scanner = new RecordScanner();
        assertThat(scanner.scanLine(chunk, 0, chunk.length)).isEqualTo(14);
        assertThat(scanner.shape()).isEqualTo(new RecordRules.Shape(DatasetFormat.SFT_TEXT, 2));
        assertThat(scanner.scanLine(chunk, 15, chunk.length)).isEqualTo(27);
        assertThat(scanner.scanLine(chunk, 28, chunk.length)).isEqualTo(-1); // no newline: the line goes on
        assertThat(scanner.scanLine(chunk, 0, 14)).isEqualTo(-1); // the newline lies past the limit
    }

    @Test
    void whatLiesNearJacksonsLimitsIsLeftToTheOrdinaryCheck() {
        String deep = "{\"text\":\"a\",\"x\":" + "[".repeat(80) + "]".repeat(80) + "}";
        String longNumber = "{\"text\":\"a\",\"x\":" + "1".repeat(100) + "}";
        for (String line : new String[] {deep, longNumber}) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            assertThat(new RecordScanner().check(bytes, 0, bytes.length)).as(line).isNull();
        }
    }

    @Test
    void whateverItAcceptsTheOrdinaryCheckAcceptsWithTheSameShape() throws Exception {
        Random random = new Random(11);
        RecordScanner scanner = new RecordScanner();
        int accepted = 0;
        for (int n = 0; n < 60_000; n++) {
            byte[] bytes = mutate(record(random, n % 5).getBytes(StandardCharsets.UTF_8), random);
            RecordRules.Shape fast = scanner.check(bytes, 0, bytes.length);
            if (fast != null) {
                accepted++;
                assertThat(fast).as(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(ordinary(bytes));
            }
        }
        assertThat(accepted).isGreaterThan(1000); // the mutations leave many lines valid: the check is exercised
    }

    @Test
    void aPlainTextRunReadEightBytesAtATimeEndsWhereTheByteByByteLoopEnds() {
        Random random = new Random(23);
        // every byte value that ends a run, at every lane of a word, with plain text of every length before it
        byte[] enders = new byte[256];
        int n = 0;
        for (int c = 0; c < 256; c++) {
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
                enders[n++] = (byte) c;
            }
        }
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[1 + random.nextInt(40)];
            for (int k = 0; k < bytes.length; k++) {
                bytes[k] = (byte) (0x20 + random.nextInt(0x60)); // 0x20..0x7F: plain text, but quote and backslash
                if (bytes[k] == '"' || bytes[k] == '\\') {
                    bytes[k] = 'a';
                }
            }
            for (int e = random.nextInt(3); e > 0; e--) {
                bytes[random.nextInt(bytes.length)] = enders[random.nextInt(n)];
            }
            int from = random.nextInt(bytes.length);
            int stop = from + random.nextInt(bytes.length - from + 1);
            assertThat(RecordScanner.plainRun(bytes, from, stop)).as("%s [%d, %d)", java.util.Arrays.toString(bytes),
                    from, stop).isEqualTo(byteByByte(bytes, from, stop));
        }
    }

    private static int byteByByte(byte[] bytes, int at, int stop) {
        while (at < stop && bytes[at] >= 0x20 && bytes[at] != '"' && bytes[at] != '\\') {
            at++;
        }
        return at;
    }

    /** One to three random edits: a byte replaced, inserted or removed, or a span removed. */
    private static byte[] mutate(byte[] line, Random random) {
        byte[] out = line;
        for (int edits = 1 + random.nextInt(3); edits > 0 && out.length > 0; edits--) {
            int at = random.nextInt(out.length);
            byte noise = NOISE[random.nextInt(NOISE.length)];
            switch (random.nextInt(4)) {
                case 0 -> out[at] = noise;
                case 1 -> {
                    byte[] longer = new byte[out.length + 1];
                    System.arraycopy(out, 0, longer, 0, at);
                    longer[at] = noise;
                    System.arraycopy(out, at, longer, at + 1, out.length - at);
                    out = longer;
                }
                case 2 -> {
                    byte[] shorter = new byte[out.length - 1];
                    System.arraycopy(out, 0, shorter, 0, at);
                    System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
                    out = shorter;
                }
                default -> {
                    int to = Math.min(out.length, at + 1 + random.nextInt(8));
                    byte[] shorter = new byte[out.length - (to - at)];
                    System.arraycopy(out, 0, shorter, 0, at);
                    System.arraycopy(out, to, shorter, at, out.length - to);
                    out = shorter;
                }
            }
        }
        return out;
    }

    /** The ordinary check's shape of a line, or null where it reports an error. */
    private static RecordRules.Shape ordinary(byte[] bytes) {
        DatasetValidator validator = new DatasetValidator(1 << 20, false);
        byte[] line = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, line, 0, bytes.length);
        line[bytes.length] = '\n';
        validator.feed(line, 0, line.length);
        ValidationReport report = validator.finish();
        return report.errorCount() == 0 && report.rows() == 1
                ? new RecordRules.Shape(report.format(), ordinaryChars(bytes)) : null;
    }

    private static RecordRules.Shape ordinary(String line) throws Exception {
        JsonNode node = JSON.readTree(line);
        return RecordRules.classify(node);
    }

    private static long ordinaryChars(byte[] bytes) {
        try {
            return RecordRules.classify(JSON.readTree(new String(bytes, StandardCharsets.UTF_8))).chars();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String record(Random random, int format) {
        return switch (format) {
            case 0 -> "{\"messages\":[" + (random.nextBoolean() ? message("system", random) + "," : "")
                    + message("user", random) + " , " + message("assistant", random) + "],\"id\":"
                    + (random.nextInt() / 7.0) + "}";
            case 1 -> "{ \"prompt\" : \"" + text(random) + "\",\"completion\":\"" + text(random)
                    + "\",\"meta\":{\"source\":\"" + text(random) + "\",\"n\":[1,-2.5e3,0,1E+2,true,false,null,{}],"
                    + "\"e\":[]}}\t";
            case 2 -> "{\"source\":\"wiki\",\"text\":\"" + text(random) + "\",\"x\":-0.0}";
            case 3 -> "{\"prompt\":\"" + text(random) + "\",\"chosen\":\"" + text(random) + "\",\"rejected\":\""
                    + text(random) + "\"}";
            default -> "{\"prompt\":[" + message("user", random) + "],\"chosen\":[" + message("assistant", random)
                    + "],\"rejected\":[" + message("user", random) + "," + message("assistant", random) + "]}";
        };
    }

    private static String message(String role, Random random) {
        return "{\"role\":\"" + role + "\",\"content\":\"" + text(random) + "\",\"w\":1}";
    }

    private static String text(Random random) {
        StringBuilder text = new StringBuilder();
        for (int words = 1 + random.nextInt(12); words > 0; words--) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        return text.toString();
    }
}
