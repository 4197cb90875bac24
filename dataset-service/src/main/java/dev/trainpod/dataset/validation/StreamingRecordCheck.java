package dev.trainpod.dataset.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;

/**
 * The byte-level check of one line: Jackson's non-blocking byte parser is fed the line's bytes where they lie (in
 * the upload's chunk, or in the line buffer when a line spans chunks) and its tokens are checked against the
 * {@link RecordRules} as they pass, with no String per line, no tree, no decoding into a char buffer of the line.
 * It answers the record's shape for a valid line, and null for anything else (not strict UTF-8, not JSON, not one
 * object, a duplicate field, any rule broken), which the caller then checks the ordinary way
 * ({@link RecordRules} on a tree), so that every error message, column and count is exactly what it was.
 * One instance serves one validator (one thread); each line gets a fresh parser told where the line ends, so a
 * token cut off by the line's end (a {@code t} after the object, an unterminated string) is an error: a parser kept
 * from line to line took such a tail for the start of its next value and passed the line.
 */
final class StreamingRecordCheck {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final char[] SYSTEM = "system".toCharArray();
    private static final char[] USER = "user".toCharArray();
    private static final char[] ASSISTANT = "assistant".toCharArray();

    // the top-level fields the rules look at, by bit
    private static final int PROMPT = 0;
    private static final int COMPLETION = 1;
    private static final int TEXT = 2;
    private static final int CHOSEN = 3;
    private static final int REJECTED = 4;
    private static final int MESSAGES = 5;
    private static final int FIELDS = 6;

    /** What one looked-at field held: a non-empty string (its chars), a valid message list, or something else. */
    private static final int OTHER = 0;
    private static final int STRING = 1;
    private static final int LIST = 2;

    private final int[] kind = new int[FIELDS];
    private final long[] chars = new long[FIELDS];
    private final boolean[] endsWithAssistant = new boolean[FIELDS];
    private JsonParser parser;

    /** The shape of the record on {@code bytes[from, to)}, or null when the ordinary check must say why not. */
    RecordRules.Shape check(byte[] bytes, int from, int to) {
        if (!strictUtf8(bytes, from, to) || (to - from >= 3 && bytes[from] == (byte) 0xEF
                && bytes[from + 1] == (byte) 0xBB && bytes[from + 2] == (byte) 0xBF)) {
            return null; // a byte order mark here is an error (the first line's is cut off before), yet a fresh
                         // parser would skip it as the start of its document
        }
        try (JsonParser fresh = FACTORY.createNonBlockingByteArrayParser()) {
            parser = fresh;
            return record(bytes, from, to);
        } catch (IOException | RuntimeException e) {
            return null;
        } finally {
            parser = null;
        }
    }

