package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * JSON Schema style checks that collect violations worded the way RunPod's validator words them,
 * e.g. {@code $: additional properties 'x' not allowed}.
 */
final class SchemaChecks {

    private final List<String> errors = new ArrayList<>();

    List<String> errors() {
        return errors;
    }

    /** Whether the node is an object; reports the violation when it is not. */
    boolean object(JsonNode node, String at) {
        return expect(node.isObject(), at, node, "object");
    }

    /** Whether the node is an array; reports the violation when it is not. */
    boolean array(JsonNode node, String at) {
        return expect(node.isArray(), at, node, "array");
    }

    void onlyProperties(JsonNode object, Set<String> allowed, String at) {
        List<String> extra = new ArrayList<>();
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                extra.add(name);
            }
        }
        if (!extra.isEmpty()) {
            String quoted = extra.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
            errors.add(at + ": additional properties " + quoted + " not allowed");
        }
    }

    void required(JsonNode object, String property, String at) {
        if (!object.has(property)) {
            errors.add(at + ": missing property '" + property + "'");
        }
    }

    /** The string at {@code object.property}, or {@code null} when absent or not a string. */
    String string(JsonNode object, String property, String at, int minLength) {
        JsonNode node = object.get(property);
        String path = at + "." + property;
        if (node == null || !expect(node.isTextual(), path, node, "string")) {
            return null;
        }
        if (node.textValue().length() < minLength) {
            errors.add(path + ": minLength: got " + node.textValue().length() + ", want " + minLength);
        }
        return node.textValue();
    }

    String nullableString(JsonNode object, String property, String at) {
        JsonNode node = object.get(property);
        return node == null || node.isNull() ? null : string(object, property, at, 0);
    }

    String pattern(JsonNode node, String path, Pattern pattern) {
        if (!expect(node.isTextual(), path, node, "string")) {
            return null;
        }
        if (!pattern.matcher(node.textValue()).matches()) {
            errors.add(path + ": '" + node.textValue() + "' does not match pattern '" + pattern.pattern() + "'");
        }
        return node.textValue();
    }

    String oneOf(JsonNode object, String property, String at, List<String> values) {
        String value = string(object, property, at, 0);
        if (value != null && !values.contains(value)) {
            String quoted = values.stream().map(v -> "'" + v + "'").collect(Collectors.joining(", "));
            errors.add(at + "." + property + ": value must be one of " + quoted);
        }
        return value;
    }

    /** The integer at {@code object.property}, or {@code null} when absent or not an integer. */
    Integer integer(JsonNode object, String property, String at, int minimum) {
        JsonNode node = object.get(property);
        String path = at + "." + property;
        boolean isInt = node != null && node.canConvertToExactIntegral() && node.canConvertToInt();
        if (node == null || !expect(isInt, path, node, "integer")) {
            return null;
        }
        if (node.asInt() < minimum) {
            errors.add(path + ": minimum: got " + node.asInt() + ", want " + minimum);
        }
        return node.asInt();
    }

    Boolean bool(JsonNode object, String property, String at) {
        JsonNode node = object.get(property);
        if (node == null || !expect(node.isBoolean(), at + "." + property, node, "boolean")) {
            return null;
        }
        return node.booleanValue();
    }

    /** The strings of an array property; empty when absent or malformed. */
    List<String> strings(JsonNode object, String property, String at) {
        JsonNode node = object.get(property);
        String path = at + "." + property;
        List<String> values = new ArrayList<>();
        if (node == null || !expect(node.isArray(), path, node, "array")) {
            return values;
        }
        for (int i = 0; i < node.size(); i++) {
            if (expect(node.get(i).isTextual(), path + "[" + i + "]", node.get(i), "string")) {
                values.add(node.get(i).textValue());
            }
        }
        return values;
    }

    void maxItems(JsonNode array, String path, int max) {
        if (array.size() > max) {
            errors.add(path + ": maxItems: got " + array.size() + ", want " + max);
        }
    }

    private boolean expect(boolean ok, String path, JsonNode node, String wanted) {
        if (!ok) {
            errors.add(path + ": got " + typeName(node) + ", want " + wanted);
        }
        return ok;
    }

    private static String typeName(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "array";
            case BOOLEAN -> "boolean";
            case NUMBER -> node.isIntegralNumber() ? "integer" : "number";
            case OBJECT, POJO -> "object";
            case STRING, BINARY -> "string";
            case NULL, MISSING -> "null";
        };
    }
}
