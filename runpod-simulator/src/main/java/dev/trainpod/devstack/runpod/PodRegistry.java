package dev.trainpod.devstack.runpod;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Every pod the simulator has created, terminated ones included, and how a new one is set up. */
final class PodRegistry {

    private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final int ID_LENGTH = 14;
    private static final String CPU_COUNT = "4";
    private static final String PUBLIC_IP = "127.0.0.1";

    private final SecureRandom random = new SecureRandom();
    private final Map<String, SimulatedPod> pods = new ConcurrentHashMap<>();
    private final ApiKeys keys;
    private final Path workRoot;
    private final Map<String, String> baseEnv;
    private final PodContext context;

    /**
     * @param baseEnv what every container gets before the pod's own {@code env}: pass-through and extra variables
     */
    PodRegistry(ApiKeys keys, Path workRoot, Map<String, String> baseEnv, PodContext context) {
        this.keys = keys;
        this.workRoot = workRoot;
        this.baseEnv = Map.copyOf(baseEnv);
        this.context = context;
    }

    SimulatedPod create(PodSpec spec, String ownerKey) {
        String id = newId();
        Path workDir = workRoot.resolve(id);
        try {
            Files.createDirectories(workRoot);
            Files.createDirectory(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the work directory of pod " + id, e);
        }
        Map<String, String> env = new LinkedHashMap<>(baseEnv);
        env.putAll(spec.env());
        env.put("RUNPOD_POD_ID", id);
        env.put("RUNPOD_API_KEY", keys.issuePodKey(id));
        env.put("RUNPOD_GPU_COUNT", Integer.toString(spec.gpuCount()));
        env.put("RUNPOD_CPU_COUNT", CPU_COUNT);
        env.put("RUNPOD_DC_ID", spec.dataCenterId());
        env.put("RUNPOD_PUBLIC_IP", PUBLIC_IP);
        SimulatedPod pod = new SimulatedPod(id, ownerKey, spec, workDir, Collections.unmodifiableMap(env), context);
        pods.put(id, pod);
        pod.provision();
        return pod;
    }

    /** The pod if it exists and is not terminated: RunPod forgets a pod once it is terminated. */
    Optional<SimulatedPod> findLive(String id) {
        return Optional.ofNullable(pods.get(id))
                .filter(pod -> pod.state().status() != PodStatus.TERMINATED);
    }

    Optional<SimulatedPod> find(String id) {
        return Optional.ofNullable(pods.get(id));
    }

    /** Every pod ever created, oldest first. */
    List<SimulatedPod> all() {
        return pods.values().stream()
                .sorted(Comparator.comparing(SimulatedPod::createdAt).thenComparing(SimulatedPod::id))
                .toList();
    }

    void terminateAll() {
        pods.values().forEach(SimulatedPod::terminate);
    }

    private String newId() {
        while (true) {
            StringBuilder id = new StringBuilder(ID_LENGTH);
            for (int i = 0; i < ID_LENGTH; i++) {
                id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
            }
            if (!pods.containsKey(id.toString()) && !Files.exists(workRoot.resolve(id.toString()))) {
                return id.toString();
            }
        }
    }
}
