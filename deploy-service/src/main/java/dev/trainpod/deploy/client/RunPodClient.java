package dev.trainpod.deploy.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.deploy.client.RunPodException.Kind;
import dev.trainpod.deploy.config.RunPodConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * Calls RunPod REST v2 with the resilience its documentation asks for: 429 waits as {@code Retry-After} says,
 * GET/DELETE retry 5xx with backoff, and a create is repeated only after listing pods by name shows the first
 * attempt made none. Every failure surfaces as a {@link RunPodException} saying what it means.
 */
@ApplicationScoped
public class RunPodClient {

    private static final Logger LOG = Logger.getLogger(RunPodClient.class);
    private static final String NO_CAPACITY_MARK = "no longer any instances available";

    private final RunPodApi api;
    private final RunPodConfig config;
    private final ObjectMapper json;

    public RunPodClient(@RestClient RunPodApi api, RunPodConfig config, ObjectMapper json) {
        this.api = api;
        this.config = config;
        this.json = json;
    }

    /**
     * Creates a pod, never twice: after a 5xx or a timeout it first looks for a pod of the same name, and before each
     * further attempt it asks {@code stillWanted}, since a pod whose create answer was lost may have run to its end
     * and gone (RunPod forgets terminated pods) while the calls were failing. The item is null when it was not.
     */
    public Uni<RunPodModels.Pod> createPod(String apiKey, RunPodModels.CreatePod body,
                                           Supplier<Uni<Boolean>> stillWanted) {
        return createPod(apiKey, body, stillWanted, 1);
    }

    private Uni<RunPodModels.Pod> createPod(String apiKey, RunPodModels.CreatePod body,
                                            Supplier<Uni<Boolean>> stillWanted, int attempt) {
        return api.createPod(bearer(apiKey), body)
                .onFailure().transform(this::classify)
                .onFailure(RunPodException.class).recoverWithUni(f -> {
                    RunPodException e = (RunPodException) f;
                    if (attempt >= config.maxAttempts()) {
                        return Uni.createFrom().failure(e);
                    }
                    if (e.kind() == Kind.RATE_LIMITED) {
                        return pause(e.retryAfter()).chain(() -> again(apiKey, body, stillWanted, attempt));
                    }
                    if (e.kind() == Kind.TRANSIENT) {
                        return pause(backoff(attempt)).chain(() -> findByName(apiKey, body.name()))
                                .chain(found -> found.isPresent()
                                        ? Uni.createFrom().item(found.get())
                                        : again(apiKey, body, stillWanted, attempt));
                    }
                    return Uni.createFrom().failure(e);
                });
    }

    private Uni<RunPodModels.Pod> again(String apiKey, RunPodModels.CreatePod body, Supplier<Uni<Boolean>> stillWanted,
                                       int attempt) {
        return stillWanted.get().chain(wanted -> wanted
                ? createPod(apiKey, body, stillWanted, attempt + 1)
                : Uni.createFrom().nullItem());
    }

    /** The pod, or empty when RunPod no longer knows it. */
    public Uni<Optional<RunPodModels.Pod>> getPod(String apiKey, String podId) {
        return retrying(() -> api.getPod(bearer(apiKey), podId), 1)
                .map(Optional::of)
                .onFailure(e -> e instanceof RunPodException r && r.kind() == Kind.NOT_FOUND)
                .recoverWithItem(Optional.empty());
    }

    /**
     * Terminates the pod, which ends its billing. A 404 counts as terminated only when the account's pod list does
     * not show the pod either: RunPod answers 404 for a pod it has forgotten, but also for one it cannot find this
     * time, and the list is the second witness.
     */
    public Uni<Void> terminatePod(String apiKey, String podId) {
        return retrying(() -> api.deletePod(bearer(apiKey), podId), 1)
                .onFailure(e -> e instanceof RunPodException r && r.kind() == Kind.NOT_FOUND)
                .recoverWithUni(e -> listPods(apiKey).chain(pods -> pods.stream()
                        .anyMatch(p -> podId.equals(p.id()) && !"TERMINATED".equals(p.status()))
                        ? Uni.createFrom().failure(new RunPodException(Kind.NOT_FOUND, 404,
                                "DELETE answered 404, but the account still lists pod " + podId, null))
                        : Uni.createFrom().voidItem()));
    }

