package dev.trainpod.devstack.runpod;

import java.time.Instant;

/** One line of a pod's log and when the simulator saw it. */
public record LogLine(Instant time, String line) {
}