    private RecordRules.Shape record(byte[] bytes, int from, int to) throws IOException {
        ByteArrayFeeder feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
        feeder.feedInput(bytes, from, to);
        feeder.endOfInput(); // a token cut off at the line's end is an error, not a token still to come
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        java.util.Arrays.fill(kind, -1);
        JsonToken t;
        while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
            int field = field(parser.currentName());
            JsonToken v = parser.nextToken();
            if (field < 0) {
                if (!skip(v)) {
                    return null;
                }
                continue;
            }
            if (kind[field] != -1) {
                return null; // a repeated field: the tree keeps the last one; the ordinary check decides
            }
            kind[field] = OTHER;
            if (v == JsonToken.VALUE_STRING) {
                int length = parser.getTextLength();
                if (length > 0) {
                    kind[field] = STRING;
                    chars[field] = length;
                }
            } else if (v == JsonToken.START_ARRAY) {
                long listChars = messages(field);
                if (listChars < 0) {
                    return null;
                }
                kind[field] = LIST;
                chars[field] = listChars;
            } else if (!skip(v)) {
                return null;
            }
        }
        // exactly one value on the line, and nothing but whitespace after it
        if (t != JsonToken.END_OBJECT || parser.nextToken() != null) {
            return null;
        }
        return shape();
    }

    /** The shape the rules give the fields read, or null if they give an error. */
    private RecordRules.Shape shape() {
        if (kind[CHOSEN] != -1 || kind[REJECTED] != -1) {
            if (kind[PROMPT] == STRING && kind[CHOSEN] == STRING && kind[REJECTED] == STRING) {
                return new RecordRules.Shape(DatasetFormat.DPO, chars[PROMPT] + chars[CHOSEN] + chars[REJECTED]);
            }
            if (kind[PROMPT] == LIST && kind[CHOSEN] == LIST && kind[REJECTED] == LIST
                    && endsWithAssistant[CHOSEN] && endsWithAssistant[REJECTED]) {
                return new RecordRules.Shape(DatasetFormat.DPO, chars[PROMPT] + chars[CHOSEN] + chars[REJECTED]);
            }
            return null;
        }
        if (kind[MESSAGES] != -1) {
            return kind[MESSAGES] == LIST && endsWithAssistant[MESSAGES]
                    ? new RecordRules.Shape(DatasetFormat.SFT_MESSAGES, chars[MESSAGES]) : null;
        }
        if (kind[PROMPT] != -1 || kind[COMPLETION] != -1) {
            return kind[PROMPT] == STRING && kind[COMPLETION] == STRING
                    ? new RecordRules.Shape(DatasetFormat.SFT_PROMPT_COMPLETION, chars[PROMPT] + chars[COMPLETION])
                    : null;
        }
        if (kind[TEXT] != -1) {
            return kind[TEXT] == STRING ? new RecordRules.Shape(DatasetFormat.SFT_TEXT, chars[TEXT]) : null;
        }
        return null;
    }

    /**
     * Reads a message list (the parser on its START_ARRAY): the chars of its contents when it is a non-empty list
     * of objects each with a known role and a non-empty content; -1 otherwise. Notes whether the last role is the
     * assistant's.
     */
    private long messages(int field) throws IOException {
        long total = 0;
        int count = 0;
        boolean lastAssistant = false;
        JsonToken t;
        while ((t = parser.nextToken()) == JsonToken.START_OBJECT) {
            int role = -1;
            long content = -1;
            JsonToken f;
            while ((f = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken v = parser.nextToken();
                if ("role".equals(name)) {
                    if (role != -1 || v != JsonToken.VALUE_STRING) {
                        return -1;
                    }
                    role = role();
                    if (role < 0) {
                        return -1;
                    }
                } else if ("content".equals(name)) {
                    if (content != -1 || v != JsonToken.VALUE_STRING || parser.getTextLength() == 0) {
                        return -1;
                    }
                    content = parser.getTextLength();
                } else if (!skip(v)) {
                    return -1;
                }
            }
            if (f != JsonToken.END_OBJECT || role < 0 || content < 0) {
                return -1;
            }
            total += content;
            count++;
            lastAssistant = role == 2;
        }
        if (t != JsonToken.END_ARRAY || count == 0) {
            return -1;
        }
        endsWithAssistant[field] = lastAssistant;
        return total;
    }

    /** 0 system, 1 user, 2 assistant, -1 anything else; read from the parser's chars, no String. */
    private int role() throws IOException {
        char[] text = parser.getTextCharacters();
        int offset = parser.getTextOffset();
        int length = parser.getTextLength();
        if (same(text, offset, length, SYSTEM)) {
            return 0;
        }
        if (same(text, offset, length, USER)) {
            return 1;
        }
        return same(text, offset, length, ASSISTANT) ? 2 : -1;
    }

    private static boolean same(char[] text, int offset, int length, char[] word) {
        if (length != word.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (text[offset + i] != word[i]) {
                return false;
            }
        }
        return true;
    }

    /** Skips a value (the parser on its first token); false if the line ends inside it. */
    private boolean skip(JsonToken first) throws IOException {
        if (first == null || first == JsonToken.NOT_AVAILABLE) {
            return false;
        }
        if (!first.isStructStart()) {
            return true;
        }
        int depth = 1;
        while (depth > 0) {
            JsonToken t = parser.nextToken();
            if (t == null || t == JsonToken.NOT_AVAILABLE) {
                return false;
            }
            if (t.isStructStart()) {
                depth++;
            } else if (t.isStructEnd()) {
                depth--;
            }
        }
        return true;
    }

    private static int field(String name) {
        return switch (name) {
            case "prompt" -> PROMPT;
            case "completion" -> COMPLETION;
            case "text" -> TEXT;
            case "chosen" -> CHOSEN;
            case "rejected" -> REJECTED;
            case "messages" -> MESSAGES;
            default -> -1;
        };
    }

    /**
     * Whether the bytes are UTF-8 as Java's strict decoder reads it (no overlong forms, no surrogates, nothing
     * above U+10FFFF); an ASCII byte costs one test.
     */
    static boolean strictUtf8(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            if (c >= 0xC2 && c <= 0xDF) {
                if (i + 1 >= to || !cont(b[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                if (i + 2 >= to || !cont(b[i + 1]) || !cont(b[i + 2])) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) {
                    return false;
                }
                i += 3;
            } else if (c >= 0xF0 && c <= 0xF4) {
                if (i + 3 >= to || !cont(b[i + 1]) || !cont(b[i + 2]) || !cont(b[i + 3])) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) {
                    return false;
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    private static boolean cont(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
