package dev.trainpod.dataset.validation;

/**
 * The byte-level check of one line, written for the {@link RecordRules} alone: a strict JSON scanner over the raw
 * UTF-8 where the bytes lie (in the upload's chunk, or in the line buffer when a line spans chunks). It decodes
 * nothing: a string's length in UTF-16 chars (what the rules count) is its ASCII bytes, plus one per 2- or 3-byte
 * sequence and two per 4-byte one, plus one per escape; the only strings compared are field names and roles, as
 * bytes. An ASCII run costs one test a byte.
 * <p>
 * It answers the record's shape for a line it accepts and null for anything else (not strict UTF-8, not strict
 * JSON, not one object, a repeated field the rules read, an escaped field name or role, any rule broken, anything
 * near a limit of Jackson's), which the caller then checks the ordinary way ({@link RecordRules} on a tree), so that
 * every error message, column and count is exactly what it was. What it accepts is a subset of what Jackson's
 * default parser accepts: RFC 8259 JSON, with nesting, numbers, names and strings well inside Jackson's
 * {@code StreamReadConstraints}. One instance serves one validator (one thread).
 */
final class RecordScanner {

    /** Deeper nesting is left to the ordinary check (Jackson refuses 500 or 1000 levels, by version). */
    private static final int MAX_DEPTH = 64;
    /** Longer numbers are left to the ordinary check (Jackson refuses more than 1000 chars). */
    private static final int MAX_NUMBER_BYTES = 64;
    /** Longer names are left to the ordinary check (Jackson refuses 50,000 bytes). */
    private static final int MAX_NAME_BYTES = 1024;
    /** Longer strings are left to the ordinary check (Jackson refuses 20M chars; 5M in 2.15.0). */
    private static final int MAX_STRING_BYTES = 1 << 22;

    private static final byte[] SYSTEM = {'s', 'y', 's', 't', 'e', 'm'};
    private static final byte[] USER = {'u', 's', 'e', 'r'};
    private static final byte[] ASSISTANT = {'a', 's', 's', 'i', 's', 't', 'a', 'n', 't'};
    private static final byte[] ROLE = {'r', 'o', 'l', 'e'};
    private static final byte[] CONTENT = {'c', 'o', 'n', 't', 'e', 'n', 't'};
    private static final byte[][] NAMES = {
        {'p', 'r', 'o', 'm', 'p', 't'}, {'c', 'o', 'm', 'p', 'l', 'e', 't', 'i', 'o', 'n'}, {'t', 'e', 'x', 't'},
        {'c', 'h', 'o', 's', 'e', 'n'}, {'r', 'e', 'j', 'e', 'c', 't', 'e', 'd'},
        {'m', 'e', 's', 's', 'a', 'g', 'e', 's'}};

    // the top-level fields the rules look at, by index in NAMES
    private static final int PROMPT = 0;
    private static final int COMPLETION = 1;
    private static final int TEXT = 2;
    private static final int CHOSEN = 3;
    private static final int REJECTED = 4;
    private static final int MESSAGES = 5;
    private static final int FIELDS = 6;

    /** What one looked-at field held: absent, a non-empty string (its chars), a valid message list, or else. */
    private static final int ABSENT = -1;
    private static final int OTHER = 0;
    private static final int STRING = 1;
    private static final int LIST = 2;

    /** Thrown where the line is not what this scanner accepts; the ordinary check then says why. */
    private static final RuntimeException REFUSED = new Refused();

    // Strict UTF-8 inside a string as a table-driven automaton (after Bjoern Hoehrmann's decoder): each byte has a
    // type, each state and type a next state (states are multiples of 16, so state + type indexes MOVES); what Java's
    // strict decoder refuses (overlong forms, surrogates, above U+10FFFF, a sequence cut off) and a control
    // character lead to REFUSE; a quote or a backslash ends the run only between characters. CHARS: the UTF-16
    // chars a byte of that type starts (a 4-byte character is a surrogate pair).
    private static final int ACCEPT = 0;
    private static final int QUOTE = 8 * 16;
    private static final int ESCAPE = 9 * 16;
    private static final int REFUSE = 10 * 16;
    private static final byte[] TYPES = new byte[256];

