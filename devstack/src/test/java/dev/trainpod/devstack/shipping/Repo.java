package dev.trainpod.devstack.shipping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The repository's deployment files, read the way the tools that use them read them. */
public final class Repo {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Path ROOT = Path.of(System.getenv().getOrDefault("TRAINPOD_ROOT", "..")).toAbsolutePath().normalize();
    static final List<String> SERVICES = List.of("deploy-service", "dataset-service", "metrics-service");

    private Repo() {
    }

    public static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every document of a (multi-document) YAML text. */
    static List<JsonNode> documents(String yaml) {
        try (YAMLParser parser = new YAMLFactory().createParser(yaml)) {
            List<JsonNode> docs = new ArrayList<>();
            YAML.readValues(parser, JsonNode.class).forEachRemaining(n -> {
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    docs.add(n);
                }
            });
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** docker-compose.yml as docker compose reads it: YAML merge keys ({@code <<: *anchor}) applied. */
    static JsonNode compose() {
        Object loaded = new org.yaml.snakeyaml.Yaml().load(read("docker-compose.yml"));
        return YAML.valueToTree(loaded);
    }

    /** Every manifest under k8s/ that is not a kustomization file. */
    static Map<Path, List<JsonNode>> manifestFiles() {
        try (Stream<Path> files = Files.walk(path("k8s"))) {
            Map<Path, List<JsonNode>> out = new LinkedHashMap<>();
            files.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml"))
                    .sorted()
                    .forEach(p -> out.put(p, documents(read(ROOT.relativize(p).toString()))));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code kubectl kustomize} of an overlay, or an error naming what is missing. */
    static List<JsonNode> kustomize(String overlay) {
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", path(overlay).toString())
                    .redirectErrorStream(false).start();
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + overlay + " failed: " + err);
            }
            return documents(out);
        } catch (IOException e) {
            throw new AssertionError("kubectl (1.21 or newer) is needed to render k8s/: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Properties applicationProperties(String service) {
        Properties p = new Properties();
        try (var in = Files.newInputStream(path(service + "/src/main/resources/application.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** {@code KEY=value} lines of an env file. */
    static Map<String, String> envFile(Path file) {
        Map<String, String> env = new LinkedHashMap<>();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String line : text.split("\n")) {
            Matcher m = Pattern.compile("^([A-Z_][A-Z0-9_]*)=(.*)$").matcher(line.trim());
            if (m.matches()) {
                env.put(m.group(1), m.group(2));
            }
        }
        return env;
    }
}
