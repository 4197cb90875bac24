package dev.trainpod.deploy.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Jackson deserializers for the numbers of a deployment body: only a JSON number is taken (Jackson's defaults
 * would turn the string {@code "60"} into 60, {@code "NaN"} into a double NaN and 2.7 into 2 for a whole field),
 * whole where the field is whole and within an int, finite where it is a fraction. Anything else fails as a
 * {@link BadNumber} naming the field, which {@link RequestNumberMapper} answers with 422 problem+json. The
 * ranges are the pre-flight checks' business; this only makes sure they receive a number.
 */
public final class RequestNumbers {

    private RequestNumbers() {
    }

    /** A number that is not one the body may carry; Jackson adds the field's path as the error unwinds. */
    public static final class BadNumber extends MismatchedInputException {

        /** What the field takes, e.g. "a whole number". */
        private final String expected;

        BadNumber(JsonParser p, String message, Class<?> target, String expected) {
            super(p, message, target);
            this.expected = expected;
        }

        public String expected() {
            return expected;
        }
    }

    /** A whole JSON number within an int; 8.0 counts, 8.5, "8", true and 1e10 do not. */
    public static final class Whole extends StdDeserializer<Integer> {

        public Whole() {
            super(Integer.class);
        }

        @Override
        public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                BigDecimal v = p.getDecimalValue();
                if (v.signum() == 0 || v.stripTrailingZeros().scale() <= 0) {
                    if (v.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0
                            && v.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) >= 0) {
                        return v.intValueExact();
                    }
                    throw bad(p, "a whole number", "is " + p.getText() + ", far beyond any limit");
                }
                throw bad(p, "a whole number", "is " + p.getText() + ", not a whole number");
            }
            throw bad(p, "a whole number", describe(p));
        }
    }

    /** A finite JSON number read as a double; "NaN", "Infinity", 1e400 and strings do not count. */
    public static final class Finite extends StdDeserializer<Double> {

        public Finite() {
            super(Double.class);
        }

        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                double v = p.getDoubleValue();
                if (Double.isFinite(v)) {
                    return v;
                }
                throw bad(p, "a finite number", "is " + p.getText() + ", too large to be a number");
            }
            throw bad(p, "a finite number", describe(p));
        }
    }

    /** An exact decimal JSON number (an amount of money); strings, booleans and "NaN" do not count. */
    public static final class Decimal extends StdDeserializer<BigDecimal> {

        public Decimal() {
            super(BigDecimal.class);
        }

        @Override
        public BigDecimal deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                return p.getDecimalValue();
            }
            throw bad(p, "a number", describe(p));
        }
    }

    private static String describe(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> "is the string \"" + shortened(p.getText()) + "\"";
            case VALUE_TRUE, VALUE_FALSE -> "is " + p.getText();
            case START_OBJECT -> "is an object";
            case START_ARRAY -> "is a list";
            default -> "is not a number";
        };
    }

    private static String shortened(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    private static BadNumber bad(JsonParser p, String expected, String found) {
        return new BadNumber(p, "must be " + expected + " but " + found, Number.class, expected);
    }
}
