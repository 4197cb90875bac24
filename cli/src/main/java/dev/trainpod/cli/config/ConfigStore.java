package dev.trainpod.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The CLI's settings file, {@code config.json} in the configuration directory: the API addresses and the token that
 * {@code trainpod login} stored. Written atomically and readable by its owner only, since it holds a token.
 */
public final class ConfigStore {

    /** The API's base address (the gateway): deploy, dataset and metrics services all under it. */
    public static final String API_URL = "apiUrl";
    public static final String DEPLOY_URL = "deployUrl";
    public static final String DATASET_URL = "datasetUrl";
    public static final String METRICS_URL = "metricsUrl";
    public static final String ISSUER = "issuer";
    public static final String CLIENT_ID = "clientId";
    public static final String TOKEN = "accessToken";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private ObjectNode values;

    private ConfigStore(Path dir, ObjectNode values) {
        this.dir = dir;
        this.values = values;
    }

    /**
     * The directory is {@code TRAINPOD_CONFIG_DIR}, else {@code $XDG_CONFIG_HOME/trainpod}, else
     * {@code ~/.config/trainpod}.
     */
    public static Path directory(Map<String, String> env) {
        String explicit = env.get("TRAINPOD_CONFIG_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
        return base.resolve("trainpod");
    }

    public static ConfigStore open(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.exists(file)) {
            return new ConfigStore(dir, JSON.createObjectNode());
        }
        try {
            JsonNode read = JSON.readTree(file.toFile());
            return new ConfigStore(dir, read instanceof ObjectNode o ? o : JSON.createObjectNode());
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "Cannot read " + file + ": " + e.getMessage(),
                    "Fix or delete the file, then run trainpod login again.");
        }
    }

    public Path dir() {
        return dir;
    }

    /** A stored value, or null. */
    public String get(String key) {
        JsonNode v = values.get(key);
        return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
    }

    /** Sets a value (null removes it); {@link #save()} writes the file. */
    public void set(String key, String value) {
        if (value == null) {
            values.remove(key);
        } else {
            values.put(key, value);
        }
    }

    /** Writes the file atomically, readable and writable by its owner only. */
    public void save() {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "config", ".tmp");
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), values);
            try {
                Files.move(tmp, dir.resolve("config.json"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "Cannot write the settings in " + dir + ": " + e.getMessage(),
                    "Set TRAINPOD_CONFIG_DIR to a directory you can write.");
        }
    }
}
