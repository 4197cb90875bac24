package dev.trainpod.deploy.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.problem.Problem.FieldError;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The trainer's own rules for {@code hyperparameters}: {@code pod/trainer/hyperparameters.json}, which the
 * {@code pod} module's jar carries (same path on the classpath) beside the trainer it bundles, and which the trainer
 * validates with at start ({@code trainer_config.py}). Applied in pre-flight, a value the trainer would refuse is answered before
 * a pod bills; the estimate reads the same defaults.
 */
@ApplicationScoped
public class HyperparameterRules {

    /** Where the build puts the trainer's rules file. */
    static final String RESOURCE = "pod/trainer/hyperparameters.json";

    /** One hyperparameter's rule, as the file states it. */
    record Rule(String name, String type, Object defaultValue, Map<String, Object> defaultByAdapter,
                Double min, Double max, boolean exclusiveMin, boolean exclusiveMax, String aboveMinUnlessPositive,
                List<String> allowed, boolean ignoreCase, String description) {
    }

    private final Map<String, Rule> rules;

    public HyperparameterRules() {
        this.rules = load();
    }

    /** The rules by name, in the file's order. */
    Map<String, Rule> rules() {
        return rules;
    }

    /** Every failure of the request's hyperparameters, each naming {@code hyperparameters.<name>}. */
    public List<FieldError> check(Map<String, Object> raw) {
        if (raw == null) {
            return List.of();
        }
        List<FieldError> failures = new ArrayList<>();
        Map<String, Object> typed = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            Rule rule = rules.get(e.getKey());
            if (rule == null) {
                failures.add(unknown(e.getKey()));
            } else if (e.getValue() != null) {
                typed(rule, e.getValue()).ifPresentOrElse(v -> typed.put(rule.name(), v),
                        () -> failures.add(typeFailure(rule, e.getValue())));
            }
        }
        Map<String, Object> values = withDefaults(typed);
        typed.forEach((name, value) -> rangeFailure(rules.get(name), value, values).ifPresent(failures::add));
        return failures;
    }

    /**
     * The hyperparameters the trainer would train with: the request's valid values and the file's defaults for
     * the rest ({@code learningRate} by adapter), as the trainer's {@code hyperparameters()} fills them in.
     */
    public Map<String, Object> resolve(Map<String, Object> raw) {
        Map<String, Object> typed = new LinkedHashMap<>();
        if (raw != null) {
            raw.forEach((name, value) -> {
                Rule rule = rules.get(name);
                if (rule != null && value != null) {
                    typed(rule, value).ifPresent(v -> typed.put(name, v));
                }
            });
        }
        return withDefaults(typed);
    }

    private Map<String, Object> withDefaults(Map<String, Object> typed) {
        Map<String, Object> values = new LinkedHashMap<>();
        rules.values().forEach(r -> values.put(r.name(), typed.getOrDefault(r.name(), r.defaultValue())));
        rules.values().stream().filter(r -> values.get(r.name()) == null && r.defaultByAdapter() != null)
                .forEach(r -> values.put(r.name(), r.defaultByAdapter().get(String.valueOf(values.get("adapter")))));
        return Collections.unmodifiableMap(values);
    }

    /** The value in its rule's type (a whole number as Long, a number as Double), or empty when it has another. */
    private static Optional<Object> typed(Rule rule, Object value) {
        switch (rule.type()) {
            case "boolean":
                return value instanceof Boolean ? Optional.of(value) : Optional.empty();
            case "number":
                return value instanceof Number n ? Optional.of(n.doubleValue()) : Optional.empty();
            case "integer":
                return whole(value);
            case "modules":
                if (value instanceof String s && !s.isBlank()) {
                    return Optional.of(s);
                }
                return value instanceof List<?> l && !l.isEmpty()
                        && l.stream().allMatch(m -> m instanceof String s && !s.isBlank())
                        ? Optional.of(value) : Optional.empty();
            default:
                if (!(value instanceof String s)) {
                    return Optional.empty();
                }
                String v = rule.ignoreCase() ? s.toLowerCase(Locale.ROOT) : s;
                return rule.allowed() == null || rule.allowed().contains(v) ? Optional.of(v) : Optional.empty();
        }
    }

    /** A whole number, 8.0 included; a BigInteger beyond a long is kept as a double, which is out of range anyway. */
    private static Optional<Object> whole(Object value) {
        if (value instanceof Integer || value instanceof Long) {
            return Optional.of(((Number) value).longValue());
        }
        if (value instanceof BigInteger b) {
            return Optional.of(b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue());
        }
        if (value instanceof Number n && !(value instanceof BigDecimal) && Double.isFinite(n.doubleValue())
                && n.doubleValue() == Math.rint(n.doubleValue())) {
            return Optional.of(n.doubleValue());
        }
        if (value instanceof BigDecimal d && (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0)) {
            return Optional.of(d.doubleValue());
        }
        return Optional.empty();
    }

    private FieldError unknown(String name) {
        String folded = name.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
        String likely = rules.keySet().stream().filter(k -> k.toLowerCase(Locale.ROOT).equals(folded)).findFirst()
                .map(k -> "Did you mean " + k + "? ").orElse("");
        return new FieldError("hyperparameters." + name, "HYPERPARAMETER_UNKNOWN",
                "The trainer has no hyperparameter \"" + name + "\".",
                likely + "Known: " + String.join(", ", rules.keySet()) + " (pod/trainer/README.md lists them).");
    }

    private static FieldError typeFailure(Rule rule, Object value) {
        String field = "hyperparameters." + rule.name();
        if (rule.allowed() != null && value instanceof String) {
            return new FieldError(field, "HYPERPARAMETER_NOT_ALLOWED",
                    field + " must be one of " + String.join(", ", rule.allowed()) + ".",
                    "Use one of " + String.join(", ", rule.allowed()) + ", or omit it for "
                            + rule.defaultValue() + ".");
        }
        String kind = switch (rule.type()) {
            case "boolean" -> "true or false";
            case "integer" -> "a whole number";
            case "number" -> "a number";
            case "modules" -> "a module name or a non-empty list of module names";
            default -> "a string";
        };
        return new FieldError(field, "HYPERPARAMETER_WRONG_TYPE", field + " must be " + kind + ".",
                "Send " + kind + " as JSON" + (rule.type().equals("number") || rule.type().equals("integer")
                        ? " (no quotes, no NaN)" : "") + ", or omit it for the default " + defaultText(rule) + ". "
                        + rule.description());
    }

    private static Optional<FieldError> rangeFailure(Rule rule, Object value, Map<String, Object> values) {
        if (!(value instanceof Number n) || !(rule.type().equals("number") || rule.type().equals("integer"))) {
            return Optional.empty();
        }
        double v = n.doubleValue();
        String field = "hyperparameters." + rule.name();
        if (!Double.isFinite(v)) {
            return Optional.of(outOfRange(rule, field + " must be a finite number."));
        }
        String waived = rule.aboveMinUnlessPositive();
        boolean unlessWaived = waived != null && !rule.exclusiveMin()
                && ((Number) values.get(waived)).doubleValue() <= 0;
        boolean exclusiveLow = rule.exclusiveMin() || unlessWaived;
        if (rule.min() != null && (v < rule.min() || (exclusiveLow && v == rule.min()))) {
            return Optional.of(outOfRange(rule, field + " must be " + (exclusiveLow ? "above " : "at least ")
                    + plain(rule.min()) + (unlessWaived ? " unless " + waived + " is set" : "") + "."));
        }
        if (rule.max() != null && (v > rule.max() || (rule.exclusiveMax() && v == rule.max()))) {
            return Optional.of(outOfRange(rule, field + " must be " + (rule.exclusiveMax() ? "below " : "at most ")
                    + plain(rule.max()) + "."));
        }
        return Optional.empty();
    }

    private static FieldError outOfRange(Rule rule, String message) {
        return new FieldError("hyperparameters." + rule.name(), "HYPERPARAMETER_OUT_OF_RANGE", message,
                rule.description() + " Allowed: " + range(rule) + "; default " + defaultText(rule) + ".");
    }

    private static String range(Rule rule) {
        String low = rule.min() == null ? null : (rule.exclusiveMin() ? "above " : "at least ") + plain(rule.min());
        String high = rule.max() == null ? null : (rule.exclusiveMax() ? "below " : "at most ") + plain(rule.max());
        return low == null ? high : high == null ? low : low + ", " + high;
    }

    /** The default of a hyperparameter as the README writes it, e.g. "1" or "0.0002 (lora), ...". */
    String defaultText(String name) {
        return defaultText(rules.get(name));
    }

    private static String defaultText(Rule rule) {
        if (rule.defaultValue() == null && rule.defaultByAdapter() != null) {
            return rule.defaultByAdapter().entrySet().stream().map(e -> plain(e.getValue()) + " (" + e.getKey() + ")")
                    .reduce((a, b) -> a + ", " + b).orElse("none");
        }
        return plain(rule.defaultValue());
    }

    /** A number as a person writes it (1, 0.0002), anything else as it is. */
    private static String plain(Object value) {
        return value instanceof Number n
                ? BigDecimal.valueOf(n.doubleValue()).stripTrailingZeros().toPlainString() : String.valueOf(value);
    }

    private static Map<String, Rule> load() {
        ObjectMapper mapper = new ObjectMapper();
        try (InputStream in = HyperparameterRules.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + RESOURCE + " (the pod module's jar carries it)");
            }
            JsonNode root = mapper.readTree(in).path("hyperparameters");
            Map<String, Rule> rules = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode r = e.getValue();
                rules.put(e.getKey(), new Rule(e.getKey(), r.path("type").asText(),
                        value(mapper, r.get("default"), r.path("type").asText()),
                        r.has("defaultByAdapter") ? mapper.convertValue(r.get("defaultByAdapter"), Map.class) : null,
                        r.has("min") ? r.get("min").asDouble() : null, r.has("max") ? r.get("max").asDouble() : null,
                        r.path("exclusiveMin").asBoolean(false), r.path("exclusiveMax").asBoolean(false),
                        r.hasNonNull("aboveMinUnlessPositive") ? r.get("aboveMinUnlessPositive").asText() : null,
                        r.has("allowed") ? List.of(mapper.convertValue(r.get("allowed"), String[].class)) : null,
                        r.path("ignoreCase").asBoolean(false), r.path("description").asText()));
            }
            return Collections.unmodifiableMap(rules);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A default as the trainer reads it: a whole rule's as Long, a number rule's as Double. */
    private static Object value(ObjectMapper mapper, JsonNode node, String type) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return "integer".equals(type) ? (Object) node.asLong() : (Object) node.asDouble();
        }
        return mapper.convertValue(node, Object.class);
    }
}
