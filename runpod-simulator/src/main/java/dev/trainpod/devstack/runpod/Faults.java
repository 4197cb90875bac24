package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The failures tests have asked the simulator to inject into /v2 calls, checked before real handling, and the
 * host losses ({@link Losses}) to inflict on running pods.
 */
final class Faults {

    /** The kinds of failure RunPod is known to answer with. */
    enum Type {
        CAPACITY, RATE_LIMIT, SERVER_ERROR, INSUFFICIENT_BALANCE, FORBIDDEN,
        /** The call is handled, then its answer is held back for {@code delayMillis} (a slow or hung API). */
        DELAY,
        /** The call is handled, then answered with a 5xx: the pod exists although the client hears a failure. */
        ERROR_AFTER_HANDLING,
        /**
         * The call is held for {@code delayMillis} before it is handled (a hung API: a retry hangs too, and nothing
         * happens at RunPod until the hold ends), then handled and answered as usual.
         */
        HANG;

        /** Whether, unless told otherwise, the fault hits only pod creation rather than any call. */
        boolean createOnly() {
            return this != RATE_LIMIT && this != SERVER_ERROR;
        }

        /** Whether the call is handled as usual and only its answer is changed. */
        boolean afterHandling() {
            return this == DELAY || this == ERROR_AFTER_HANDLING;
        }

        /** When the fault acts: before handling (a hold), instead of handling (a problem), or after it. */
        Phase phase() {
            return this == HANG ? Phase.HOLD : afterHandling() ? Phase.AFTER : Phase.INSTEAD;
        }
    }

    /** When a fault acts on a call. */
    private enum Phase {
        HOLD, INSTEAD, AFTER
    }

    private static final Set<String> PROPERTIES = Set.of("type", "gpuTypeId", "method", "path", "times",
            "retryAfterSeconds", "status", "delayMillis");
    private static final int UNLIMITED = -1;

    /** One injected fault; {@code remaining} is {@code -1} for a fault that fires until cleared. */
    private record Fault(String id, Type type, String gpuTypeId, String method, String path,
                         AtomicInteger remaining, int retryAfterSeconds, int status, long delayMillis) {

        boolean matches(String requestMethod, String requestPath, JsonNode body) {
            boolean methodMatches = method != null ? method.equals(requestMethod)
                    : !type.createOnly() || requestMethod.equals("POST");
            boolean pathMatches = path != null ? requestPath.startsWith(path)
                    : !type.createOnly() || requestPath.equals("/v2/pods");
            return methodMatches && pathMatches && (gpuTypeId == null || gpuTypeId.equals(requestedGpu(body)));
        }

        /** Uses up one of the fault's firings; false once none are left. */
        boolean fire() {
            return remaining.get() == UNLIMITED
                    || remaining.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0;
        }

        ApiProblem problem() {
            return switch (type) {
                case CAPACITY -> ApiProblem.badRequest(CreatePodValidator.NO_CAPACITY);
                case RATE_LIMIT -> new ApiProblem(429, "rate limit exceeded for the minute window")
                        .withHeader("Retry-After", Integer.toString(retryAfterSeconds));
                case SERVER_ERROR, ERROR_AFTER_HANDLING ->
                        new ApiProblem(status, "upstream service unavailable; retry later");
                case INSUFFICIENT_BALANCE -> new ApiProblem(402,
                        "Insufficient balance: add credit to your account to create this pod.");
                case FORBIDDEN -> new ApiProblem(403, "access denied");
                case DELAY, HANG -> throw new IllegalStateException("a delay is not a problem");
            };
        }

        private static String requestedGpu(JsonNode body) {
            JsonNode id = body == null ? null : body.path("gpu").get("id");
            return id != null && id.isTextual() ? id.textValue() : null;
        }
    }

    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final Losses losses = new Losses();

    /** The host losses tests have asked for. */
    Losses losses() {
        return losses;
    }

    /**
     * Host losses, as RunPod shows them: a pod whose host failed vanishes (the API answers 404) or stops in EXITED
     * or ERROR, its container killed at once (SIGKILL: the job cannot report). A loss fires when the pod's container
     * prints the metric line of a step: at a chosen step of a pod by name (each such loss fires once, so a
     * deployment's next pod can be lost at a later step), or at random, with a seed, at a probability per step.
     */
    static final class Losses {

        private static final Set<String> PROPERTIES = Set.of("podName", "atStep", "how", "seed", "probability");
        private static final List<String> HOW = List.of("VANISH", "EXITED", "ERROR");
        private static final java.util.regex.Pattern STEP = java.util.regex.Pattern.compile(
                "TRAINPOD_METRIC .*\"step\":\\s*(\\d+)");

        /** A loss at a chosen step of the pods named so, or at random with {@code random} set. */
        private record Loss(String podName, int atStep, PodStatus how, java.util.Random random, double probability) {
        }

        private final List<Loss> losses = new CopyOnWriteArrayList<>();

