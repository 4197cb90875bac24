package dev.trainpod.metrics.service;

import dev.trainpod.common.event.ArtifactsStored;
import dev.trainpod.common.event.DeploymentEnded;
import dev.trainpod.common.event.DeploymentRequested;
import dev.trainpod.common.event.EventEnvelope;
import dev.trainpod.common.event.LifecycleEvent;
import dev.trainpod.common.event.PodStarted;
import dev.trainpod.common.event.TrainingFailed;
import dev.trainpod.metrics.Job;
import dev.trainpod.metrics.JobStatus;
import dev.trainpod.metrics.config.MetricsConfig;
import dev.trainpod.metrics.repository.JobRepository;
import dev.trainpod.metrics.repository.PhaseChangeRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Keeps jobs in step with the deployment lifecycle: a requested deployment becomes an expected job with its
 * owner, a started pod is recorded, a failure reported elsewhere closes the job's outcome, stored artifacts
 * ({@code ArtifactsStored}) protect the job from the watchdog, and an ended deployment closes the job to pod
 * writes. Runs inside the inbox transaction of the consumed event.
 */
@ApplicationScoped
public class JobLifecycleService {

    private static final Logger LOG = Logger.getLogger(JobLifecycleService.class);

    private final JobRepository jobs;
    private final PhaseChangeRepository phaseChanges;
    private final MetricsConfig config;

    public JobLifecycleService(JobRepository jobs, PhaseChangeRepository phaseChanges, MetricsConfig config) {
        this.jobs = jobs;
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
            return update(started, job -> {
                job.podId = started.podId();
                job.gpuType = started.gpuType();
                job.startedAt = at;
                return false;
            });
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
