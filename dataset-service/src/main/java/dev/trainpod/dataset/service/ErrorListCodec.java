package dev.trainpod.dataset.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.dataset.validation.LineError;
import java.util.List;

/** Writes a dataset's reported validation errors to the JSON text its row keeps, and reads them back. */
public final class ErrorListCodec {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<LineError>> LIST = new TypeReference<>() {
    };

    private ErrorListCodec() {
    }

    public static String write(List<LineError> errors) {
        try {
            return JSON.writeValueAsString(errors);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("line errors are always writable", e);
        }
    }

    public static List<LineError> read(String json) {
        try {
            return JSON.readValue(json, LIST);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored line errors are not a JSON list", e);
        }
    }
}
