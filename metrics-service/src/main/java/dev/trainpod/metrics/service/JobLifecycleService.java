package dev.trainpod.metrics.service;

import dev.trainpod.common.event.ArtifactsStored;
import dev.trainpod.common.event.CheckpointStored;
import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.EventEnvelope;
import dev.trainpod.common.event.FailureReason;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.PodStarted;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.metrics.Job;
import dev.trainpod.metrics.JobStatus;
import dev.trainpod.metrics.StoredCheckpoint;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.repository.JobRepository;
import dev.trainpod.metrics.repository.PhaseChangeRepository;
import dev.trainpod.metrics.repository.StoredCheckpointRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Keeps jobs in step with the deployment lifecycle: a requested deployment becomes an expected job with its
 * owner, a started pod is recorded (one that replaces a lost pod reopens a job failed by the lost heartbeat), a failure reported elsewhere closes the job's outcome, stored artifacts
 * ({@code ArtifactsStored}) protect the job from the watchdog, a stored checkpoint ({@code CheckpointStored}) is
 * the job's newest, and an ended deployment closes the job to pod
 * writes. Runs inside the inbox transaction of the consumed event.
 */
@ApplicationScoped
public class JobLifecycleService {

    private static final Logger LOG = Logger.getLogger(JobLifecycleService.class);

    private final JobRepository jobs;
    private final PhaseChangeRepository phaseChanges;
    private final StoredCheckpointRepository checkpoints;
    private final MetricsConfig config;

    public JobLifecycleService(JobRepository jobs, PhaseChangeRepository phaseChanges,
                               StoredCheckpointRepository checkpoints, MetricsConfig config) {
        this.jobs = jobs;
        this.checkpoints = checkpoints;
        this.phaseChanges = phaseChanges;
        this.config = config;
    }

    /** Applies one consumed event; events that concern no job of ours change nothing. */
    public Uni<Void> apply(EventEnvelope envelope) {
        LifecycleEvent event = envelope.event();
        Instant at = envelope.time() == null ? Instant.now() : envelope.time();
        if (event instanceof DeploymentRequested requested) {
            return expect(requested, at);
        }
        if (event instanceof PodStarted started) {
            return update(started, job -> podStarted(job, started, at));
        }
        if (event instanceof TrainingFailed failed) {
            return update(failed, job -> failedElsewhere(job, failed, at));
        }
        if (event instanceof ArtifactsStored stored) {
            return update(stored, job -> {
                if (job.artifactsStoredAt == null) {
                    job.artifactsStoredAt = stored.storedAt() == null ? at : stored.storedAt();
                    job.artifactsStored = stored.artifacts().size();
                }
                return false; // the outcome is the pod's final report, or the watchdog's success without one
            });
        }
        if (event instanceof CheckpointStored stored) {
            return checkpointStored(stored, at);
        }
        if (event instanceof DeploymentEnded ended) {
            return update(ended, job -> {
                if (job.status == JobStatus.ENDED) {
                    return false;
                }
                job.status = JobStatus.ENDED;
                job.endedAt = at;
                job.endStatus = ended.status();
                job.endReason = ended.reason();
                return true;
            });
        }
        return Uni.createFrom().voidItem();
    }

    /**
     * The job's newest checkpoint (a late or repeated event never moves it back), and a row the live stream sends as a
     * {@code checkpoint} event, both with the job's row locked, as every numbered telemetry row is written.
     */
    private Uni<Void> checkpointStored(CheckpointStored stored, Instant at) {
        return jobs.findForUpdate(stored.deploymentId()).chain(job -> {
            if (job == null || (job.lastCheckpointStep != null && stored.step() <= job.lastCheckpointStep)) {
                return Uni.createFrom().voidItem();
            }
            job.lastCheckpointStep = stored.step();
            job.lastCheckpointAt = stored.storedAt() == null ? at : stored.storedAt();
            return checkpoints.persist(StoredCheckpoint.of(job.deploymentId, job.lastCheckpointStep,
                    job.lastCheckpointAt)).replaceWithVoid();
        });
    }

    private Uni<Void> expect(DeploymentRequested requested, Instant at) {
        if (requested.userId() == null) {
            // retrying cannot help an event without an owner, and would hold up the partition behind it
            LOG.warnf("DeploymentRequested for %s has no userId; no job is created", requested.deploymentId());
            return Uni.createFrom().voidItem();
        }
        return jobs.findForUpdate(requested.deploymentId()).chain(existing -> {
            if (existing != null) {
                // opened early from the pod's job token: the event brings what the token does not carry
                if (existing.totalSteps == null) {
                    existing.totalSteps = requested.totalSteps();
                }
                if (existing.idleMinutes == null) {
                    existing.idleMinutes = requested.idleMinutes();
                }
                return Uni.createFrom().voidItem();
            }
            return jobs.persist(Job.expected(requested.deploymentId(), requested.userId(), requested.totalSteps(),
                            requested.idleMinutes(), at))
                    .replaceWithVoid();
        });
    }

    /**
     * A failure that deploy-service (or this service, echoed back) published: the job's outcome is known, so
     * a later FAILED from the pod emits nothing more. A job whose outcome is already known keeps it.
     */
    private boolean failedElsewhere(Job job, TrainingFailed failed, Instant at) {
        if (job.status != JobStatus.ACTIVE) {
            return false;
        }
        job.status = JobStatus.FAILED;
        job.finishedAt = at;
        job.failureReason = failed.reason();
        job.failureMessage = Texts.clean(failed.message(), JobStatusService.MAX_MESSAGE_LENGTH);
        job.exitCode = failed.exitCode();
        job.logTail = Texts.lastBytes(failed.logTail(), config.maxLogTailBytes());
        return true;
    }

    /**
     * Records the job's pod. A later pod of the same deployment replaces a lost one (deploy-service recovered it):
     * the lost pod's silence is no heartbeat the new one could lose, and a job the silence failed is active again,
     * so the new pod's outcome is the job's. Answers whether the status changed.
     */
    private boolean podStarted(Job job, PodStarted started, Instant at) {
        boolean replaced = job.podId != null && !job.podId.equals(started.podId());
        job.podId = started.podId();
        job.gpuType = started.gpuType();
        job.startedAt = at;
        if (!replaced) {
            return false;
        }
        job.lastHeartbeatAt = null;
        if (job.trainingStartedAt != null) {
            job.trainingStartedAt = at; // the idle watchdog counts from the new pod's start
        }
        if (job.status != JobStatus.FAILED || !FailureReason.FAILED_HEARTBEAT_LOST.name().equals(job.failureReason)) {
            return false;
        }
        LOG.infof("job %s: pod %s replaces the lost one; the job is active again", job.deploymentId, job.podId);
        job.status = JobStatus.ACTIVE;
        job.finishedAt = null;
        job.failedPhase = null;
        job.failureReason = null;
        job.failureMessage = null;
        job.logTail = null;
        return true;
    }

    /** Applies the change to the locked job; one that reports true changed its status, which the stream shows. */
    private Uni<Void> update(LifecycleEvent event, Predicate<Job> change) {
        return jobs.findForUpdate(event.deploymentId()).chain(job -> {
            if (job == null) {
                LOG.debugf("%s for deployment %s, which has no job here", event.type(), event.deploymentId());
                return Uni.createFrom().voidItem();
            }
            return change.test(job) ? phaseChanges.record(job, Instant.now()) : Uni.createFrom().voidItem();
        });
    }
}
