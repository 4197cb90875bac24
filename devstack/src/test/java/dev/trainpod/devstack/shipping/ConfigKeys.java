package dev.trainpod.devstack.shipping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The configuration keys a service reads, as environment variable names: its application.properties (and the
 * variables its values refer to), its and common's {@code @ConfigMapping} interfaces, common's shared
 * properties, and the framework keys every service is deployed with.
 */
final class ConfigKeys {

    private static final List<String> FRAMEWORK = List.of("quarkus.datasource.jdbc.url",
            "quarkus.datasource.reactive.url", "quarkus.datasource.username", "quarkus.datasource.password",
            "quarkus.http.port", "quarkus.http.host", "kafka.bootstrap.servers", "mp.jwt.verify.publickey.location",
            "quarkus.log.console.json.enabled");
    private static final Pattern PREFIX = Pattern.compile("@ConfigMapping\\(prefix = \"([^\"]+)\"\\)");
    private static final Pattern PROPERTY = Pattern.compile("^\\s+[\\w<>, .]+\\s+(\\w+)\\(\\);", Pattern.MULTILINE);
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)");

    private ConfigKeys() {
    }

    /** Every environment variable name the service would read. */
    static Set<String> envNames(String service) {
        Set<String> keys = new HashSet<>(FRAMEWORK);
        if ("deploy-service".equals(service)) {
            keys.add("smallrye.jwt.sign.key.location"); // only deploy-service signs tokens
        }
        Properties props = Repo.applicationProperties(service);
        for (String name : props.stringPropertyNames()) {
            keys.add(name.replaceFirst("^%\\w+\\.", ""));
            Matcher m = ENV_REFERENCE.matcher(props.getProperty(name));
            while (m.find()) {
                keys.add(m.group(1));
            }
        }
        Properties shared = new Properties();
        try (var in = Files.newInputStream(Repo.path("common/src/main/resources/META-INF/microprofile-config.properties"))) {
            shared.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keys.addAll(shared.stringPropertyNames());
        keys.addAll(mappingProperties(Repo.path(service + "/src/main/java")));
        keys.addAll(mappingProperties(Repo.path("common/src/main/java")));
        Set<String> env = new HashSet<>();
        keys.forEach(k -> env.add(toEnv(k)));
        return env;
    }

    /** The environment variable form of a property name, as SmallRye Config maps it. */
    static String toEnv(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    private static Set<String> mappingProperties(Path sources) {
        Set<String> out = new HashSet<>();
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                String src = read(p);
                Matcher prefix = PREFIX.matcher(src);
                if (!prefix.find()) {
                    return;
                }
                Matcher prop = PROPERTY.matcher(src);
                while (prop.find()) {
                    out.add(prefix.group(1) + "." + kebab(prop.group(1)));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
