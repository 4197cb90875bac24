package dev.trainpod.deploy;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a deployment is in its life; the names are part of the public contract. {@link #MOVES} is the one table
 * of legal status changes: {@code DeploymentStateMachine} refuses any other, and the database refuses it too (a
 * trigger reads the same table, kept equal to this one by migrations {@code V5} and {@code V8} and checked at
 * start).
 */
public enum DeploymentStatus {
    PENDING,
    PROVISIONING,
    STARTING,
    RUNNING,
    /** The pod was lost without the job's own final report: it is being terminated, then the job provisioned again. */
    RECOVERING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    private static final Set<DeploymentStatus> TERMINAL = EnumSet.of(SUCCEEDED, FAILED, CANCELLED);

    /** The statuses in which a deployment may still hold or get a pod. */
    public static final Set<DeploymentStatus> LIVE = Collections.unmodifiableSet(
            EnumSet.of(PENDING, PROVISIONING, STARTING, RUNNING, RECOVERING));

    /**
     * Every legal move, from a status to the statuses it may become:
     * <pre>
     * PENDING      → PROVISIONING (claimed), FAILED, CANCELLED
     * PROVISIONING → PENDING (waiting for capacity), STARTING (pod created), FAILED, CANCELLED, SUCCEEDED (the pod
 *                reported its success before its create call's answer was recorded: the answer was lost)
     * STARTING     → RUNNING (pod running), RECOVERING, SUCCEEDED, FAILED, CANCELLED
     * RUNNING      → RECOVERING (pod lost without the job's final report, recoveries left), SUCCEEDED, FAILED,
     *                CANCELLED
     * RECOVERING   → PENDING (the lost pod is confirmed terminated: provisioned again), SUCCEEDED (its artifacts
     *                were stored), FAILED (e.g. the budget ran out meanwhile), CANCELLED
     * SUCCEEDED, FAILED, CANCELLED → nothing: a deployment ends once
     * </pre>
     * A deployment claimed again after its provisioning replica died stays PROVISIONING (no move).
     */
    public static final Map<DeploymentStatus, Set<DeploymentStatus>> MOVES;

    static {
        Map<DeploymentStatus, Set<DeploymentStatus>> moves = new EnumMap<>(DeploymentStatus.class);
        moves.put(PENDING, EnumSet.of(PROVISIONING, FAILED, CANCELLED));
        moves.put(PROVISIONING, EnumSet.of(PENDING, STARTING, SUCCEEDED, FAILED, CANCELLED));
        moves.put(STARTING, EnumSet.of(RUNNING, RECOVERING, SUCCEEDED, FAILED, CANCELLED));
        moves.put(RUNNING, EnumSet.of(RECOVERING, SUCCEEDED, FAILED, CANCELLED));
        moves.put(RECOVERING, EnumSet.of(PENDING, SUCCEEDED, FAILED, CANCELLED));
        for (DeploymentStatus s : TERMINAL) {
            moves.put(s, EnumSet.noneOf(DeploymentStatus.class));
        }
        moves.replaceAll((from, to) -> Collections.unmodifiableSet(to));
        MOVES = Collections.unmodifiableMap(moves);
    }

    /** True once nothing but pod termination and bookkeeping can happen to the deployment. */
    public boolean terminal() {
        return TERMINAL.contains(this);
    }

    /** Whether the table allows this status to become {@code to}. */
    public boolean canMoveTo(DeploymentStatus to) {
        return MOVES.get(this).contains(to);
    }
}
