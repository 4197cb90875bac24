package dev.trainpod.dataset.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The rules one JSON record must follow to be a record of one of the {@link DatasetFormat}s. */
final class RecordRules {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private RecordRules() {
    }

    /** The record's format, decided by the fields it has, once it has passed that format's rules. */
    static Shape classify(JsonNode record) {
        if (record.has("chosen") || record.has("rejected")) {
            return new Shape(DatasetFormat.DPO, preference(record));
        }
        if (record.has("messages")) {
            return new Shape(DatasetFormat.SFT_MESSAGES, messages(record.get("messages"), "messages", true));
        }
        if (record.has("prompt") || record.has("completion")) {
            return new Shape(DatasetFormat.SFT_PROMPT_COMPLETION,
                    string(record, "prompt") + string(record, "completion"));
        }
        if (record.has("text")) {
            return new Shape(DatasetFormat.SFT_TEXT, string(record, "text"));
        }
        throw new InvalidRecord("no training fields: expected messages; prompt and completion; text;"
                + " or prompt, chosen and rejected");
    }

    private static long preference(JsonNode record) {
        for (String field : List.of("prompt", "chosen", "rejected")) {
            if (!record.has(field)) {
                throw new InvalidRecord(field + " is missing: a DPO record needs prompt, chosen and rejected");
            }
        }
        JsonNode prompt = record.get("prompt");
        JsonNode chosen = record.get("chosen");
        JsonNode rejected = record.get("rejected");
        if (prompt.isTextual() && chosen.isTextual() && rejected.isTextual()) {
            return string(record, "prompt") + string(record, "chosen") + string(record, "rejected");
        }
        if (prompt.isArray() && chosen.isArray() && rejected.isArray()) {
            return messages(prompt, "prompt", false) + messages(chosen, "chosen", true)
                    + messages(rejected, "rejected", true);
        }
        throw new InvalidRecord("prompt, chosen and rejected must all be strings or all be message lists");
    }

    private static long string(JsonNode record, String field) {
        JsonNode value = record.get(field);
        if (value == null) {
            throw new InvalidRecord(field + " is missing");
        }
        if (!value.isTextual()) {
            throw new InvalidRecord(field + " must be a string, found " + kind(value));
        }
        if (value.textValue().isEmpty()) {
            throw new InvalidRecord(field + " must not be empty");
        }
        return value.textValue().length();
    }

    private static long messages(JsonNode list, String path, boolean endsWithAssistant) {
        if (!list.isArray()) {
            throw new InvalidRecord(path + " must be a list of messages, found " + kind(list));
        }
        if (list.isEmpty()) {
            throw new InvalidRecord(path + " must not be empty");
        }
        long chars = 0;
        String lastRole = null;
        for (int i = 0; i < list.size(); i++) {
            JsonNode message = list.get(i);
            String at = path + "[" + i + "]";
            if (!message.isObject()) {
                throw new InvalidRecord(at + " must be an object with role and content, found " + kind(message));
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.textValue())) {
                throw new InvalidRecord(at + ".role must be one of system, user, assistant"
                        + (role == null ? " (it is missing)" : ", found " + role));
            }
            chars += string(message, "content", at + ".content");
            lastRole = role.textValue();
        }
        if (endsWithAssistant && !"assistant".equals(lastRole)) {
            throw new InvalidRecord("the last message of " + path + " must have role assistant, found " + lastRole);
        }
        return chars;
    }

    private static long string(JsonNode message, String field, String path) {
        try {
            return string(message, field);
        } catch (InvalidRecord e) {
            throw new InvalidRecord(path + e.getMessage().substring(field.length()));
        }
    }

    /** The JSON type of a value, as error messages name it. */
    static String kind(JsonNode node) {
        return node == null || node.isMissingNode() ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** A valid record's format and how many characters of training text it has. */
    record Shape(DatasetFormat format, long chars) {
    }

    /** Why one record is not valid; the message names the field. */
    static final class InvalidRecord extends RuntimeException {
        InvalidRecord(String message) {
            super(message, null, false, false);
        }
    }
}
