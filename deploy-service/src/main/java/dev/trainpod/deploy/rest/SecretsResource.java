package dev.trainpod.deploy.rest;

import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.api.KeyRequest;
import dev.trainpod.deploy.api.KeyStatus;
import dev.trainpod.deploy.api.TokenRequest;
import dev.trainpod.deploy.api.WandbKeyRequest;
import dev.trainpod.deploy.problem.DeployProblems;
import dev.trainpod.deploy.service.SecretsService;
import dev.trainpod.deploy.vault.SecretKind;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.regex.Pattern;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;

/** The user's secrets: the RunPod API key and a Hugging Face token, stored sealed and never returned. */
@Tag(name = "Secrets", description = "Your RunPod API key and Hugging Face token, stored encrypted.")
@Path("/api/v1/secrets")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class SecretsResource {

    private static final Pattern PRINTABLE = Pattern.compile("[!-~]{8,256}");
    private static final Pattern HUGGING_FACE_TOKEN = Pattern.compile("hf_[A-Za-z0-9]{8,253}");
    private static final Pattern WANDB_KEY = Pattern.compile("[A-Za-z0-9_-]{20,128}");

    private final SecretsService secrets;
    private final JsonWebToken jwt;

    public SecretsResource(SecretsService secrets, JsonWebToken jwt) {
        this.secrets = secrets;
        this.jwt = jwt;
    }

    @Operation(summary = "Store your RunPod API key",
            description = "Checks the key with RunPod and stores it encrypted; it is never shown again "
            + "(only its last 4 characters). Replacing a key keeps the old one for the pods it "
            + "started.")
    @APIResponse(responseCode = "204", description = "Stored.")
    @APIResponse(responseCode = "422", description = "Not a RunPod key (runpod-key-malformed) or RunPod refused it "
            + "(runpod-key-rejected).")
    @APIResponse(responseCode = "502", description = "RunPod could not be asked (runpod-unavailable).")
    @PUT
    @Path("runpod")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Void>> putRunPodKey(KeyRequest body) {
        String key = body == null || body.apiKey() == null ? "" : body.apiKey().trim();
        if (!PRINTABLE.matcher(key).matches()) {
            throw DeployProblems.runPodKeyMalformed();
        }
        return secrets.storeRunPodKey(jwt.getSubject(), key).map(v -> RestResponse.noContent());
    }

    @Operation(summary = "Whether a RunPod key is stored",
            description = "Answers whether a key is stored and its last 4 characters, never the key.")
    @APIResponse(responseCode = "200", description = "The key's status.",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = KeyStatus.class),
                    examples = @ExampleObject(name = "example",
                    value = "{\"configured\":true,\"last4\":\"x9Qa\"}")))
    @GET
    @Path("runpod")
    public Uni<KeyStatus> getRunPodKey() {
        return status(SecretKind.RUNPOD);
    }

    @Operation(summary = "Delete your RunPod key",
            description = "Removes the key for new deployments; running pods keep theirs until they end.")
    @APIResponse(responseCode = "204", description = "Deleted (or there was none).")
    @DELETE
    @Path("runpod")
    public Uni<RestResponse<Void>> deleteRunPodKey() {
        return secrets.deleteRunPodKey(jwt.getSubject()).map(v -> RestResponse.noContent());
    }

    /** Stores the token that pods receive as {@code HF_TOKEN}, for gated or private models. */
    @Operation(summary = "Store your Hugging Face token",
            description = "Stores the token encrypted, for gated models and pushing results to the Hub.")
    @APIResponse(responseCode = "204", description = "Stored.")
    @APIResponse(responseCode = "422", description = "Not a Hugging Face token (huggingface-token-malformed).")
    @PUT
    @Path("huggingface")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Void>> putHuggingFaceToken(TokenRequest body) {
        String token = body == null || body.token() == null ? "" : body.token().trim();
        if (!HUGGING_FACE_TOKEN.matcher(token).matches()) {
            throw DeployProblems.huggingFaceTokenMalformed();
        }
        return secrets.storeToken(jwt.getSubject(), SecretKind.HUGGINGFACE, token).map(v -> RestResponse.noContent());
    }

    @Operation(summary = "Whether a Hugging Face token is stored",
            description = "Answers whether a token is stored and its last 4 characters.")
    @APIResponse(responseCode = "200", description = "The token's status.")
    @GET
    @Path("huggingface")
    public Uni<KeyStatus> getHuggingFaceToken() {
        return status(SecretKind.HUGGINGFACE);
    }

    @Operation(summary = "Delete your Hugging Face token",
            description = "Removes the token.")
    @APIResponse(responseCode = "204", description = "Deleted (or there was none).")
    @DELETE
    @Path("huggingface")
    public Uni<RestResponse<Void>> deleteHuggingFaceToken() {
        return secrets.deleteToken(jwt.getSubject(), SecretKind.HUGGINGFACE).map(v -> RestResponse.noContent());
    }

    /** Stores the W&B API key that pods receive as {@code WANDB_API_KEY} when a deployment reports to W&B. */
    @Operation(summary = "Store your W&B API key",
            description = "Stores the key encrypted; pods of deployments with reporting.wandb receive it.")
    @APIResponse(responseCode = "204", description = "Stored.")
    @APIResponse(responseCode = "422", description = "Not a W&B API key (wandb-key-malformed).")
    @PUT
    @Path("wandb")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Void>> putWandbKey(WandbKeyRequest body) {
        String key = body == null || body.apiKey() == null ? "" : body.apiKey().trim();
        if (!WANDB_KEY.matcher(key).matches()) {
            throw DeployProblems.wandbKeyMalformed();
        }
        return secrets.storeToken(jwt.getSubject(), SecretKind.WANDB, key).map(v -> RestResponse.noContent());
    }

    @Operation(summary = "Whether a W&B API key is stored",
            description = "Answers whether a key is stored and its last 4 characters.")
    @APIResponse(responseCode = "200", description = "The key's status.")
    @GET
    @Path("wandb")
    public Uni<KeyStatus> getWandbKey() {
        return status(SecretKind.WANDB);
    }

    @Operation(summary = "Delete your W&B API key", description = "Removes the key.")
    @APIResponse(responseCode = "204", description = "Deleted (or there was none).")
    @DELETE
    @Path("wandb")
    public Uni<RestResponse<Void>> deleteWandbKey() {
        return secrets.deleteToken(jwt.getSubject(), SecretKind.WANDB).map(v -> RestResponse.noContent());
    }

    private Uni<KeyStatus> status(SecretKind kind) {
        return secrets.last4(jwt.getSubject(), kind).map(l -> new KeyStatus(l.isPresent(), l.orElse(null)));
    }
}
