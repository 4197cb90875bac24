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
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * Calls RunPod REST v2 with the resilience its documentation asks for, through one retry policy ({@code retrying})
 * and one error mapping ({@code classify}): 429 waits as {@code Retry-After} says, 5xx and timeouts retry with
 * backoff, and a create is repeated only after listing pods by name shows the first attempt made none. Every
 * failure surfaces as a {@link RunPodException} saying what it means.
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
        return retrying(() -> api.createPod(bearer(apiKey), body), failure -> {
            Uni<Settled<RunPodModels.Pod>> made = failure.kind() == Kind.TRANSIENT
                    ? findByName(apiKey, body.name()).map(pod -> pod.map(Settled::new).orElse(null))
                    : Uni.createFrom().nullItem();
            return made.chain(settled -> settled != null
                    ? Uni.createFrom().item(settled)
                    : stillWanted.get().map(wanted -> wanted ? null : new Settled<>(null)));
        });
    }

    /** The pod, or empty when RunPod no longer knows it. */
    public Uni<Optional<RunPodModels.Pod>> getPod(String apiKey, String podId) {
        return retrying(() -> api.getPod(bearer(apiKey), podId))
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
        return retrying(() -> api.deletePod(bearer(apiKey), podId))
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
        return retrying(() -> api.gpuCatalog(bearer(apiKey), "AVAILABILITY", "POD"));
    }

    private Uni<List<RunPodModels.Pod>> listFrom(String apiKey, String cursor, List<RunPodModels.Pod> acc) {
        return retrying(() -> api.listPods(bearer(apiKey), cursor)).chain(page -> {
            if (page.pods() != null) {
                acc.addAll(page.pods());
            }
            RunPodModels.Pagination p = page.pagination();
            boolean more = p != null && Boolean.TRUE.equals(p.hasNextPage()) && p.nextCursor() != null;
            return more ? listFrom(apiKey, p.nextCursor(), acc) : Uni.createFrom().item(acc);
        });
    }

    /** Retries a call that is safe to repeat (a read, a delete). */
    private <T> Uni<T> retrying(Supplier<Uni<T>> call) {
        return retrying(call, failure -> Uni.createFrom().nullItem());
    }

    /**
     * The one retry policy of every RunPod call: a 5xx, a timeout or a lost connection is tried again after an
     * exponential backoff, a 429 after the {@code Retry-After} RunPod asked for, up to
     * {@code trainpod.runpod.max-attempts} attempts in all; any other failure is final. Between the pause and the
     * next attempt {@code beforeRetry} may settle the call instead (a create whose pod turns out to exist); it
     * answers null to let the call run again. (Fault Tolerance's {@code @Retry} can neither wait what a 429's
     * {@code Retry-After} says nor end a retried call with an answer found in between, which the duplicate-safe
     * create needs, so the policy is this one method rather than annotations.)
     */
    private <T> Uni<T> retrying(Supplier<Uni<T>> call, Function<RunPodException, Uni<Settled<T>>> beforeRetry) {
        return attempt(call, beforeRetry, 1);
    }

    private <T> Uni<T> attempt(Supplier<Uni<T>> call, Function<RunPodException, Uni<Settled<T>>> beforeRetry,
                               int attempt) {
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
                    return pause(wait).chain(() -> beforeRetry.apply(e)).chain(settled -> settled != null
                            ? Uni.createFrom().item(settled.item())
                            : attempt(call, beforeRetry, attempt + 1));
                });
    }

    /** An answer that ends a retried call without another attempt; its item may be null. */
    private record Settled<T>(T item) {
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
