package dev.trainpod.devstack.runpod;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * What every simulated pod shares: its timers, the threads that read container output, and the delays.
 *
 * @param io runs output readers and exit handlers, which block
 * @param logSink receives every pod log line, already prefixed with the pod id
 * @param losses the host losses tests asked for, checked against each container line
 */
record PodContext(ScheduledExecutorService scheduler, ExecutorService io, Duration transitionDelay,
                  Duration restartDelay, Consumer<String> logSink, Faults.Losses losses) {
}
