package dev.trainpod.devstack.runpod;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** One pod's live state: lifecycle timers, billing clock and container, all changed under the pod's lock. */
final class SimulatedPod {

    /** A consistent reading of the pod's changing fields. */
    record State(PodStatus status, Instant startedAt, Instant terminatedAt, double billedSeconds, int restarts) {
    }

    private final String id;
    private final String ownerKey;
    private final PodSpec spec;
    private final Path workDir;
    private final Map<String, String> containerEnv;
    private final PodContext context;
    private final PodLog log;
    private final Instant createdAt = Instant.now();

    private PodStatus status = PodStatus.PROVISIONING;
    private Instant startedAt;
    private Instant terminatedAt;
    private Duration billedBefore = Duration.ZERO;
    private Instant billingSince = createdAt;
    private int restarts;
    /** Bumped by every action, so that a timer set before it does nothing when it fires. */
    private long epoch;
    private ScheduledFuture<?> timer;
    private Container container;
    /** Bumped per container run, so that the exit of a killed run is not taken for a crash. */
    private long run;

    SimulatedPod(String id, String ownerKey, PodSpec spec, Path workDir, Map<String, String> containerEnv,
                 PodContext context) {
        this.id = id;
        this.ownerKey = ownerKey;
        this.spec = spec;
        this.workDir = workDir;
        this.containerEnv = containerEnv;
        this.context = context;
        this.log = new PodLog(id, context.logSink());
    }

    String id() {
        return id;
    }

    String ownerKey() {
        return ownerKey;
    }

    PodSpec spec() {
        return spec;
    }

    Instant createdAt() {
        return createdAt;
    }

    PodLog log() {
        return log;
    }

    synchronized State state() {
        Duration billed = billedBefore;
        if (billingSince != null) {
            billed = billed.plus(Duration.between(billingSince, Instant.now()));
        }
        return new State(status, startedAt, terminatedAt, billed.toNanos() / 1e9, restarts);
    }

    SimPod snapshot() {
        State state = state();
        return new SimPod(id, spec.name(), state.status().name(), spec.gpuTypeId(), spec.gpuCount(), spec.cloud(),
                spec.costPerHour(), createdAt, state.startedAt(), state.terminatedAt(), state.billedSeconds(),
                state.billedSeconds() * spec.costPerHour() / 3600, state.restarts(), containerEnv, log.lines());
    }

    synchronized void provision() {
        log.system("pod created: " + spec.gpuCount() + " x " + spec.gpuTypeId() + " in " + spec.dataCenterId());
        after(context.transitionDelay(), this::becomeStarting);
    }

    /** Applies a start, stop or restart, or answers 409 when the pod's status does not allow it. */
    synchronized void act(PodAction action) {
        if (status == PodStatus.TERMINATED) {
            throw ApiProblem.notFound("pod not found");
        }
        if (!status.actions().contains(action)) {
            throw new ApiProblem(409, "Action '" + action.wireName() + "' is not valid while the pod is "
                    + status + "; read the pod's actions for what is valid now.");
        }
        switch (action) {
            case STOP -> stop();
            case START -> start();
            case RESTART -> restart();
            case TERMINATE -> terminate();
        }
    }

    /** Ends the pod for good; false when it already was. */
    synchronized boolean terminate() {
        if (status == PodStatus.TERMINATED) {
            return false;
        }
        cancelTimer();
        killContainer();
        pauseBilling();
        status = PodStatus.TERMINATED;
        terminatedAt = Instant.now();
        log.system("pod terminated; billing stopped");
        return true;
    }

    private void stop() {
        cancelTimer();
        killContainer();
        pauseBilling();
        status = PodStatus.EXITED;
        log.system("pod stopped; its GPUs are not billed while it is stopped");
    }

    private void start() {
        cancelTimer();
        resumeBilling();
        status = PodStatus.STARTING;
        log.system("pod is starting");
        after(context.transitionDelay(), this::becomeRunning);
    }

    private void restart() {
        cancelTimer();
        killContainer();
        restarts++;
        log.system("container restarted on request");
        launchContainer();
    }

    private void becomeStarting() {
        status = PodStatus.STARTING;
        log.system("pod is starting");
        after(context.transitionDelay(), this::becomeRunning);
    }

    private void becomeRunning() {
        status = PodStatus.RUNNING;
        startedAt = Instant.now();
        log.system("pod is running");
        launchContainer();
    }

    private void launchContainer() {
        // Without args the image's own command would run; the simulator has no image, so the pod just idles.
        if (spec.args() == null || spec.args().isBlank()) {
            return;
        }
        long thisRun = ++run;
        try {
            container = Container.launch(workDir, containerEnv, spec.args(), this::containerLine,
                    code -> containerExited(thisRun, code), context.io());
        } catch (IOException e) {
            log.system("container failed to start: " + e.getMessage());
            pauseBilling();
            status = PodStatus.ERROR;
        }
    }

    /** Logs a container line; a host loss the tests asked for at this line strikes the pod before the next one. */
    private void containerLine(String line) {
        log.container(line);
        context.losses().check(spec.name(), line).ifPresent(this::lose);
    }

    /**
     * The pod's host is lost: its container dies at once (no report), billing stops, and the pod vanishes
     * ({@code TERMINATED}: RunPod answers 404) or stops in EXITED or ERROR.
     */
    synchronized void lose(PodStatus how) {
        if (status != PodStatus.RUNNING) {
            return;
        }
        cancelTimer();
        killContainer();
        pauseBilling();
        status = how;
        if (how == PodStatus.TERMINATED) {
            terminatedAt = Instant.now();
        }
        log.system("host lost: the pod " + (how == PodStatus.TERMINATED ? "vanished" : "is " + how));
    }

    private synchronized void containerExited(long exitedRun, int code) {
        if (exitedRun != run || status != PodStatus.RUNNING) {
            return;
        }
        container = null;
        log.system("container exited with code " + code + "; restarting");
        after(context.restartDelay(), () -> {
            restarts++;
            launchContainer();
        });
    }

    private void killContainer() {
        run++;
        if (container != null) {
            container.kill();
            container = null;
        }
    }

    private void after(Duration delay, Runnable step) {
        long setIn = epoch;
        timer = context.scheduler().schedule(() -> {
            synchronized (this) {
                if (epoch == setIn) {
                    step.run();
                }
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        epoch++;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void pauseBilling() {
        if (billingSince != null) {
            billedBefore = billedBefore.plus(Duration.between(billingSince, Instant.now()));
            billingSince = null;
        }
    }

    private void resumeBilling() {
        if (billingSince == null) {
            billingSince = Instant.now();
        }
    }
}
