package dev.trainpod.dataset.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The byte-level check against its oracle, the ordinary check (a tree and {@link RecordRules} on every line):
 * on realistic corpora (line lengths from a few bytes to many KiB, text in many scripts, 4-byte characters, CRLF,
 * a BOM) mixed with every kind of bad line, cut into chunks of every size, the two reports are equal: format,
 * rows, tokens, the same errors on the same line numbers, the same count.
 */
class ByteLevelValidationTest {

    private static final String[] WORDS = {"the", "model", "learns", "données", "l'été", "überprüfen", "Straße",
        "обучение", "модель", "学习", "数据集", "模型训练", "学習データ", "トークン", "학습", "데이터", "تعلم", "ज्ञान",
        "😀", "🚀", "naïve", "façade", "x", "\\\"quoted\\\"", "tab\\tand\\nnewline", "\\u00e9", "\\ud83d\\ude00"};

    /**
     * A valid object with a token cut off by the line's end after it: the fuzz test's find (a parser kept between
     * lines took these tails for the start of its next value and passed the line).
     */
    private static final String[] CUT_OFF = {"{\"text\":\"a\"}t", "{\"text\":\"a\"}1", "{\"text\":\"a\"}-",
        "{\"text\":\"a\"}\"x", "{\"text\":\"a\"} nul"};

    /** Lines the rules refuse, or the JSON parser, or the UTF-8 decoder; some only subtly. */
    private static final String[] BAD = {
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"x\"}]}",
        "{\"messages\":[]}", "{\"messages\":\"hi\"}", "{\"messages\":[1]}",
        "{\"messages\":[{\"role\":\"assistant\",\"content\":\"\"}]}",
        "{\"messages\":[{\"role\":\"assistant\"}]}",
        "{\"messages\":[{\"role\":\"assistant\",\"content\":\"a\",\"content\":\"\"}]}",
        "{\"text\":\"\"}", "{\"text\":null}", "{\"text\":5}", "{\"text\":\"a\",\"text\":\"\"}",
        "{\"text\":\"a\",\"text\":\"b\"}", "{\"prompt\":\"a\"}", "{\"prompt\":\"a\",\"chosen\":\"b\"}",
        "{\"prompt\":\"a\",\"chosen\":\"b\",\"rejected\":[{\"role\":\"assistant\",\"content\":\"c\"}]}",
        "{\"nothing\":1}", "[1,2]", "\"text\"", "42", "null", "{\"text\":\"a\"} {\"text\":\"b\"}",
        "{\"text\":\"a\"", "{\"text\":\"a\"}}", "{\"text\":'a'}", "{\"text\":\"a\",}", "{text:\"a\"}",
        "{\"text\":\"a\",\"n\":NaN}", "{\"text\":\"a\",\"n\":01}", "{\"text\":\"a\u0001\"}",
        "\uFEFF{\"text\":\"a\"}", "{\"text\":\"a\",\"deep\":" + "[".repeat(1200) + "]".repeat(1200) + "}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}],"
                + "\"text\":[1]}",

        CUT_OFF[0], CUT_OFF[1], CUT_OFF[2], CUT_OFF[3], CUT_OFF[4],
    };

    @Test
    void realisticCorporaWithBadLinesGiveTheOrdinaryReportInEveryChunking() {
        Random random = new Random(17);
        for (int corpus = 0; corpus < 30; corpus++) {
            byte[] file = corpus(random, corpus % 3 == 0);
            for (int chunk : new int[] {1, 7, 64, 4096, 65536, file.length}) {
                assertThat(report(file, chunk, true)).as("corpus %d, chunks of %d", corpus, chunk)
                        .isEqualTo(report(file, chunk, false));
            }
        }
    }

    @Test
    void everyBadLineBetweenValidOnesIsReportedAsTheOrdinaryCheckDoes() {
        for (String bad : BAD) {
            byte[] file = ("{\"text\":\"a\"}\n" + bad + "\n{\"text\":\"b\"}\n").getBytes(StandardCharsets.UTF_8);
            for (int chunk : new int[] {1, 3, file.length}) {
                ValidationReport fast = report(file, chunk, true);
                assertThat(fast).as("%s in chunks of %d", bad, chunk).isEqualTo(report(file, chunk, false));
                if (java.util.List.of(CUT_OFF).contains(bad)) {
                    assertThat(fast.errors()).as(bad).extracting(LineError::line).containsExactly(2L);
                }
            }
        }
    }

