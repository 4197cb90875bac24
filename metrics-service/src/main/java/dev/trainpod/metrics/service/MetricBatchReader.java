package dev.trainpod.metrics.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.trainpod.metrics.repository.MetricColumns;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.time.Month;
import java.time.Year;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Reads a metric batch ({@code {"points":[...]}}) from the request's bytes straight into columns with Jackson's
 * streaming parser: no tree, no object per point. It is the fast path for the batches pods send (well-typed,
 * valid): it accepts a batch only when the checks of {@link MetricPointValidator} (and the JSON binding before
 * them) would accept it with the same values, and answers null for anything else (a NaN, a missing or negative
 * step, a string where a number goes, a duplicate field, an unknown top-level field, malformed JSON...), which
 * the caller then reads the ordinary way, so that every refusal keeps its exact problem, field list and hints.
 * Numbers are read with Jackson's fast double parser (correctly rounded, as {@code Double.parseDouble}), and times
 * of the shape pods send ({@code 2026-01-01T00:00:00.123456Z}) by hand, other shapes with {@code Instant.parse}.
 */
public final class MetricBatchReader {

    private static final JsonFactory WRITER = new JsonFactory();
    private static final long EARLIEST = Instant.parse("1970-01-01T00:00:00Z").getEpochSecond();
    private static final long LATEST = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    private static final String[] KNOWN = {"step", "epoch", "loss", "learningRate", "gradNorm", "tokensPerSecond",
        "time", "extra"};

    private final JsonFactory factory;
    private final int maxPoints;

    /**
     * @param factory the service's JSON factory (its parser features: {@code NaN} and {@code Infinity} allowed)
     * @param maxPoints the most points a batch may carry; a larger one is left to the ordinary path (413)
     */
    public MetricBatchReader(JsonFactory factory, int maxPoints) {
        this.factory = factory.rebuild().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
        this.maxPoints = maxPoints;
    }

