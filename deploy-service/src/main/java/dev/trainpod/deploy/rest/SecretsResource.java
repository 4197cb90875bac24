package dev.trainpod.deploy.rest;

import dev.trainpod.common.security.Roles;
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

/** The user's secrets: the RunPod API key and a Hugging Face token, stored sealed and never returned. */
@Path("/api/v1/secrets")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class SecretsResource {

    private static final Pattern PRINTABLE = Pattern.compile("[!-~]{8,256}");
    private static final Pattern HUGGING_FACE_TOKEN = Pattern.compile("hf_[A-Za-z0-9]{8,253}");

    private final SecretsService secrets;
    private final JsonWebToken jwt;

    public SecretsResource(SecretsService secrets, JsonWebToken jwt) {
        this.secrets = secrets;
        this.jwt = jwt;
    }

    /** The body of a PUT of the RunPod key. */
    public record KeyRequest(String apiKey) {
    }

    /** The body of a PUT of the Hugging Face token. */
    public record TokenRequest(String token) {
    }

    /** What the user may know of a stored secret. */
    public record KeyStatus(boolean configured, String last4) {
    }

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

    @GET
    @Path("runpod")
    public Uni<KeyStatus> getRunPodKey() {
        return status(SecretKind.RUNPOD);
    }

    @DELETE
    @Path("runpod")
    public Uni<RestResponse<Void>> deleteRunPodKey() {
        return secrets.deleteRunPodKey(jwt.getSubject()).map(v -> RestResponse.noContent());
    }

    /** Stores the token that pods receive as {@code HF_TOKEN}, for gated or private models. */
    @PUT
    @Path("huggingface")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Void>> putHuggingFaceToken(TokenRequest body) {
        String token = body == null || body.token() == null ? "" : body.token().trim();
        if (!HUGGING_FACE_TOKEN.matcher(token).matches()) {
            throw DeployProblems.huggingFaceTokenMalformed();
        }
        return secrets.storeHuggingFaceToken(jwt.getSubject(), token).map(v -> RestResponse.noContent());
    }

    @GET
    @Path("huggingface")
    public Uni<KeyStatus> getHuggingFaceToken() {
        return status(SecretKind.HUGGINGFACE);
    }

    @DELETE
    @Path("huggingface")
    public Uni<RestResponse<Void>> deleteHuggingFaceToken() {
        return secrets.deleteHuggingFaceToken(jwt.getSubject()).map(v -> RestResponse.noContent());
    }

    private Uni<KeyStatus> status(SecretKind kind) {
        return secrets.last4(jwt.getSubject(), kind).map(l -> new KeyStatus(l.isPresent(), l.orElse(null)));
    }
}
