package dev.trainpod.deploy.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The pod's entry script, sent as the pod's {@code args}: {@code pod/bootstrap.sh} with the agent (a zipapp of the
 * {@code trainpod_agent} package, {@code python3 agent.pyz run}), the simulated trainer (both zlib-compressed) and a
 * zip of the Trainpod trainer embedded in it as base64, so the pod needs nothing but bash and python3, and a stock
 * PyTorch image can train after installing the trainer's pinned libraries. The files come from the {@code pod}
 * module's jar (the repository's {@code pod/}), under {@code pod/} on the classpath.
 */
@ApplicationScoped
public class BootstrapScript {

    /** The trainer's files: the repository's {@code pod/trainer/}, which the {@code pod} module's jar carries. */
    static final List<String> TRAINER_FILES = List.of("trainpod_trainer.py", "trainer_config.py", "dataset_rows.py",
            "metrics_callback.py", "evaluation.py", "checkpoints.py", "distributed.py", "hub.py",
            "hyperparameters.json", "requirements.txt");

    /** The agent's files (the repository's {@code pod/agent/}), as agent.pyz holds them: the entry, the package. */
    static final List<String> AGENT_FILES = List.of("__main__.py", "trainpod_agent/__init__.py",
            "trainpod_agent/__main__.py", "trainpod_agent/core.py", "trainpod_agent/http_calls.py",
            "trainpod_agent/shipping.py", "trainpod_agent/terminate.py", "trainpod_agent/dataset.py",
            "trainpod_agent/artifacts.py", "trainpod_agent/checkpoints.py", "trainpod_agent/training.py",
            "trainpod_agent/main.py");

    private final String script;

    public BootstrapScript() {
        this.script = resource("pod/bootstrap.sh")
                .replace("__TRAINPOD_AGENT_B64__", deflated(agentZipapp()))
                .replace("__TRAINPOD_TRAINER_B64__",
                        deflated(resource("pod/sim_trainer.py").getBytes(StandardCharsets.UTF_8)))
                .replace("__TRAINPOD_TRAINER_BUNDLE_B64__", Base64.getEncoder().encodeToString(trainerBundle()));
    }

    /** The complete script, ready to be run with {@code bash -c}. */
    public String script() {
        return script;
    }

    /** The trainer's files as a zip, entries named by file name. */
    static byte[] trainerBundle() {
        return zip("pod/trainer/", TRAINER_FILES, false);
    }

    /**
     * agent.pyz: the agent's files in a zip whose entries are stored, not compressed, so that {@link #deflated}
     * compresses across all of them (a tenth smaller than a zip of separately compressed files).
     */
    static byte[] agentZipapp() {
        return zip("pod/agent/", AGENT_FILES, true);
    }

    private static byte[] zip(String directory, List<String> names, boolean stored) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(9);
            for (String name : names) {
                byte[] content = resource(directory + name).getBytes(StandardCharsets.UTF_8);
                ZipEntry entry = new ZipEntry(name);
                entry.setTime(0);
                if (stored) {
                    CRC32 crc = new CRC32();
                    crc.update(content);
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(content.length);
                    entry.setCompressedSize(content.length);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(content);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The bytes zlib-compressed, then base64 (python3's {@code zlib.decompress} reads it on the pod): a third of their
     * size, so the script stays well under the one-argument limit as the agent grows.
     */
    static String deflated(byte[] content) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        deflater.setInput(content);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private static String resource(String path) {
        try (InputStream in = BootstrapScript.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