    // eight bytes at a time in plain ASCII runs (SWAR): a word read from the array in either byte order would do
    private static final java.lang.invoke.VarHandle WORDS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long CONTROLS = ONES * 0x20;
    private static final long QUOTES = ONES * '"';
    private static final long BACKSLASHES = ONES * '\\';
    private static final int[] MOVES = new int[11 * 16];
    private static final int[] CHARS = {1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 0, 0};

    static {
        // types: 0 ASCII text, 1 quote, 2 backslash, 3 control, 4 80..8F, 5 90..9F, 6 A0..BF, 7 C2..DF, 8 E0,
        // 9 E1..EC and EE..EF, 10 ED, 11 F0, 12 F1..F3, 13 F4, 14 never in UTF-8 (C0, C1, F5..FF)
        for (int c = 0; c < 256; c++) {
            TYPES[c] = (byte) (c < 0x20 ? 3 : c == '"' ? 1 : c == '\\' ? 2 : c < 0x80 ? 0 : c < 0x90 ? 4 : c < 0xA0 ? 5
                    : c < 0xC0 ? 6 : c < 0xC2 ? 14 : c < 0xE0 ? 7 : c == 0xE0 ? 8 : c == 0xED ? 10 : c < 0xF0 ? 9
                    : c == 0xF0 ? 11 : c < 0xF4 ? 12 : c == 0xF4 ? 13 : 14);
        }
        java.util.Arrays.fill(MOVES, REFUSE);
        int need1 = 16;
        int need2 = 2 * 16;
        int afterE0 = 3 * 16;
        int afterED = 4 * 16;
        int afterF0 = 5 * 16;
        int afterF1 = 6 * 16;
        int afterF4 = 7 * 16;
        int[] fromAccept = {ACCEPT, QUOTE, ESCAPE, REFUSE, REFUSE, REFUSE, REFUSE, need1, afterE0, need2, afterED,
            afterF0, afterF1, afterF4, REFUSE, REFUSE};
        System.arraycopy(fromAccept, 0, MOVES, ACCEPT, 16);
        for (int type = 4; type <= 6; type++) {
            MOVES[need1 + type] = ACCEPT;
            MOVES[need2 + type] = need1;
            MOVES[afterF1 + type] = need2;
        }
        MOVES[afterE0 + 6] = need1;
        MOVES[afterED + 4] = need1;
        MOVES[afterED + 5] = need1;
        MOVES[afterF0 + 5] = need2;
        MOVES[afterF0 + 6] = need2;
        MOVES[afterF4 + 4] = need2;
    }

    private final int[] kind = new int[FIELDS];
    private final long[] chars = new long[FIELDS];
    private final boolean[] endsWithAssistant = new boolean[FIELDS];

    private byte[] b;
    private int i;
    private int end;
    /** The last string read: its chars, and whether it had an escape (then its bytes are not its text). */
    private long stringChars;
    private boolean stringEscaped;
    private int stringStart;
    private int stringEnd;
    private RecordRules.Shape shape;

    /** The shape of the record on {@code bytes[from, to)} (no newline in it), or null for the ordinary check. */
    RecordRules.Shape check(byte[] bytes, int from, int to) {
        try {
            start(bytes, from, to);
            int stop = object();
            return stop == to ? shape : null;
        } catch (RuntimeException e) {
            return null;
        } finally {
            b = null;
        }
    }

    /**
     * Reads one line from {@code from}, up to its newline, which must come before {@code limit}: the index of that
     * newline when the line is a record this scanner accepts ({@link #shape()} then tells its shape), -1 otherwise
     * (no newline before {@code limit}, or anything the ordinary check must look at).
     */
    int scanLine(byte[] bytes, int from, int limit) {
        try {
            start(bytes, from, limit);
            int stop = object();
            return stop < limit && bytes[stop] == '\n' ? stop : -1;
        } catch (RuntimeException e) {
            return -1;
        } finally {
            b = null;
        }
    }