        /** Adds the loss a control-API body describes. */
        void add(JsonNode spec) {
            SchemaChecks checks = new SchemaChecks();
            if (spec == null || !checks.object(spec, "$")) {
                throw ApiProblem.badRequest("Send a JSON object describing the loss.");
            }
            checks.onlyProperties(spec, PROPERTIES, "$");
            String podName = checks.string(spec, "podName", "$", 1);
            Integer atStep = checks.integer(spec, "atStep", "$", 1);
            String how = checks.oneOf(spec, "how", "$", HOW);
            Integer seed = checks.integer(spec, "seed", "$", 0);
            boolean random = spec.has("probability");
            double probability = spec.path("probability").asDouble(-1);
            if (random && (probability <= 0 || probability > 1 || seed == null)) {
                checks.errors().add("$.probability: want a number in (0, 1] with an integer seed");
            }
            if (!random && (podName == null || atStep == null)) {
                checks.errors().add("$: want podName and atStep, or seed and probability");
            }
            if (!checks.errors().isEmpty()) {
                throw new ApiProblem(400, "The loss is not valid.", checks.errors());
            }
            PodStatus status = how == null || how.equals("VANISH") ? PodStatus.TERMINATED : PodStatus.valueOf(how);
            losses.add(new Loss(podName, atStep == null ? 0 : atStep, status,
                    random ? new java.util.Random(seed) : null, probability));
        }

        void clear() {
            losses.clear();
        }

        /** What becomes of the pod named so whose container printed this line: a status it is lost to, if any. */
        Optional<PodStatus> check(String podName, String line) {
            if (losses.isEmpty()) {
                return Optional.empty();
            }
            java.util.regex.Matcher m = STEP.matcher(line);
            if (!m.find()) {
                return Optional.empty();
            }
            int step = Integer.parseInt(m.group(1));
            for (Loss loss : losses) {
                if (loss.random() != null) {
                    boolean hit;
                    synchronized (loss.random()) {
                        hit = loss.random().nextDouble() < loss.probability();
                    }
                    if (hit && (loss.podName() == null || loss.podName().equals(podName))) {
                        return Optional.of(loss.how());
                    }
                } else if (loss.podName().equals(podName) && loss.atStep() == step && losses.remove(loss)) {
                    return Optional.of(loss.how());
                }
            }
            return Optional.empty();
        }
    }

    /** Adds the fault a control-API body describes and answers its id. */
    String add(JsonNode spec) {
        SchemaChecks checks = new SchemaChecks();
        if (spec == null || !checks.object(spec, "$")) {
            throw ApiProblem.badRequest("Send a JSON object describing the fault.");
        }
        checks.onlyProperties(spec, PROPERTIES, "$");
        checks.required(spec, "type", "$");
        String type = checks.oneOf(spec, "type", "$", Arrays.stream(Type.values()).map(Type::name).toList());
        String gpuTypeId = checks.string(spec, "gpuTypeId", "$", 1);
        String method = checks.oneOf(spec, "method", "$", List.of("GET", "POST", "DELETE", "PUT", "PATCH"));
        String path = checks.string(spec, "path", "$", 1);
        Integer times = checks.integer(spec, "times", "$", 1);
        Integer retryAfter = checks.integer(spec, "retryAfterSeconds", "$", 0);
        Integer status = checks.integer(spec, "status", "$", 500);
        Integer delayMillis = checks.integer(spec, "delayMillis", "$", 1);
        if (status != null && status > 599) {
            checks.errors().add("$.status: maximum: got " + status + ", want 599");
        }
        if (!checks.errors().isEmpty()) {
            throw new ApiProblem(400, "The fault is not valid.", checks.errors());
        }
        String id = UUID.randomUUID().toString();
        faults.add(new Fault(id, Type.valueOf(type), gpuTypeId, method, path,
                new AtomicInteger(times == null ? UNLIMITED : times), retryAfter == null ? 1 : retryAfter,
                status == null ? 503 : status, delayMillis == null ? 1000 : delayMillis));
        return id;
    }

    boolean remove(String id) {
        return faults.removeIf(fault -> fault.id().equals(id));
    }

    void clear() {
        faults.clear();
    }

    /** How long to hold this request before handling it, if an injected hang hits it. */
    Optional<Duration> hold(String method, String path, JsonNode body) {
        return firing(method, path, body, Phase.HOLD).map(fault -> Duration.ofMillis(fault.delayMillis()));
    }

    /** The failure to answer instead of handling this request, if an injected fault hits it. */
    Optional<ApiProblem> check(String method, String path, JsonNode body) {
        return firing(method, path, body, Phase.INSTEAD).map(Fault::problem);
    }

    /** What to do with the answer of a call that was handled: hold it back, replace it with a 5xx, or neither. */
    Optional<After> after(String method, String path, JsonNode body) {
        return firing(method, path, body, Phase.AFTER).map(fault -> fault.type() == Type.DELAY
                ? new After(Duration.ofMillis(fault.delayMillis()), null)
                : new After(Duration.ZERO, fault.problem()));
    }

    /** A change to the answer of a handled call: a pause before it, and a problem that replaces it (or null). */
    record After(Duration delay, ApiProblem problem) {
    }

    private Optional<Fault> firing(String method, String path, JsonNode body, Phase phase) {
        for (Fault fault : faults) {
            if (fault.type().phase() == phase && fault.matches(method, path, body) && fault.fire()) {
                if (fault.remaining().get() == 0) {
                    faults.remove(fault);
                }
                return Optional.of(fault);
            }
        }
        return Optional.empty();
    }
}
