package dev.trainpod.metrics.rest;

import dev.trainpod.metrics.problem.JobProblems;
import java.util.UUID;

/** Reads the job id of a path: one that is not a UUID names no job, so it answers 404 like an unknown one. */
final class JobIds {

    private JobIds() {
    }

    static UUID parse(String raw) {
        try {
            UUID id = UUID.fromString(raw);
            // UUID.fromString accepts short groups ("1-1-1-1-1"); only the canonical form names a job
            if (id.toString().equalsIgnoreCase(raw)) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // falls through to 404
        }
        throw JobProblems.notFound(raw.length() > 64 ? raw.substring(0, 64) + "…" : raw);
    }
}
