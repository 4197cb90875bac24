package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.testing.JwtKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Forged, stale and misdirected tokens against every protected operation the three services publish in their
 * OpenAPI documents: each is refused with 401 or 403 as problem+json, never served, never a 500.
 */
class JwtAttackIT {

    private static final Set<Integer> REFUSED = Set.of(401, 403);
    private static LocalStack stack;
    private static List<ApiSurface.Endpoint> endpoints;

    @BeforeAll
    static void readApi() {
        stack = SharedStack.get();
        endpoints = ApiSurface.of(stack).stream().filter(e -> !e.isPublic()).toList();
    }

    @Test
    void forgedAndStaleTokensAreRefusedOnEveryEndpoint() {
        JwtKeys keys = stack.keys();
        String user = "attacked-" + UUID.randomUUID();
        Map<String, String> attacks = new LinkedHashMap<>();
        attacks.put("no token", null);
        attacks.put("not a JWT", "not.a.jwt");
        attacks.put("alg none", keys.unsignedUserToken(user));
        attacks.put("HS256 keyed with the public key", keys.hmacWithPublicKeyUserToken(user));
        attacks.put("expired", keys.expiredUserToken(user));
        attacks.put("not yet valid", keys.notYetValidUserToken(user));
        attacks.put("wrong issuer", keys.wrongIssuerUserToken(user));
        attacks.put("wrong audience", keys.wrongAudienceUserToken(user));
        attacks.put("job claims signed by the identity provider", keys.forgedJobToken(UUID.randomUUID()));
        attacks.values().forEach(SecretScanIT::remember);
        String id = UUID.randomUUID().toString();

        List<String> failures = new ArrayList<>();
        for (ApiSurface.Endpoint e : endpoints) {
            attacks.forEach((attack, token) -> {
                ItHttp.Raw r = call(e, token, id);
                if (!REFUSED.contains(r.status()) || !r.isProblem()) {
                    failures.add(e + " with " + attack + ": " + r);
                }
            });
        }

        assertThat(failures).as("attacks that were not refused with 401/403 problem+json").isEmpty();
    }

    @Test
    void eachEndpointAcceptsOnlyTheTokensOfItsRole() {
        String id = UUID.randomUUID().toString();
        Map<String, String> byRole = Map.of(
                "user", stack.keys().userToken("role-probe-" + UUID.randomUUID()),
                "job", stack.keys().jobToken(UUID.fromString(id)),
                "service", stack.keys().serviceToken());
        byRole.values().forEach(SecretScanIT::remember);

        List<String> failures = new ArrayList<>();
        for (ApiSurface.Endpoint e : endpoints) {
            assertThat(byRole.keySet()).as(e + " names a role the test has no token for").containsAll(e.roles());
            byRole.forEach((role, token) -> {
                ItHttp.Raw r = call(e, token, id);
                boolean refused = REFUSED.contains(r.status()) && r.isProblem();
                if (e.roles().contains(role) ? refused || r.status() >= 500 : !refused) {
                    failures.add(e + " (for " + e.roles() + ") with a " + role + " token: " + r);
                }
            });
        }

        assertThat(failures).as("a user token on job endpoints, a job token on user endpoints, ...").isEmpty();
    }

    @Test
    void aJobTokenCannotSpeakForAnotherDeployment() {
        // Where the path names no deployment (/api/v1/pod/...), the deployment is the token's own subject.
        List<ApiSurface.Endpoint> byPath = endpoints.stream()
                .filter(e -> e.roles().contains("job") && !e.pathParams().isEmpty() && "jobs".equals(e.collection()))
                .toList();
        assertThat(byPath).as("job endpoints that name a deployment in their path").isNotEmpty();
        String other = stack.keys().jobToken(UUID.randomUUID());
        String realOfAnother = OwnerFixture.get().jobToken();

        List<String> failures = new ArrayList<>();
        for (ApiSurface.Endpoint e : byPath) {
            for (String token : List.of(other, realOfAnother)) {
                ItHttp.Raw r = call(e, token, UUID.randomUUID().toString());
                if (!Set.of(401, 403, 404).contains(r.status()) || !r.isProblem()) {
                    failures.add(e + ": " + r);
                }
            }
        }

        assertThat(failures).as("a job token used for another deployment's path").isEmpty();
    }

    /** Calls the endpoint with every path parameter set to {@code id}, and a small body where it takes one. */
    static ItHttp.Raw call(ApiSurface.Endpoint e, String token, String id) {
        List<String> headers = new ArrayList<>(List.of("Accept", e.accept()));
        if (token != null) {
            headers.addAll(List.of("Authorization", "Bearer " + token));
        }
        byte[] body = null;
        if (!e.bodyTypes().isEmpty()) {
            String type = e.takesJson() ? "application/json" : e.bodyTypes().get(0).replace("*/*",
                    "application/octet-stream");
            headers.addAll(List.of("Content-Type", type));
            body = (e.takesJson() ? "{}" : "x").getBytes(StandardCharsets.UTF_8);
        }
        return ItHttp.exchange(e.method(), e.url(p -> id), body, headers.toArray(String[]::new));
    }
}
