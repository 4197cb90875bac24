package dev.trainpod.metrics.service;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.metrics.api.MetricPoint;
import dev.trainpod.metrics.problem.JobProblems;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a batch of metric points before any is stored: a step of 0 or more on each, finite numbers only, and
 * extra fields that are plain numbers, strings or booleans. Every failing field is named with its point index.
 */
final class MetricPointValidator {

    static final int MAX_EXTRA_FIELDS = 32;
    static final int MAX_NAME_LENGTH = 64;
    static final int MAX_STRING_LENGTH = 256;
    private static final int MAX_REPORTED_ERRORS = 20;
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private final List<Problem.FieldError> errors = new ArrayList<>();

    private MetricPointValidator() {
    }

    /**
     * The points, ready to store (extra fields cleaned, nulls left out); fails with a 413 problem over
     * {@code maxPoints} and a 400 problem naming every invalid field.
     */
    static List<MetricPoint> validate(List<MetricPoint> points, int maxPoints) {
        if (points == null) {
            throw JobProblems.invalidField("points", "REQUIRED", "is required",
                    "send {\"points\":[{\"step\":0,\"loss\":1.0}]}");
        }
        if (points.size() > maxPoints) {
            throw new ProblemException(Problem.of(413, "too-many-points", "Too many points",
                    "A batch carries at most " + maxPoints + " points; this one has " + points.size()
                            + ". Send them in several batches."));
        }
        MetricPointValidator validator = new MetricPointValidator();
        List<MetricPoint> clean = new ArrayList<>(points.size());
        for (int i = 0; i < points.size(); i++) {
            clean.add(validator.check("points[" + i + "]", points.get(i)));
        }
        if (!validator.errors.isEmpty()) {
            Problem.FieldError first = validator.errors.get(0);
            throw JobProblems.invalid("invalid-metrics",
                    first.field() + " " + first.message() + (validator.errors.size() > 1
                            ? " (and " + (validator.errors.size() - 1) + " more; see errors)" : "")
                            + ". Only finite numbers are accepted; leave out a value that is not known.",
                    validator.errors.subList(0, Math.min(MAX_REPORTED_ERRORS, validator.errors.size())));
        }
        return clean;
    }

    private MetricPoint check(String at, MetricPoint p) {
        if (p == null) {
            error(at, "REQUIRED", "is null; each point must be an object with a step");
            return null;
        }
        if (p.step() == null) {
            error(at + ".step", "REQUIRED", "is required");
        } else if (p.step() < 0) {
            error(at + ".step", "NEGATIVE", "is " + p.step() + "; steps start at 0");
        }
        finite(at + ".epoch", p.epoch());
        finite(at + ".loss", p.loss());
        finite(at + ".learningRate", p.learningRate());
        finite(at + ".gradNorm", p.gradNorm());
        finite(at + ".tokensPerSecond", p.tokensPerSecond());
        if (p.time() != null && (p.time().isBefore(EARLIEST) || p.time().isAfter(LATEST))) {
            error(at + ".time", "OUT_OF_RANGE", "is " + p.time() + "; a time between 1970 and 9999 is expected");
        }
        return new MetricPoint(p.step(), p.epoch(), p.loss(), p.learningRate(), p.gradNorm(),
                p.tokensPerSecond(), p.time(), extra(at, p.extra()));
    }

    private Map<String, Object> extra(String at, Map<String, Object> extra) {
        Map<String, Object> clean = new LinkedHashMap<>();
        if (extra == null) {
            return clean;
        }
        if (extra.size() > MAX_EXTRA_FIELDS) {
            error(at, "TOO_MANY_FIELDS", "has " + extra.size() + " extra fields; at most " + MAX_EXTRA_FIELDS
                    + " are kept per point");
            return clean;
        }
        extra.forEach((name, value) -> {
            String field = at + "." + name;
            if (name.length() > MAX_NAME_LENGTH) {
                error(at, "NAME_TOO_LONG", "has a field name longer than " + MAX_NAME_LENGTH + " characters");
            } else if (value instanceof Double || value instanceof Float) {
                if (finite(field, ((Number) value).doubleValue())) {
                    clean.put(Texts.clean(name, MAX_NAME_LENGTH), value);
                }
            } else if (value instanceof Integer || value instanceof Long || value instanceof BigInteger
                    || value instanceof BigDecimal || value instanceof Boolean) {
                clean.put(Texts.clean(name, MAX_NAME_LENGTH), value);
            } else if (value instanceof String s) {
                clean.put(Texts.clean(name, MAX_NAME_LENGTH), Texts.clean(s, MAX_STRING_LENGTH));
            } else if (value != null) {
                error(field, "WRONG_TYPE", "is an object or array; extra fields must be numbers, strings or booleans");
            }
        });
        return clean;
    }

    private boolean finite(String field, Double value) {
        if (value != null && !Double.isFinite(value)) {
            error(field, "NOT_FINITE", "is " + value + ", not a finite number");
            return false;
        }
        return true;
    }

    private void error(String field, String code, String message) {
        errors.add(new Problem.FieldError(field, code, message, null));
    }
}
