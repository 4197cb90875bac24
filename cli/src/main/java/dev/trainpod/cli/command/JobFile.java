package dev.trainpod.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.trainpod.cli.CliException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A job file: the body of {@code POST /api/v1/deployments} written as YAML ({@code .yaml}, {@code .yml}) or JSON,
 * which the deploy command's flags then complete or override.
 */
final class JobFile {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Pattern WHOLE = Pattern.compile("-?\\d{1,18}");
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+\\.\\d*([eE][-+]?\\d+)?|-?\\d+[eE][-+]?\\d+");

    private JobFile() {
    }

    /** The file's deployment body; a file that is not one JSON/YAML object is a usage error naming where. */
    static ObjectNode read(Path file) {
        String name = file.getFileName().toString().toLowerCase();
        ObjectMapper mapper = name.endsWith(".json") ? JSON : YAML;
        JsonNode node;
        try {
            node = mapper.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw CliException.usage(file + " is not valid " + (mapper == JSON ? "JSON" : "YAML") + ": "
                    + e.getOriginalMessage() + (e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw CliException.usage("Cannot read " + file + ": " + e.getMessage());
        }
        if (!(node instanceof ObjectNode o)) {
            throw CliException.usage(file + " must hold one deployment: a mapping with datasetId, baseModel, method, gpu, "
                    + "limits, hyperparameters.");
        }
        return o;
    }

    /** A hyperparameter's value as typed on the command line: true/false, a whole number, a decimal, else text. */
    static JsonNode value(String text) {
        String t = text.strip();
        if (t.equals("true") || t.equals("false")) {
            return JSON.getNodeFactory().booleanNode(Boolean.parseBoolean(t));
        }
        if (WHOLE.matcher(t).matches()) {
            return JSON.getNodeFactory().numberNode(Long.parseLong(t));
        }
        if (DECIMAL.matcher(t).matches()) {
            return JSON.getNodeFactory().numberNode(new BigDecimal(t));
        }
        return JSON.getNodeFactory().textNode(text);
    }
}
