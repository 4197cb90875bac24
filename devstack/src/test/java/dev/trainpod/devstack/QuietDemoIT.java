package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.devstack.shipping.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./run-local --demo} (the packaged {@code devstack.jar} it runs, started as run-local starts it, with its
 * own state folder and free ports) prints only the {@code [devstack]} and {@code [demo]} lines a person follows: not
 * one line of the embedded Kafka broker or PostgreSQL, whose logs land in its {@code logs/} folder instead.
 */
class QuietDemoIT {

    @Test
    void theDemoPrintsOnlyWhatAPersonFollows() throws Exception {
        Path state = Files.createTempDirectory("trainpod-quiet-demo");
        Path output = state.resolve("console.txt");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dtrainpod.root=" + Repo.path("."), "-jar",
                Repo.path("devstack/target/devstack.jar").toString(), "--demo")
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("TRAINPOD_STATE_DIR", state.toString());
        for (String port : List.of("TRAINPOD_DEPLOY_PORT", "TRAINPOD_DATASET_PORT", "TRAINPOD_METRICS_PORT",
                "TRAINPOD_RUNPOD_SIM_PORT")) {
            pb.environment().put(port, "0");
        }
        pb.environment().remove("RUNPOD_API_URL");
        Process demo = pb.start();
        boolean ended = demo.waitFor(6, TimeUnit.MINUTES);
        if (!ended) {
            demo.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(output);
        assertThat(ended).as("the demo ended: " + lines).isTrue();
        assertThat(demo.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines).as("the demo's console").contains("[demo] SUCCEEDED")
                .allSatisfy(line -> assertThat(line).matches("\\[(devstack|demo)] .*"));
        assertThat(String.join("\n", lines)).doesNotContainIgnoringCase("kafka").doesNotContain("INFO")
                .doesNotContainIgnoringCase("postgres");
        String infrastructure = read(state.resolve("logs").resolve(InfrastructureLogs.FILE));
        assertThat(infrastructure).as("the infrastructure's log").isNotBlank();
        assertThat(state.resolve("logs").resolve("deploy-service.log")).exists();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
