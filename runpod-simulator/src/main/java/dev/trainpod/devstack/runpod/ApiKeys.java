package dev.trainpod.devstack.runpod;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The account keys the simulator accepts and the pod-scoped keys it has issued. */
final class ApiKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Set<String> accountKeys = ConcurrentHashMap.newKeySet();
    private final Map<String, String> podKeys = new ConcurrentHashMap<>();

    void addAccountKey(String key) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("an API key must not be blank");
        }
        accountKeys.add(key);
    }

    String issuePodKey(String podId) {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String key = "rpa_pod_" + HexFormat.of().formatHex(bytes);
        podKeys.put(key, podId);
        return key;
    }

    /** Resolves an {@code Authorization} header to its caller, or answers 401. */
    Caller authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiProblem(401, "missing bearer token");
        }
        String key = authorization.substring(7).trim();
        if (accountKeys.contains(key)) {
            return new Caller(key, null);
        }
        String podId = podKeys.get(key);
        if (podId != null) {
            return new Caller(key, podId);
        }
        throw new ApiProblem(401, "invalid API key");
    }
}