    /** The shape of the last line {@link #scanLine} accepted. */
    RecordRules.Shape shape() {
        return shape;
    }

    private void start(byte[] bytes, int from, int to) {
        b = bytes;
        i = from;
        end = to;
        shape = null;
        java.util.Arrays.fill(kind, ABSENT);
    }

    /** The record object with whitespace around it; where the scan stopped (the line's end, or a newline). */
    private int object() {
        space();
        expect('{');
        space();
        if (peek() != '"') {
            throw REFUSED; // {} has no training fields; anything else is not JSON
        }
        while (true) {
            expect('"');
            int field = name(NAMES);
            space();
            expect(':');
            space();
            if (field < 0) {
                value(2);
            } else {
                if (kind[field] != ABSENT) {
                    throw REFUSED; // a repeated field: the tree keeps the last one; the ordinary check decides
                }
                fieldValue(field);
            }
            if (!more('}')) {
                break;
            }
        }
        space();
        shape = shapeOfFields();
        if (shape == null) {
            throw REFUSED;
        }
        return i;
    }

    /** A looked-at field's value: a string, a message list, or anything else (noted as such). */
    private void fieldValue(int field) {
        byte c = peek();
        if (c == '"') {
            i++;
            string();
            kind[field] = stringChars > 0 ? STRING : OTHER;
            chars[field] = stringChars;
        } else if (c == '[') {
            i++;
            chars[field] = messages(field);
            kind[field] = LIST;
        } else {
            value(2);
            kind[field] = OTHER;
        }
    }

    /** The shape the rules give the fields read, or null if they give an error. */
    private RecordRules.Shape shapeOfFields() {
        if (kind[CHOSEN] != ABSENT || kind[REJECTED] != ABSENT) {
            if (kind[PROMPT] == STRING && kind[CHOSEN] == STRING && kind[REJECTED] == STRING
                    || kind[PROMPT] == LIST && kind[CHOSEN] == LIST && kind[REJECTED] == LIST
                    && endsWithAssistant[CHOSEN] && endsWithAssistant[REJECTED]) {
                return new RecordRules.Shape(DatasetFormat.DPO, chars[PROMPT] + chars[CHOSEN] + chars[REJECTED]);
            }
            return null;
        }
        if (kind[MESSAGES] != ABSENT) {
            return kind[MESSAGES] == LIST && endsWithAssistant[MESSAGES]
                    ? new RecordRules.Shape(DatasetFormat.SFT_MESSAGES, chars[MESSAGES]) : null;
        }
        if (kind[PROMPT] != ABSENT || kind[COMPLETION] != ABSENT) {
            return kind[PROMPT] == STRING && kind[COMPLETION] == STRING
                    ? new RecordRules.Shape(DatasetFormat.SFT_PROMPT_COMPLETION, chars[PROMPT] + chars[COMPLETION])
                    : null;
        }
        if (kind[TEXT] != ABSENT) {
            return kind[TEXT] == STRING ? new RecordRules.Shape(DatasetFormat.SFT_TEXT, chars[TEXT]) : null;
        }
        return null;
    }

    /**
     * A message list (after its {@code [}): the chars of its contents when it is a non-empty list of objects, each
     * with one role of system, user or assistant and one non-empty content; refused otherwise. Notes whether the
     * last role is the assistant's.
     */
    private long messages(int field) {
        long total = 0;
        int lastRole = -1;
        space();
        if (peek() != '{') {
            throw REFUSED; // empty, or not objects: the rules refuse it
        }
        while (true) {
            expect('{');
            int role = -1;
            long content = -1;
            space();
            if (peek() != '}') {
                while (true) {
                    expect('"');
                    int name = name(ROLE, CONTENT);
                    space();
                    expect(':');
                    space();
                    if (name == 0) {
                        expect('"');
                        string();
                        if (role != -1 || stringEscaped) {
                            throw REFUSED;
                        }
                        role = role();
                    } else if (name == 1) {
                        expect('"');
                        string();
                        if (content != -1 || stringChars == 0) {
                            throw REFUSED;
                        }
                        content = stringChars;
                    } else {
                        value(4);
                    }
                    if (!more('}')) {
                        break;
                    }
                }
            } else {
                i++;
            }
            if (role < 0 || content < 0) {
                throw REFUSED;
            }
            total += content;
            lastRole = role;
            if (!more(']')) {
                break;
            }
        }
        endsWithAssistant[field] = lastRole == 2;
        return total;
    }

