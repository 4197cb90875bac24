package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

class BootstrapScriptTest {

    private static final Path TRAINER = Path.of("..", "pod", "trainer");
    private static final Path AGENT = Path.of("..", "pod", "agent");

    @Test
    void theBundleCarriesEveryTrainerModuleTheHyperparameterRulesAndTheRequirementsUnchanged() throws IOException {
        Map<String, String> bundled = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(BootstrapScript.trainerBundle()))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                bundled.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        Map<String, String> expected = new HashMap<>();
        try (Stream<Path> files = Files.list(TRAINER)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".py") || f.toString().endsWith(".json")
                    || f.getFileName().toString().equals("requirements.txt")).toList()) {
                expected.put(f.getFileName().toString(), Files.readString(f));
            }
        }
        assertThat(bundled).isEqualTo(expected);
    }

    @Test
    void theAgentZipappCarriesEveryAgentFileUnchanged() throws IOException {
        Map<String, String> zipped = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(BootstrapScript.agentZipapp()))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                zipped.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        Map<String, String> expected = new HashMap<>();
        try (Stream<Path> files = Files.walk(AGENT)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".py")).toList()) {
                expected.put(AGENT.relativize(f).toString().replace('\\', '/'), Files.readString(f));
            }
        }
        assertThat(zipped).isEqualTo(expected);
    }

    @Test
    void theAgentZipappRunsWithPython() throws IOException, InterruptedException {
        Path pyz = Files.createTempFile("agent", ".pyz");
        try {
            Files.write(pyz, BootstrapScript.agentZipapp());
            Process python = new ProcessBuilder("python3", pyz.toString(), "--help").redirectErrorStream(true).start();
            String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(python.waitFor()).as(out).isZero();
            assertThat(out).contains("Trainpod pod agent", "run", "fail");
        } finally {
            Files.delete(pyz);
        }
    }

    @Test
    void everyPlaceholderIsFilledAndTheScriptFitsInOneArgument() {
        String script = new BootstrapScript().script();
        assertThat(script).doesNotContain("__TRAINPOD_");
        // Linux refuses a single argv string over 128 KiB (MAX_ARG_STRLEN); RunPod runs it as bash -c "<script>".
        assertThat(script.getBytes(StandardCharsets.UTF_8).length).isLessThan(100 * 1024);
    }
}
