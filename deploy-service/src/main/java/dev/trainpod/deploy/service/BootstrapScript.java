package dev.trainpod.deploy.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The pod's entry script, sent as the pod's {@code args}: {@code pod/bootstrap.sh} with the agent and the simulated
 * trainer (zlib-compressed) and a zip of the Trainpod trainer embedded in it as base64, so the pod needs nothing but bash and python3,
 * and a stock PyTorch image can train after installing the trainer's pinned libraries.
 */
@ApplicationScoped
public class BootstrapScript {

    /** The trainer's files: the repository's {@code pod/trainer/}, which the {@code pod} module's jar carries. */
    static final List<String> TRAINER_FILES = List.of("trainpod_trainer.py", "trainer_config.py", "dataset_rows.py",
            "metrics_callback.py", "evaluation.py", "checkpoints.py", "distributed.py", "hub.py",
            "hyperparameters.json", "requirements.txt");

    private final String script;

    public BootstrapScript() {
        this.script = resource("pod/bootstrap.sh")
                .replace("__TRAINPOD_AGENT_B64__", deflated(resource("pod/trainpod_agent.py")))
                .replace("__TRAINPOD_TRAINER_B64__", deflated(resource("pod/sim_trainer.py")))
                .replace("__TRAINPOD_TRAINER_BUNDLE_B64__", Base64.getEncoder().encodeToString(trainerBundle()));
    }

    /** The complete script, ready to be run with {@code bash -c}. */
    public String script() {
        return script;
    }

    /** The trainer's files as a zip, entries named by file name. */
    static byte[] trainerBundle() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(9);
            for (String name : TRAINER_FILES) {
                ZipEntry entry = new ZipEntry(name);
                entry.setTime(0);
                zip.putNextEntry(entry);
                zip.write(resource("pod/trainer/" + name).getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The text zlib-compressed, then base64 (python3's {@code zlib.decompress} reads it on the pod): a third of its
     * size, so the script stays well under the one-argument limit as the agent grows.
     */
    static String deflated(String text) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        deflater.setInput(text.getBytes(StandardCharsets.UTF_8));
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
