package dev.trainpod.deploy.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.deploy.config.HubConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Asks the Hugging Face Hub what a token may do ({@code GET /api/whoami-v2}), for the pre-flight check of a push.
 * Non-blocking (the JDK client's asynchronous send); the base URL is a setting, so a test puts a local HTTP server in
 * the Hub's place. Transport errors and the Hub's own errors become {@link HubAccess.Kind#UNAVAILABLE}; a 401 is
 * {@link HubAccess.Kind#REJECTED}. The token goes only into the Authorization header, never into a log.
 */
@ApplicationScoped
public class HuggingFaceClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Duration timeout;
    private final HttpClient http;

    @Inject
    public HuggingFaceClient(HubConfig config) {
        this(URI.create(config.url()), config.timeout());
    }

    /** A client of the Hub at {@code base}, each check bounded by {@code timeout}. */
    public HuggingFaceClient(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Whether {@code token} may push to {@code repo} ({@code namespace/name}). */
    public Uni<HubAccess> writeAccess(String token, String repo) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/whoami-v2"))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .GET().build();
        // The JDK client completes on its own threads: the answer goes back to the caller's Vert.x context, where
        // the pre-flight goes on to open a database session.
        Context caller = Vertx.currentContext();
        Uni<HubAccess> access = Uni.createFrom()
                .completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .map(response -> verdict(response, repo))
                .onFailure().recoverWithItem(e -> new HubAccess(HubAccess.Kind.UNAVAILABLE,
                        "the Hub could not be reached (" + e.getClass().getSimpleName() + ")"));
        return caller == null ? access : access.emitOn(task -> caller.runOnContext(ignored -> task.run()));
    }

    private static HubAccess verdict(HttpResponse<String> response, String repo) {
        if (response.statusCode() == 401) {
            return new HubAccess(HubAccess.Kind.REJECTED, "the Hub does not know the token");
        }
        if (response.statusCode() != 200) {
            return new HubAccess(HubAccess.Kind.UNAVAILABLE, "the Hub answered " + response.statusCode());
        }
        try {
            return HubAccess.of(JSON.readTree(response.body()), repo);
        } catch (IOException e) {
            return new HubAccess(HubAccess.Kind.UNAVAILABLE, "the Hub's answer was not JSON");
        }
    }
}