    /** 0 system, 1 user, 2 assistant (the last string read, unescaped); refused otherwise. */
    private int role() {
        if (same(SYSTEM)) {
            return 0;
        }
        if (same(USER)) {
            return 1;
        }
        if (same(ASSISTANT)) {
            return 2;
        }
        throw REFUSED;
    }

    /**
     * A field name (after its opening quote), matched against {@code names}: the index of the one it is, -1 for
     * any other; refused when escaped (its bytes are then not its text) or long.
     */
    private int name(byte[]... names) {
        string();
        if (stringEscaped || stringEnd - stringStart > MAX_NAME_BYTES) {
            throw REFUSED;
        }
        for (int n = 0; n < names.length; n++) {
            if (same(names[n])) {
                return n;
            }
        }
        return -1;
    }

    private boolean same(byte[] word) {
        if (stringEnd - stringStart != word.length) {
            return false;
        }
        for (int k = 0; k < word.length; k++) {
            if (b[stringStart + k] != word[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A string (after its opening quote), up to and past its closing quote: strict UTF-8, no control character,
     * only JSON's escapes. Sets {@link #stringChars} (UTF-16 chars, as {@code String.length()} counts them),
     * {@link #stringEscaped} and the raw bytes' bounds.
     */
    private void string() {
        byte[] bytes = b;
        int at = i;
        int stop = end;
        long count = 0;
        boolean escaped = false;
        stringStart = at;
        scan:
        while (true) {
            int run = at;
            at = plainRun(bytes, at, stop);
            count += at - run;
            if (at >= stop) {
                throw REFUSED; // the line ends inside the string
            }
            byte c = bytes[at];
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                escaped = true;
                at = escape(bytes, at + 1, stop);
                count++;
            } else if (c >= 0) {
                throw REFUSED; // a control character
            } else {
                // text with multi-byte characters: the rest of the string goes by the tables, with no branch that
                // depends on the text but the one that ends the string (ASCII and multi-byte alternate word by
                // word in most scripts, and a branch on each change is mispredicted)
                int state = ACCEPT;
                while (true) {
                    if (at >= stop) {
                        throw REFUSED;
                    }
                    int type = TYPES[bytes[at] & 0xFF];
                    state = MOVES[state + type];
                    count += CHARS[type];
                    at++;
                    if (state >= QUOTE) {
                        if (state == QUOTE) {
                            at--;
                            break scan;
                        }
                        if (state != ESCAPE) {
                            throw REFUSED;
                        }
                        escaped = true;
                        at = escape(bytes, at, stop);
                        count++;
                        state = ACCEPT;
                    }
                }
            }
        }
        if (at - stringStart > MAX_STRING_BYTES) {
            throw REFUSED;
        }
        stringEnd = at;
        stringChars = count;
        stringEscaped = escaped;
        i = at + 1;
    }

    /**
     * Where the run of plain ASCII text (a byte from 0x20 to 0x7F, neither quote nor backslash) that starts at
     * {@code at} ends: the index of the first other byte, or {@code stop}. Eight bytes at a time while a word holds
     * only plain text (the tests below never miss a byte that ends the run; a word they flag wrongly is only read
     * again byte by byte), then byte by byte.
     */
    static int plainRun(byte[] bytes, int at, int stop) {
        while (at <= stop - 8) {
            long word = (long) WORDS.get(bytes, at);
            long quote = word ^ QUOTES;
            long backslash = word ^ BACKSLASHES;
            // the lowest byte below 0x20 (or zero after the xor) sets its high bit in (x - n) & ~x; a byte at
            // 0x80 or above sets its own
            long flags = (word - CONTROLS & ~word) | (quote - ONES & ~quote) | (backslash - ONES & ~backslash) | word;
            if ((flags & HIGH_BITS) != 0) {
                break;
            }
            at += 8;
        }
        byte c;
        while (at < stop && (c = bytes[at]) >= 0x20 && c != '"' && c != '\\') {
            at++;
        }
        return at;
    }

    /** The escape after a backslash at {@code at}: where the next char starts. */
    private static int escape(byte[] bytes, int at, int stop) {
        if (at >= stop) {
            throw REFUSED;
        }
        switch (bytes[at]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return at + 1;
            }
            case 'u' -> {
                if (at + 4 >= stop) {
                    throw REFUSED;
                }
                for (int k = 1; k <= 4; k++) {
                    if (Character.digit(bytes[at + k], 16) < 0) {
                        throw REFUSED;
                    }
                }
                return at + 5;
            }
            default -> throw REFUSED;
        }
    }

    /** Any JSON value, at nesting {@code depth} (the record is 1), skipped. */
    private void value(int depth) {
        if (depth > MAX_DEPTH) {
            throw REFUSED;
        }
        byte c = next();
        switch (c) {
            case '"' -> string();
            case '{' -> {
                space();
                if (peek() == '}') {
                    i++;
                    return;
                }
                while (true) {
                    expect('"');
                    string();
                    if (stringEnd - stringStart > MAX_NAME_BYTES) {
                        throw REFUSED;
                    }
                    space();
                    expect(':');
                    space();
                    value(depth + 1);
                    if (!more('}')) {
                        return;
                    }
                }
            }
            case '[' -> {
                space();
                if (peek() == ']') {
                    i++;
                    return;
                }
                do {
                    value(depth + 1);
                } while (more(']'));
            }
            case 't' -> literal('r', 'u', 'e');
            case 'f' -> literal('a', 'l', 's', 'e');
            case 'n' -> literal('u', 'l', 'l');
            default -> number(c);
        }
    }

    private void literal(char... rest) {
        for (char r : rest) {
            if (next() != r) {
                throw REFUSED;
            }
        }
    }

    /** A number whose first byte {@code first} was read: RFC 8259's grammar, short. */
    private void number(byte first) {
        int begin = i - 1;
        byte c = first;
        if (c == '-') {
            c = next();
        }
        if (c == '0') {
            // no leading zeros: what follows is not a digit (checked by the caller's grammar)
        } else if (c >= '1' && c <= '9') {
            digits();
        } else {
            throw REFUSED;
        }
        if (peek() == '.') {
            i++;
            if (!isDigit(peek())) {
                throw REFUSED;
            }
            digits();
        }
        byte e = peek();
        if (e == 'e' || e == 'E') {
            i++;
            byte s = peek();
            if (s == '+' || s == '-') {
                i++;
            }
            if (!isDigit(peek())) {
                throw REFUSED;
            }
            digits();
        }
        if (i - begin > MAX_NUMBER_BYTES) {
            throw REFUSED;
        }
    }

    private void digits() {
        while (i < end && isDigit(b[i])) {
            i++;
        }
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** After a member or an element: true after a comma (another follows), false at {@code close}. */
    private boolean more(char close) {
        space();
        byte c = next();
        if (c == close) {
            return false;
        }
        if (c != ',') {
            throw REFUSED;
        }
        space();
        return true;
    }

    /** Skips JSON whitespace other than the newline, which ends the line. */
    private void space() {
        while (i < end) {
            byte c = b[i];
            if (c != ' ' && c != '\t' && c != '\r') {
                return;
            }
            i++;
        }
    }

    /** The next byte, or 0 (no JSON token starts with it) at the end. */
    private byte peek() {
        return i < end ? b[i] : 0;
    }

    private byte next() {
        if (i >= end) {
            throw REFUSED;
        }
        return b[i++];
    }

    private void expect(char c) {
        if (next() != c) {
            throw REFUSED;
        }
    }

    /** The one exception the scan throws (no stack trace: it is control flow, caught in the same class). */
    private static final class Refused extends RuntimeException {
        Refused() {
            super("refused", null, false, false);
        }
    }
}
