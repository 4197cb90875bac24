package dev.trainpod.deploy.service;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.deploy.repository.DeploymentRepository;
import dev.trainpod.deploy.client.RunPodClient;
import dev.trainpod.deploy.client.RunPodException;
import dev.trainpod.deploy.vault.SecretKind;
import dev.trainpod.deploy.vault.SecretVault;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/**
 * Users' secrets: a RunPod key is checked against RunPod before it is sealed, and is not forgotten while live pods need
 * it; a Hugging Face token is sealed as it is (the pod uses it; a gated model it cannot read fails with that cause).
 */
@ApplicationScoped
public class SecretsService {

    private final SecretVault vault;
    private final RunPodClient runPod;
    private final DeploymentRepository deployments;

    public SecretsService(SecretVault vault, RunPodClient runPod, DeploymentRepository deployments) {
        this.deployments = deployments;
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

    public Uni<Void> deleteRunPodKey(String userId) {
        return Panache.withTransaction(() -> deployments.podsNotTerminated(userId)
                .chain(live -> {
                    if (live > 0) {
                        return Uni.createFrom().failure(ProblemException.conflict("runpod-key-in-use",
                                live + " of your pods are still running and need this key to be terminated; "
                                        + "cancel them first."));
                    }
                    return vault.delete(userId, SecretKind.RUNPOD).replaceWithVoid();
                }));
    }

    private static Throwable rejected(RunPodException e) {
        if (e.kind() == RunPodException.Kind.UNAUTHORIZED || e.kind() == RunPodException.Kind.FORBIDDEN) {
            return ProblemException.unprocessable("runpod-key-rejected", "RunPod rejected this API key.",
                    List.of(new Problem.FieldError("apiKey", "RUNPOD_KEY_REJECTED",
                            "RunPod answered " + e.status() + " to this key.",
                            "In the RunPod console open Settings > API Keys, create a key with read/write "
                                    + "access to pods, and store it here.")));
        }
        return ProblemException.badGateway("runpod-unavailable",
                "RunPod could not be reached to check the key; try again in a minute.");
    }
}