    @Test
    void invalidUtf8AndOverlongFormsGiveTheOrdinaryReport() {
        byte[][] lines = {
            {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, '"', '}'},
            {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'},
            {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'},
            {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', '}'},
            {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xE0, (byte) 0x80, (byte) 0x80, '"', '}'},
            {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80, '"', '}'},
            {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xFF, '"', '}'},
        };
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            file.writeBytes(line);
            file.write('\n');
        }
        byte[] bytes = file.toByteArray();
        for (int chunk : new int[] {1, 5, bytes.length}) {
            ValidationReport fast = report(bytes, chunk, true);
            assertThat(fast).isEqualTo(report(bytes, chunk, false));
            assertThat(fast.errorCount()).isEqualTo(6); // the 4-byte emoji line is valid
        }
    }

    @Test
    void aLongerLineThanAllowedAndABomOnTheFirstLineAreReportedAsBefore() {
        String big = "{\"text\":\"" + "é".repeat(3000) + "\"}";
        byte[] file = ("\uFEFF{\"text\":\"a\"}\n" + big + "\n{\"text\":\"b\"}\r\n\n  \n{\"text\":\"c\"}")
                .getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[] {1, 100, file.length}) {
            ValidationReport fast = report(file, chunk, true, 4096);
            assertThat(fast).isEqualTo(report(file, chunk, false, 4096));
            assertThat(fast.rows()).isEqualTo(4);
            assertThat(fast.errors()).extracting(LineError::line).containsExactly(2L);
        }
    }

    private static byte[] corpus(Random random, boolean withBadLines) {
        StringBuilder out = new StringBuilder();
        int lines = 50 + random.nextInt(150);
        int format = random.nextInt(4);
        for (int i = 0; i < lines; i++) {
            if (withBadLines && random.nextInt(8) == 0) {
                out.append(BAD[random.nextInt(BAD.length)]);
            } else if (random.nextInt(30) == 0) {
                out.append(random.nextBoolean() ? "" : " \t");
            } else {
                out.append(record(random, random.nextInt(20) == 0 ? random.nextInt(4) : format));
            }
            out.append(random.nextInt(10) == 0 ? "\r\n" : "\n");
        }
        if (random.nextBoolean()) {
            out.setLength(out.length() - 1); // no newline at the end
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String record(Random random, int format) {
        return switch (format) {
            case 0 -> "{\"messages\":[" + (random.nextBoolean() ? message("system", random) + "," : "")
                    + message("user", random) + "," + message("assistant", random) + "],\"id\":" + random.nextInt() + "}";
            case 1 -> "{\"prompt\":\"" + text(random) + "\",\"completion\":\"" + text(random)
                    + "\",\"meta\":{\"source\":\"" + text(random) + "\",\"n\":[1,2.5e3,true,null]}}";
            case 2 -> "{\"source\":\"wiki\",\"text\":\"" + text(random) + "\"}";
            default -> random.nextBoolean()
                    ? "{\"prompt\":\"" + text(random) + "\",\"chosen\":\"" + text(random) + "\",\"rejected\":\""
                            + text(random) + "\"}"
                    : "{\"prompt\":[" + message("user", random) + "],\"chosen\":[" + message("assistant", random)
                            + "],\"rejected\":[" + message("assistant", random) + "]}";
        };
    }

    private static String message(String role, Random random) {
        return "{\"role\":\"" + role + "\",\"content\":\"" + text(random) + "\"}";
    }

    /** 1 to ~2000 words: lines from tens of bytes to many KiB. */
    private static String text(Random random) {
        int words = 1 + (random.nextInt(10) == 0 ? random.nextInt(2000) : random.nextInt(40));
        List<String> picked = new ArrayList<>(words);
        for (int i = 0; i < words; i++) {
            picked.add(WORDS[random.nextInt(WORDS.length)]);
        }
        return String.join(" ", picked);
    }

    private static ValidationReport report(byte[] file, int chunk, boolean byteLevel) {
        return report(file, chunk, byteLevel, 1 << 20);
    }

    private static ValidationReport report(byte[] file, int chunk, boolean byteLevel, int maxLineBytes) {
        DatasetValidator validator = new DatasetValidator(maxLineBytes, byteLevel);
        for (int at = 0; at < file.length; at += chunk) {
            validator.feed(file, at, Math.min(chunk, file.length - at));
        }
        return validator.finish();
    }
}
