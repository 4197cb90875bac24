package dev.trainpod.deploy.rest;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemException;
import dev.trainpod.common.security.Roles;
import dev.trainpod.deploy.service.SecretsService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;

/** The user's RunPod API key: stored sealed, checked against RunPod, never returned. */
@Path("/api/v1/secrets/runpod")
@RolesAllowed(Roles.USER)
@Produces(MediaType.APPLICATION_JSON)
public class SecretsResource {

    private final SecretsService secrets;
    private final JsonWebToken jwt;

    public SecretsResource(SecretsService secrets, JsonWebToken jwt) {
        this.secrets = secrets;
        this.jwt = jwt;
    }

    /** The body of a PUT. */
    public record KeyRequest(String apiKey) {
    }

    /** What the user may know of the stored key. */
    public record KeyStatus(boolean configured, String last4) {
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Void>> put(KeyRequest body) {
        String key = body == null || body.apiKey() == null ? "" : body.apiKey().trim();
        if (key.length() < 8 || key.length() > 256 || !key.chars().allMatch(c -> c > 32 && c < 127)) {
            throw ProblemException.unprocessable("runpod-key-malformed", "apiKey must be a RunPod API key.",
                    List.of(new Problem.FieldError("apiKey", "RUNPOD_KEY_MALFORMED",
                            "apiKey must be 8 to 256 printable characters without spaces.",
                            "Copy the key from the RunPod console under Settings > API Keys.")));
        }
        return secrets.store(jwt.getSubject(), key).map(v -> RestResponse.noContent());
    }

    @GET
    public Uni<KeyStatus> get() {
        return secrets.last4(jwt.getSubject()).map(l -> new KeyStatus(l.isPresent(), l.orElse(null)));
    }

    @DELETE
    public Uni<RestResponse<Void>> delete() {
        return secrets.delete(jwt.getSubject()).map(v -> RestResponse.noContent());
    }
}