    /** Every pod of the account, following pagination. */
    public Uni<List<RunPodModels.Pod>> listPods(String apiKey) {
        return listFrom(apiKey, null, new ArrayList<>());
    }

    /** The pod with exactly this name, if the account has one. */
    public Uni<Optional<RunPodModels.Pod>> findByName(String apiKey, String name) {
        return listPods(apiKey).map(pods -> pods.stream().filter(p -> name.equals(p.name())).findFirst());
    }

    /** The GPU catalog with prices and availability. */
    public Uni<RunPodModels.GpuCatalog> gpuCatalog(String apiKey) {
        return retrying(() -> api.gpuCatalog(bearer(apiKey), "AVAILABILITY", "POD"), 1);
    }

    private Uni<List<RunPodModels.Pod>> listFrom(String apiKey, String cursor, List<RunPodModels.Pod> acc) {
        return retrying(() -> api.listPods(bearer(apiKey), cursor), 1).chain(page -> {
            if (page.pods() != null) {
                acc.addAll(page.pods());
            }
            RunPodModels.Pagination p = page.pagination();
            boolean more = p != null && Boolean.TRUE.equals(p.hasNextPage()) && p.nextCursor() != null;
            return more ? listFrom(apiKey, p.nextCursor(), acc) : Uni.createFrom().item(acc);
        });
    }

    private <T> Uni<T> retrying(Supplier<Uni<T>> call, int attempt) {
        return Uni.createFrom().<T>deferred(call::get)
                .onFailure().transform(this::classify)
                .onFailure(RunPodException.class).recoverWithUni(f -> {
                    RunPodException e = (RunPodException) f;
                    boolean again = attempt < config.maxAttempts()
                            && (e.kind() == Kind.TRANSIENT || e.kind() == Kind.RATE_LIMITED);
                    if (!again) {
                        return Uni.createFrom().failure(e);
                    }
                    Duration wait = e.kind() == Kind.RATE_LIMITED ? e.retryAfter() : backoff(attempt);
                    return pause(wait).chain(() -> retrying(call, attempt + 1));
                });
    }

    private Throwable classify(Throwable t) {
        if (t instanceof RunPodException) {
            return t;
        }
        if (t instanceof WebApplicationException wae) {
            Response r = wae.getResponse();
            int status = r.getStatus();
            String detail = detailOf(r);
            Kind kind = switch (status) {
                case 400 -> detail.contains(NO_CAPACITY_MARK) ? Kind.NO_CAPACITY : Kind.REJECTED;
                case 401 -> Kind.UNAUTHORIZED;
                case 402 -> Kind.INSUFFICIENT_BALANCE;
                case 403 -> Kind.FORBIDDEN;
                case 404 -> Kind.NOT_FOUND;
                case 429 -> Kind.RATE_LIMITED;
                default -> status >= 500 ? Kind.TRANSIENT : Kind.REJECTED;
            };
            Duration retryAfter = kind == Kind.RATE_LIMITED ? retryAfter(r) : null;
            return new RunPodException(kind, status, detail, retryAfter);
        }
        if (t instanceof ProcessingException || t instanceof java.io.IOException
                || t instanceof java.util.concurrent.TimeoutException) {
            LOG.debugf("RunPod call failed in transport: %s", t.getMessage());
            return new RunPodException(Kind.TRANSIENT, 0, "no answer (" + t.getClass().getSimpleName() + ")", null);
        }
        return t;
    }

    private String detailOf(Response r) {
        try {
            String body = r.readEntity(String.class);
            if (body == null || body.isBlank()) {
                return "";
            }
            JsonNode node = json.readTree(body);
            return node.hasNonNull("detail") ? node.get("detail").asText() : body;
        } catch (RuntimeException | java.io.IOException e) {
            return "";
        }
    }

    private Duration retryAfter(Response r) {
        String header = r.getHeaderString("Retry-After");
        try {
            long seconds = header == null ? 1 : Long.parseLong(header.trim());
            return Duration.ofSeconds(Math.min(Math.max(seconds, 0), config.maxRetryAfter().toSeconds()));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(1);
        }
    }

    private Duration backoff(int attempt) {
        long millis = config.backoffBase().toMillis() * (1L << Math.min(attempt - 1, 6));
        return Duration.ofMillis(Math.min(millis, config.backoffMax().toMillis()));
    }

    private static Uni<Void> pause(Duration d) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(d);
    }

    private static String bearer(String apiKey) {
        return "Bearer " + apiKey;
    }
}
