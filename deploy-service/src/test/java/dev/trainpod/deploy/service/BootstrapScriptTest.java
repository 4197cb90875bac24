package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

class BootstrapScriptTest {

    private static final Path TRAINER = Path.of("..", "pod", "trainer");
    private static final Path AGENT = Path.of("..", "pod", "agent");

    @Test
    void theBundleCarriesEveryTrainerModuleTheHyperparameterRulesAndTheRequirementsUnchanged() throws IOException {
        assertThat(entries(BootstrapScript.trainerBundle())).isEqualTo(files(TRAINER, 1, f -> f.endsWith(".py")
                || f.endsWith(".json") || f.equals("requirements.txt")));
    }

    @Test
    void theAgentZipappCarriesEveryAgentFileUnchanged() throws IOException {
        assertThat(entries(BootstrapScript.agentZipapp())).isEqualTo(files(AGENT, 2, f -> f.endsWith(".py")));
    }

    /** The zip's entries: name → text. */
    private static Map<String, String> entries(byte[] content) throws IOException {
        Map<String, String> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(content))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                entries.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return entries;
    }

    /** The directory's files down to depth whose names pass: relative path (with /) → text. */
    private static Map<String, String> files(Path dir, int depth, Predicate<String> name) throws IOException {
        Map<String, String> files = new HashMap<>();
        try (Stream<Path> found = Files.walk(dir, depth)) {
            for (Path f : found.filter(f -> Files.isRegularFile(f) && name.test(f.getFileName().toString())).toList()) {
                files.put(dir.relativize(f).toString().replace('\\', '/'), Files.readString(f));
            }
        }
        return files;
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
