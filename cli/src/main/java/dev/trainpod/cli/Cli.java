package dev.trainpod.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.trainpod.cli.api.ApiClient;
import dev.trainpod.cli.api.Endpoints;
import dev.trainpod.cli.config.ConfigStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * What every command shares in one run: the streams, the environment, the global options (output format, API
 * addresses), the settings file and the API client built from them. Tests build one with their own streams and
 * environment and run commands in-process.
 */
public final class Cli {

    /** How results are printed: for people, or as JSON for scripts. */
    public enum Format { TEXT, JSON }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String LOCAL_DEPLOY = "http://localhost:8081";
    private static final String LOCAL_DATASET = "http://localhost:8082";
    private static final String LOCAL_METRICS = "http://localhost:8083";

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final BufferedReader in;
    private final boolean terminal;
    private Format format = Format.TEXT;
    private String apiUrl;
    private String deployUrl;
    private String datasetUrl;
    private String metricsUrl;
    private ConfigStore config;
    private ApiClient api;

    /**
     * @param terminal whether a person watches: live progress lines are drawn only then
     */
    public Cli(Map<String, String> env, PrintStream out, PrintStream err, BufferedReader in, boolean terminal) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.in = in;
        this.terminal = terminal;
    }

    public Map<String, String> env() {
        return env;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public boolean terminal() {
        return terminal;
    }

    public boolean json() {
        return format == Format.JSON;
    }

    void format(Format f) {
        format = f;
    }

    void apiUrl(String url) {
        apiUrl = url;
    }

    void deployUrl(String url) {
        deployUrl = url;
    }

    void datasetUrl(String url) {
        datasetUrl = url;
    }

    void metricsUrl(String url) {
        metricsUrl = url;
    }

    /** The addresses given on this command line (not the environment's or the settings'), for login to store. */
    public Map<String, String> commandLineAddresses() {
        Map<String, String> given = new java.util.LinkedHashMap<>();
        putIfSet(given, ConfigStore.API_URL, apiUrl);
        putIfSet(given, ConfigStore.DEPLOY_URL, deployUrl);
        putIfSet(given, ConfigStore.DATASET_URL, datasetUrl);
        putIfSet(given, ConfigStore.METRICS_URL, metricsUrl);
        return given;
    }

    public ConfigStore config() {
        if (config == null) {
            config = ConfigStore.open(ConfigStore.directory(env));
        }
        return config;
    }

    /**
     * Each service's address: its own option, then {@code --api-url}, its {@code TRAINPOD_<SERVICE>_URL},
     * {@code TRAINPOD_API_URL}, the settings file's per-service and common address, and last the local stack's
     * ports (8081, 8082, 8083).
     */
    public Endpoints endpoints() {
        return new Endpoints(
                address(deployUrl, "TRAINPOD_DEPLOY_URL", ConfigStore.DEPLOY_URL, LOCAL_DEPLOY),
                address(datasetUrl, "TRAINPOD_DATASET_URL", ConfigStore.DATASET_URL, LOCAL_DATASET),
                address(metricsUrl, "TRAINPOD_METRICS_URL", ConfigStore.METRICS_URL, LOCAL_METRICS));
    }

    /** The token: {@code TRAINPOD_TOKEN}, else the one {@code trainpod login} stored. */
    public String token() {
        String fromEnv = env.get("TRAINPOD_TOKEN");
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv.strip() : config().get(ConfigStore.TOKEN);
    }

    public ApiClient api() {
        if (api == null) {
            api = new ApiClient(endpoints(), token());
        }
        return api;
    }

    /** Prints a JSON document on stdout (indented). */
    public void printJson(Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prints one compact JSON line on stdout (for streams of events). */
    public void printJsonLine(JsonNode value) {
        out.println(value.toString());
        out.flush();
    }

    /** Reads one line of the person's answer; null at the end of input. */
    public String readLine() {
        try {
            return in.readLine();
        } catch (IOException e) {
            return null;
        }
    }

    public static ObjectMapper mapper() {
        return JSON;
    }

    private String address(String option, String envName, String configKey, String fallback) {
        String[] candidates = {option, apiUrl, env.get(envName), env.get("TRAINPOD_API_URL"), config().get(configKey),
            config().get(ConfigStore.API_URL)};
        for (String c : candidates) {
            if (c != null && !c.isBlank()) {
                return c.strip();
            }
        }
        return fallback;
    }

    private static void putIfSet(Map<String, String> map, String key, String value) {
        if (value != null && !value.isBlank()) {
            map.put(key, value.strip());
        }
    }
}
