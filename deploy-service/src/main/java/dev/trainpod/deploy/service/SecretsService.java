package dev.trainpod.deploy.service;

import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodException;
import dev.trainpod.deploy.problem.DeployProblems;
import dev.trainpod.deploy.vault.SecretKind;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Users' secrets: a RunPod key is checked against RunPod before it is sealed, and a replaced or deleted one is kept
 * sealed for the pods it created (see {@link PodCredentials}); a Hugging Face token is sealed as it is (the pod uses it; a gated model it cannot read fails with that cause).
 */
@ApplicationScoped
public class SecretsService {

    private final SecretVault vault;
    private final RunPodClient runPod;

    public SecretsService(SecretVault vault, RunPodClient runPod) {
        this.vault = vault;
        this.runPod = runPod;
    }

    public Uni<Void> storeRunPodKey(String userId, String apiKey) {
        return runPod.listPods(apiKey)
                .onFailure(RunPodException.class).transform(e -> rejected((RunPodException) e))
                .chain(pods -> Panache.withTransaction(() -> vault.store(userId, SecretKind.RUNPOD, apiKey)));
    }

    public Uni<Void> storeHuggingFaceToken(String userId, String token) {
        return Panache.withTransaction(() -> vault.store(userId, SecretKind.HUGGINGFACE, token));
    }

    public Uni<Optional<String>> last4(String userId, SecretKind kind) {
        return Panache.withSession(() -> vault.last4(userId, kind));
    }

    /** Forgets the Hugging Face token; pods already started keep the one they were given. */
    public Uni<Void> deleteHuggingFaceToken(String userId) {
        return Panache.withTransaction(() -> vault.delete(userId, SecretKind.HUGGINGFACE)).replaceWithVoid();
    }

    /**
     * Retires the RunPod key: no new pod is created with it, while the pods it created are still read and
     * terminated with it until none is live; then it is deleted.
     */
    public Uni<Void> deleteRunPodKey(String userId) {
        return Panache.withTransaction(() -> vault.delete(userId, SecretKind.RUNPOD)).replaceWithVoid();
    }

    private static Throwable rejected(RunPodException e) {
        if (e.kind() == RunPodException.Kind.UNAUTHORIZED || e.kind() == RunPodException.Kind.FORBIDDEN) {
            return DeployProblems.runPodKeyRejected(e.status());
        }
        return DeployProblems.runPodUnavailable("RunPod could not be reached to check the key; try again in a minute.");
    }
}
