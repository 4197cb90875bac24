package dev.trainpod.deploy.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.api.ModelView;
import dev.trainpod.deploy.service.DeploymentService;
import dev.trainpod.deploy.service.HyperparameterRules;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The models the user trained, newest first, each with its lineage ({@link ModelView}). */
@Tag(name = "Models", description = "The models you trained, with their lineage.")
@Path("/api/v1/models")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    private final DeploymentService deployments;
    private final HyperparameterRules hyperparameters;
    private final JsonWebToken jwt;

    public ModelsResource(DeploymentService deployments, HyperparameterRules hyperparameters, JsonWebToken jwt) {
        this.deployments = deployments;
        this.hyperparameters = hyperparameters;
        this.jwt = jwt;
    }

    @Operation(summary = "List the models you trained",
            description = "Your succeeded deployments, newest first: base model, method and adapter, the dataset and "
            + "its SHA-256, the validation set, every hyperparameter, the best eval loss, the cost and where the "
            + "model lives (Trainpod's artifacts, the Hugging Face repository when pushed).")
    @APIResponse(responseCode = "200", description = "The models, newest first (at most 200).")
    @GET
    public Uni<List<ModelView>> list() {
        return deployments.models(jwt.getSubject()).map(models -> models.stream()
                .map(d -> ModelView.of(d, hyperparameters.resolve(d.spec().hyperparameters()))).toList());
    }
}
