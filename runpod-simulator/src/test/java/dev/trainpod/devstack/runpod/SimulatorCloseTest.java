package dev.trainpod.devstack.runpod;

import static dev.trainpod.devstack.runpod.SimulatorFixture.running;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing the simulator leaves no pod process behind. */
class SimulatorCloseTest {

    @TempDir
    Path workRoot;

    @Test
    void closeKillsEveryPodsProcessTreeAndEndsTheirBilling() {
        SimulatorFixture sim = SimulatorFixture.start(workRoot);
        String first = sim.createPod("echo $$ > bash.pid; sleep 1000 & echo $! > sleep.pid; wait");
        String second = sim.createPod("echo $$ > bash.pid; sleep 1000 & echo $! > sleep.pid; wait");
        List<Long> pids = List.of(
            Long.parseLong(sim.awaitFile(first, "bash.pid")), Long.parseLong(sim.awaitFile(first, "sleep.pid")),
            Long.parseLong(sim.awaitFile(second, "bash.pid")), Long.parseLong(sim.awaitFile(second, "sleep.pid")));
        assertThat(pids).allMatch(SimulatorFixture::running);

        sim.close();

        assertThat(pids).noneMatch(SimulatorFixture::running);
        assertThat(sim.simulator.pods()).extracting(SimPod::status).containsOnly("TERMINATED");
        assertThat(ProcessHandle.current().descendants().filter(p -> running(p.pid()))).isEmpty();
    }
}