    /** The batch's points in columns, or null when the body is anything but a valid, plainly typed batch. */
    public MetricColumns read(byte[] body) {
        try (JsonParser p = factory.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                    || !"points".equals(p.currentName()) || p.nextToken() != JsonToken.START_ARRAY) {
                return null;
            }
            MetricColumns columns = new MetricColumns(Math.min(maxPoints, Math.max(16, body.length / 64)));
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                if (columns.size() == maxPoints || !point(p, columns)) {
                    return null;
                }
            }
            if (t != JsonToken.END_ARRAY || p.nextToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            return columns;
        } catch (IOException | RuntimeException e) {
            return null; // malformed or odd: the ordinary path says what is wrong
        }
    }

    /** Reads one point (the parser on its START_OBJECT) into the columns; false if it is not plainly valid. */
    private static boolean point(JsonParser p, MetricColumns columns) throws IOException {
        int step = -1;
        Double epoch = null;
        Double loss = null;
        Double learningRate = null;
        Double gradNorm = null;
        Double tokensPerSecond = null;
        OffsetDateTime time = null;
        int seen = 0;
        String[] extraNames = null;
        int extraCount = 0;
        StringWriter extraText = null;
        JsonGenerator extra = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int known = known(name);
            if (known >= 0) {
                if ((seen & (1 << known)) != 0) {
                    return false; // a repeated field: the binding keeps the last, the fast path does not guess
                }
                seen |= 1 << known;
                switch (known) {
                    case 0 -> {
                        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                                || (step = p.getIntValue()) < 0) {
                            return false;
                        }
                    }
                    case 1 -> epoch = finite(p, v);
                    case 2 -> loss = finite(p, v);
                    case 3 -> learningRate = finite(p, v);
                    case 4 -> gradNorm = finite(p, v);
                    case 5 -> tokensPerSecond = finite(p, v);
                    case 6 -> {
                        if (v == JsonToken.VALUE_STRING) {
                            time = time(p.getText());
                            if (time == null) {
                                return false;
                            }
                        } else if (v != JsonToken.VALUE_NULL) {
                            return false;
                        }
                    }
                    default -> {
                        return false; // "extra" itself
                    }
                }
                if (known >= 1 && known <= 5 && v != JsonToken.VALUE_NULL && !plainNumber(p, v)) {
                    return false;
                }
                continue;
            }
            if (v == JsonToken.VALUE_NULL) {
                continue; // an extra field without a value is left out
            }
            if (name.length() > MetricPointValidator.MAX_NAME_LENGTH || !name.equals(Texts.clean(name, name.length()))) {
                return false;
            }
            if (extraNames == null) {
                extraNames = new String[MetricPointValidator.MAX_EXTRA_FIELDS];
                extraText = new StringWriter(64);
                extra = WRITER.createGenerator(extraText);
                extra.writeStartObject();
            }
            for (int i = 0; i < extraCount; i++) {
                if (extraNames[i].equals(name)) {
                    return false;
                }
            }
            if (extraCount == MetricPointValidator.MAX_EXTRA_FIELDS) {
                return false;
            }
            extraNames[extraCount++] = name;
            extra.writeFieldName(name);
            switch (v) {
                case VALUE_NUMBER_INT -> {
                    switch (p.getNumberType()) {
                        case INT -> extra.writeNumber(p.getIntValue());
                        case LONG -> extra.writeNumber(p.getLongValue());
                        default -> extra.writeNumber(p.getBigIntegerValue());
                    }
                }
                case VALUE_NUMBER_FLOAT -> {
                    double d = p.getDoubleValue();
                    if (!Double.isFinite(d)) {
                        return false;
                    }
                    extra.writeNumber(d);
                }
                case VALUE_TRUE, VALUE_FALSE -> extra.writeBoolean(v == JsonToken.VALUE_TRUE);
                case VALUE_STRING -> extra.writeString(Texts.clean(p.getText(), MetricPointValidator.MAX_STRING_LENGTH));
                default -> {
                    return false; // an object or array
                }
            }
        }
        if (t != JsonToken.END_OBJECT || (seen & 1) == 0) {
            return false; // no step
        }
        String extraJson = null;
        if (extra != null) {
            extra.writeEndObject();
            extra.close();
            extraJson = extraText.toString();
        }
        columns.add(step, epoch, loss, learningRate, gradNorm, tokensPerSecond, time, extraJson);
        return true;
    }

    private static int known(String name) {
        for (int i = 0; i < KNOWN.length; i++) {
            if (KNOWN[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** A number field's value, null when absent or not a finite plain number (the caller checks which). */
    private static Double finite(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
            return null;
        }
        double d = p.getDoubleValue();
        return Double.isFinite(d) ? d : null;
    }

    /** Whether a number field's token is a finite JSON number (not a string, boolean, NaN, object...). */
    private static boolean plainNumber(JsonParser p, JsonToken v) throws IOException {
        return (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT)
                && Double.isFinite(p.getDoubleValue());
    }

    /** An RFC 3339 instant between 1970 and 9999, in UTC; null for anything else. */
    static OffsetDateTime time(String text) {
        OffsetDateTime plain = plainUtc(text);
        if (plain != null) {
            return plain;
        }
        try {
            Instant at = Instant.parse(text);
            long s = at.getEpochSecond();
            return s < EARLIEST || s > LATEST || (s == LATEST && at.getNano() > 0) ? null : at.atOffset(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The shape pods send, {@code yyyy-MM-ddTHH:mm:ss[.f]Z} (1 to 9 fraction digits) with a real date from 1970 to
     * 9998 and a time before 24:00, read by hand: {@code Instant.parse} runs a formatter per point, which was
     * about a twentieth of this service's CPU per batch. The same instant {@code Instant.parse} gives, or null for any
     * other text (an offset, 24:00, a leap second, lower case...), which {@code Instant.parse} then reads.
     */
    private static OffsetDateTime plainUtc(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || n == 21 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z'
                || (n > 20 && s.charAt(19) != '.')) {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int fraction = n > 20 ? digits(s, 20, n - 1) : 0;
        if (year < 1970 || year > 9998 || month < 1 || month > 12 || day < 1
                || day > Month.of(month).length(Year.isLeap(year)) || hour < 0 || hour > 23 || minute < 0
                || minute > 59 || second < 0 || second > 59 || fraction < 0) {
            return null;
        }
        for (int i = n - 1; i < 29; i++) {
            fraction *= 10; // "…:00.5Z" is 500,000,000 ns
        }
        return OffsetDateTime.of(year, month, day, hour, minute, second, n > 20 ? fraction : 0, ZoneOffset.UTC);
    }

    /** The decimal number of {@code s}'s ASCII digits from {@code from} to {@code to}; -1 if any is not one. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
