package dev.trainpod.deploy.service;

import dev.trainpod.deploy.config.DeployConfig;
import dev.trainpod.deploy.repository.InstallationRepository;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The names of this installation's pods, {@code trainpod-<installation>-<deployment id>} (at most 58 characters:
 * RunPod asks for names of at most 60), and what a pod's name says about whose it is. The installation id comes
 * from {@code trainpod.deploy.installation-id}, or else from the database, where the first start stored a random
 * one. Pods named {@code trainpod-<deployment id>}, as before installation ids, are still recognised.
 */
@ApplicationScoped
public class PodNames {

    static final String PREFIX = "trainpod-";
    private static final Pattern INSTALLATION = Pattern.compile("[a-z0-9]{1,12}");
    private static final int UUID_LENGTH = 36;

    private final DeployConfig config;
    private final InstallationRepository installations;
    private volatile String installation;

    public PodNames(DeployConfig config, InstallationRepository installations) {
        this.config = config;
        this.installations = installations;
    }

    /**
     * What a pod's name says.
     *
     * @param installation the installation it names, or null for a name from before installation ids
     */
    public record Parsed(String installation, UUID deploymentId) {

        boolean legacy() {
            return installation == null;
        }
    }

    /**
     * Reads the id before the scheduler starts the jobs that name pods (the scheduler starts at priority 0), so a
     * provisioning claimed at start never finds it unread.
     */
    void load(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE - 1) StartupEvent start) {
        String id = config.installationId().map(String::trim).orElse(null);
        if (id == null) {
            id = installations.id().await().atMost(Duration.ofSeconds(30));
        }
        if (!INSTALLATION.matcher(id).matches()) {
            throw new IllegalStateException("trainpod.deploy.installation-id (TRAINPOD_DEPLOY_INSTALLATION_ID) must be"
                    + " 1 to 12 lower-case letters or digits, so that pod names stay within RunPod's 60 characters;"
                    + " it is \"" + id + "\"");
        }
        installation = id;
    }

    /** This installation's id. */
    public String installation() {
        if (installation == null && config.installationId().isPresent()) {
            installation = config.installationId().get().trim(); // set, so nothing waits for the start-up read
        }
        if (installation == null) {
            throw new IllegalStateException("the installation id is read at start-up and was not read");
        }
        return installation;
    }

    /** The name of the deployment's pod. */
    public String name(UUID deploymentId) {
        return PREFIX + installation() + "-" + deploymentId;
    }

    /** What the name says, if it is a Trainpod pod name at all. */
    public static Optional<Parsed> parse(String name) {
        if (name == null || !name.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = name.substring(PREFIX.length());
        if (rest.length() == UUID_LENGTH) {
            return uuid(rest).map(id -> new Parsed(null, id));
        }
        int cut = rest.length() - UUID_LENGTH - 1;
        if (cut < 1 || rest.charAt(cut) != '-' || !INSTALLATION.matcher(rest.substring(0, cut)).matches()) {
            return Optional.empty();
        }
        String installation = rest.substring(0, cut);
        return uuid(rest.substring(cut + 1)).map(id -> new Parsed(installation, id));
    }

    /** Whether the name is one this installation gave, or one from before installation ids. */
    public Optional<Parsed> ours(String name) {
        return parse(name).filter(p -> p.legacy() || p.installation().equals(installation()));
    }

    private static Optional<UUID> uuid(String text) {
        try {
            UUID id = UUID.fromString(text);
            return id.toString().equals(text.toLowerCase()) ? Optional.of(id) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
