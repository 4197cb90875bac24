package dev.trainpod.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives deployments through the local stack as many users would, with a bounded number in flight (each one is a
 * real pod process tree), timing every create and read call; in the same run it times the references the figures
 * are compared with: a pod created directly at the simulator, and deploy-service's readiness check.
 */
final class LoadDriver {

    /** One user of the load: its token and the dataset its deployments train on. */
    record User(String id, String token, String datasetId) {
    }

    /** How one deployment went, as its user saw it. */
    record Outcome(String id, boolean meantToFail, Instant requestedAt, Instant endSeenAt, String status,
                   String reason, String podId) {
    }

    /** A short simulated training: 8 steps of 0.25 s; every tenth one fails at step 3 with exit code 3. */
    static final int FAIL_EVERY = 10;
    private static final String SUCCEEDING = "{\"steps\": 8, \"stepSeconds\": 0.25}";
    private static final String FAILING = "{\"steps\": 8, \"stepSeconds\": 0.25, \"failAtStep\": 3, \"exitCode\": 3}";
    private static final long POLL_MILLIS = 500;
    private static final long PROBE_MILLIS = 500;
    private static final Duration DEPLOYMENT_TIMEOUT = Duration.ofMinutes(5);

    final Latencies create = new Latencies();
    final Latencies read = new Latencies();
    final Latencies referenceCreate = new Latencies();
    final Latencies referenceRead = new Latencies();
    final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    private final LocalStack stack;
    private final List<User> users;
    private final String referenceKey;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger requested = new AtomicInteger();

    /** @param referenceKey a simulator account key of no Trainpod user, for the reference pods */
    LoadDriver(LocalStack stack, List<User> users, String referenceKey) {
        this.stack = stack;
        this.users = users;
        this.referenceKey = referenceKey;
    }

    /**
     * Requests deployments, {@code inFlight} at a time, until {@code count} were requested or the deadline passed,
     * and returns once every requested one has ended (or timed out, which is recorded as an error).
     */
    void run(int inFlight, int count, Instant deadline) throws InterruptedException {
        AtomicBoolean loading = new AtomicBoolean(true);
        Thread probe = new Thread(() -> probeReferences(loading), "load-reference-probe");
        probe.start();
        ExecutorService workers = Executors.newFixedThreadPool(inFlight);
        for (int i = 0; i < inFlight; i++) {
            workers.submit(() -> {
                int n;
                while (Instant.now().isBefore(deadline) && (n = next.getAndIncrement()) < count) {
                    runOne(n);
                }
            });
        }
        workers.shutdown();
        workers.awaitTermination(1, TimeUnit.DAYS);
        loading.set(false);
        probe.join();
    }

    /** How many deployments were requested. */
    int requested() {
        return requested.get();
    }

    private void runOne(int n) {
        User user = users.get(n % users.size());
        boolean fail = n % FAIL_EVERY == FAIL_EVERY - 1;
        requested.incrementAndGet();
        Instant requestedAt = Instant.now();
        try {
            String id = create(user, fail);
            if (id != null) {
                awaitEnd(user, id, fail, requestedAt);
            }
        } catch (RuntimeException e) {
            errors.add("deployment " + n + " of " + user.id() + ": " + e.getMessage());
        }
    }

    private String create(User user, boolean fail) {
        String body = """
                {"datasetId": "%s", "baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT",
                 "gpu": {"types": ["NVIDIA RTX A4000"], "count": 1, "cloud": "SECURE"},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5}, "simulation": %s}
                """.formatted(user.datasetId(), fail ? FAILING : SUCCEEDING);
        long start = System.nanoTime();
        ItHttp.Answer a = ItHttp.send("POST", stack.deployUrl() + "/api/v1/deployments", user.token(), body);
        create.add(millisSince(start));
        if (a.status() != 202) {
            errors.add("create answered " + a.status() + ": " + a.body());
            return null;
        }
        return a.body().path("id").asText();
    }

    private void awaitEnd(User user, String id, boolean fail, Instant requestedAt) {
        Instant giveUp = requestedAt.plus(DEPLOYMENT_TIMEOUT);
        while (true) {
            ServiceProcess.sleep(POLL_MILLIS);
            long start = System.nanoTime();
            ItHttp.Answer a = ItHttp.send("GET", stack.deployUrl() + "/api/v1/deployments/" + id, user.token(), null);
            read.add(millisSince(start));
            if (a.status() != 200) {
                errors.add("GET deployment " + id + " answered " + a.status() + ": " + a.body());
            } else if (ended(a.body())) {
                JsonNode d = a.body();
                outcomes.add(new Outcome(id, fail, requestedAt, Instant.now(), d.path("status").asText(),
                        d.path("reason").asText(null), d.path("podId").asText(null)));
                return;
            }
            if (Instant.now().isAfter(giveUp)) {
                errors.add("deployment " + id + " did not end within " + DEPLOYMENT_TIMEOUT + ": " + a.body());
                return;
            }
        }
    }

    /** Ended for the user, and its pod (if it got one) recorded terminated. */
    static boolean ended(JsonNode d) {
        return ItHttp.TERMINAL.contains(d.path("status").asText())
                && (d.path("podId").isNull() || !d.path("podTerminatedAt").isNull());
    }

    /** The reference calls, twice a second while the load runs: a bare pod created (and deleted), a health read. */
    private void probeReferences(AtomicBoolean loading) {
        String pod = """
                {"name": "load-reference", "image": "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
                 "gpu": {"id": "NVIDIA RTX A4000", "count": 1}, "cloud": "SECURE"}""";
        while (loading.get()) {
            try {
                long start = System.nanoTime();
                ItHttp.Answer created = ItHttp.send("POST", stack.runPodUrl() + "/v2/pods", referenceKey, pod);
                referenceCreate.add(millisSince(start));
                if (created.status() != 201) {
                    errors.add("reference pod create answered " + created.status() + ": " + created.body());
                } else {
                    ItHttp.send("DELETE", stack.runPodUrl() + "/v2/pods/" + created.body().path("id").asText(),
                            referenceKey, null);
                }
                start = System.nanoTime();
                int ready = ItHttp.send("GET", stack.deployUrl() + "/q/health/ready", null, null).status();
                referenceRead.add(millisSince(start));
                if (ready != 200) {
                    errors.add("deploy-service not ready during the load: " + ready);
                }
            } catch (RuntimeException e) {
                errors.add("reference probe: " + e.getMessage());
            }
            ServiceProcess.sleep(PROBE_MILLIS);
        }
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
