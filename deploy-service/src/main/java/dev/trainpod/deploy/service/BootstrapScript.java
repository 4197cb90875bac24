package dev.trainpod.deploy.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The pod's entry script, sent as the pod's {@code args}: {@code pod/bootstrap.sh} with the agent and the
 * simulated trainer embedded in it as base64, so the pod needs nothing but bash and python3.
 */
@ApplicationScoped
public class BootstrapScript {

    private final String script;

    public BootstrapScript() {
        this.script = resource("pod/bootstrap.sh")
                .replace("__TRAINPOD_AGENT_B64__", base64(resource("pod/trainpod_agent.py")))
                .replace("__TRAINPOD_TRAINER_B64__", base64(resource("pod/sim_trainer.py")));
    }

    /** The complete script, ready to be run with {@code bash -c}. */
    public String script() {
        return script;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
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
