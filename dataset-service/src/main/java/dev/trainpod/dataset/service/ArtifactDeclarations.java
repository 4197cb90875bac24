package dev.trainpod.dataset.service;

import dev.trainpod.common.event.ArtifactsStored;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.outbox.Outbox;
import dev.trainpod.dataset.Artifact;
import dev.trainpod.dataset.ArtifactDeclaration;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.repository.ArtifactDeclarationRepository;
import dev.trainpod.dataset.repository.ArtifactRepository;
import dev.trainpod.dataset.repository.DeploymentGrantRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * A pod's declaration that its artifacts are final (issue 12): once every named artifact is stored complete, the
 * declaration is recorded and {@link ArtifactsStored} is published through the outbox in the same transaction, so
 * that metrics-service and deploy-service never record the job as failed afterwards. Once per deployment: a repeat
 * (the pod lost the answer) answers the first declaration and publishes nothing.
 */
@ApplicationScoped
public class ArtifactDeclarations {

    /** The most names one declaration may carry. */
    public static final int MAX_NAMES = 1000;

    private static final Logger LOG = Logger.getLogger(ArtifactDeclarations.class);

    private final ArtifactRepository artifacts;
    private final ArtifactDeclarationRepository declarations;
    private final DeploymentGrantRepository grants;
    private final Outbox outbox;

    public ArtifactDeclarations(ArtifactRepository artifacts, ArtifactDeclarationRepository declarations,
                                DeploymentGrantRepository grants, Outbox outbox) {
        this.artifacts = artifacts;
        this.declarations = declarations;
        this.grants = grants;
        this.outbox = outbox;
    }

    /**
     * Declares the named artifacts the deployment's final output.
     *
     * @throws dev.trainpod.common.problem.ProblemException (in the Uni) 400 for a bad name, 404 if the deployment
     *         is not known, 410 if it has ended, 409 if a named artifact is not stored complete
     */
    public Uni<Declared> declare(UUID deploymentId, String tokenOwner, List<String> names) {
        List<String> wanted = new ArrayList<>(new LinkedHashSet<>(names));
        wanted.forEach(ArtifactUploads::requireValidName);
        return Panache.withTransaction(() -> grants.findForUpdate(deploymentId)
                .chain(grant -> grants.orOpenedBy(grant, deploymentId, tokenOwner)).chain(grant -> {
            if (grant == null || grant.userId == null) {
                throw DatasetProblems.deploymentNotFound();
            }
            return declarations.findById(deploymentId).chain(existing -> {
                if (existing != null) {
                    return Uni.createFrom().item(new Declared(
                            (ArtifactsStored) EventCodec.fromJson("ArtifactsStored", existing.event), false));
                }
                if (grant.endedAt != null) {
                    throw DatasetProblems.deploymentEnded();
                }
                return record(deploymentId, grant.userId, wanted);
            });
        }));
    }

    private Uni<Declared> record(UUID deploymentId, String userId, List<String> names) {
        Uni<List<Artifact>> found = names.isEmpty() ? Uni.createFrom().item(List.of())
                : artifacts.listCompleteNamed(deploymentId, names);
        return found.chain(complete -> {
            Map<String, Artifact> byName = complete.stream()
                    .collect(Collectors.toMap(a -> a.name, Function.identity()));
            List<String> missing = names.stream().filter(n -> !byName.containsKey(n)).toList();
            if (!missing.isEmpty()) {
                throw DatasetProblems.artifactsIncomplete(missing);
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            ArtifactsStored event = new ArtifactsStored(deploymentId, names.stream().map(byName::get)
                    .map(a -> new ArtifactsStored.Artifact(a.id, a.name, a.bytes, a.sha256)).toList(), now);
            ArtifactDeclaration row = new ArtifactDeclaration();
            row.deploymentId = deploymentId;
            row.userId = userId;
            row.event = EventCodec.toJson(event);
            row.declaredAt = now;
            return declarations.persist(row)
                    .chain(() -> outbox.publish(event))
                    .invoke(() -> LOG.infof("deployment %s: %d artifacts declared final, ArtifactsStored published",
                            deploymentId, names.size()))
                    .replaceWith(new Declared(event, true));
        });
    }

    /** The declaration's event, and whether this request made it (false: it repeats an earlier one). */
    public record Declared(ArtifactsStored event, boolean created) {
    }
}
