package dev.trainpod.metrics.rest;

import dev.trainpod.common.security.DeployTokens;
import dev.trainpod.metrics.problem.JobProblems;
import java.util.UUID;

/** Reads the job id of a path (a job token's own id is read by {@link DeployTokens#deployment}): one that is not a UUID names no job, so it answers 404 like an unknown one. */
final class JobIds {

    private JobIds() {
    }

    static UUID parse(String raw) {
        UUID id = DeployTokens.canonicalUuid(raw); // only the canonical form names a job, as in a job token's sub
        if (id != null) {
            return id;
        }
        throw JobProblems.notFound(raw.length() > 64 ? raw.substring(0, 64) + "…" : raw);
    }
}
