package dev.trainpod.metrics.service;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Makes text that pods send storable: PostgreSQL rejects NUL characters, and some fields have a size limit. */
final class Texts {

    private Texts() {
    }

    /** The text with NUL characters replaced, cut to at most {@code maxChars} characters; null stays null. */
    static String clean(String text, int maxChars) {
        if (text == null) {
            return null;
        }
        String cut = text.length() > maxChars ? text.substring(0, maxChars) : text;
        return cut.indexOf('\u0000') < 0 ? cut : cut.replace('\u0000', '\uFFFD');
    }

    /** The end of the text, at most {@code maxBytes} bytes of UTF-8, starting on a whole character. */
    static String lastBytes(String text, int maxBytes) {
        if (text == null) {
            return null;
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= maxBytes) {
            return clean(text, text.length());
        }
        int from = utf8.length - maxBytes;
        while (from < utf8.length && (utf8[from] & 0xC0) == 0x80) {
            from++; // a continuation byte: the character started before the cut
        }
        String tail = new String(Arrays.copyOfRange(utf8, from, utf8.length), StandardCharsets.UTF_8);
        return clean(tail, tail.length());
    }
}
