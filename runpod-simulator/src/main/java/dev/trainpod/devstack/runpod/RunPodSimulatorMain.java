package dev.trainpod.devstack.runpod;

import java.util.concurrent.CountDownLatch;

/** Runs the RunPod simulator as a process until it is sent SIGTERM: {@code --port N --bind ADDR --api-key K ...}. */
public final class RunPodSimulatorMain {

    private RunPodSimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        RunPodSimulator.Builder builder = RunPodSimulator.builder().logSink(System.out::println);
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + option);
            }
            String value = args[++i];
            switch (option) {
                case "--port" -> builder.port(port(value));
                case "--api-key" -> builder.apiKey(value);
                case "--bind" -> builder.bindAddress(value);
                default -> usage("unknown option " + option);
            }
        }
        RunPodSimulator simulator = builder.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "runpod-sim-shutdown"));
        System.out.println("RunPod simulator listening on " + simulator.url());
        stopped.await();
    }

    private static int port(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            usage("--port needs a number, not " + value);
            return 0;
        }
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: RunPodSimulatorMain [--port N] [--bind ADDRESS] [--api-key KEY]...");
        System.exit(2);
    }
}
