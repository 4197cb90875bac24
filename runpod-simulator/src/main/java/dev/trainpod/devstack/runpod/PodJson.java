package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;

/** Renders a simulated pod as RunPod's {@code Pod} object. */
final class PodJson {

    private PodJson() {
    }

    static ObjectNode of(SimulatedPod pod) {
        PodSpec spec = pod.spec();
        SimulatedPod.State state = pod.state();
        ObjectNode node = Json.MAPPER.createObjectNode()
                .put("id", pod.id())
                .put("name", spec.name())
                .put("image", spec.image())
                .put("args", spec.args())
                .put("disk", spec.disk());
        spec.ports().forEach(node.putArray("ports")::add);
        ObjectNode env = node.putObject("env");
        spec.env().forEach(env::put);
        node.put("registry", spec.registry())
                .put("status", state.status().name());
        ArrayNode actions = node.putArray("actions");
        state.status().actions().forEach(a -> actions.add(a.wireName()));
        if (spec.mounts() != null) {
            node.set("mounts", spec.mounts());
        } else {
            node.putObject("mounts");
        }
        node.putObject("gpu").put("id", spec.gpuTypeId()).put("count", spec.gpuCount());
        node.put("cloud", spec.cloud())
                .put("dataCenterId", spec.dataCenterId())
                .put("cudaVersion", spec.cudaVersion());
        // No SSH server runs in a simulated pod, so neither way in exists.
        node.putObject("ssh").putNull("proxy").putNull("direct");
        node.putNull("template");
        node.put("cost", state.status().billsCompute() ? spec.costPerHour() : 0.0)
                .put("locked", false);
        ObjectNode networking = node.putObject("globalNetworking").put("enabled", spec.globalNetworking());
        if (spec.globalNetworking()) {
            networking.put("ip", "10.65.0." + (Math.floorMod(pod.id().hashCode(), 250) + 2))
                    .put("internalDns", pod.id() + ".runpod.internal");
        }
        if (state.status() == PodStatus.RUNNING) {
            node.set("runtime", runtime(spec, state.startedAt()));
        } else {
            node.putNull("runtime");
        }
        node.put("createdAt", pod.createdAt().toString())
                .put("startedAt", state.startedAt() == null ? null : state.startedAt().toString());
        return node;
    }

    /** Live metrics; the simulator has no GPU, so utilisation reads 0 and ports map to themselves on loopback. */
    private static ObjectNode runtime(PodSpec spec, Instant startedAt) {
        ObjectNode runtime = Json.MAPPER.createObjectNode()
                .put("uptime", Duration.between(startedAt, Instant.now()).toSeconds());
        ArrayNode gpus = runtime.putArray("gpus");
        for (int i = 0; i < spec.gpuCount(); i++) {
            gpus.addObject().put("util", 0).put("memoryUtil", 0);
        }
        runtime.putObject("cpu").put("util", 0);
        runtime.putObject("memory").put("util", 0);
        ArrayNode ports = runtime.putArray("ports");
        for (String port : spec.ports()) {
            String[] parts = port.split("/", 2);
            if (parts[0].matches("\\d{1,5}")) {
                int number = Integer.parseInt(parts[0]);
                ports.addObject().put("private", number).put("public", number)
                        .put("type", parts.length > 1 ? parts[1] : "tcp").put("ip", "127.0.0.1");
            }
        }
        return runtime;
    }
}
