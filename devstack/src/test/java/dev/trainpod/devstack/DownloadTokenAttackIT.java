package dev.trainpod.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the token-gated dataset download: guessing, and replaying a token that was revoked, expired or used
 * up. Each attacker comes from an address of its own (X-Real-IP, the header the gateway overwrites), so
 * that the guessing limit meets no other test's pods.
 */
class DownloadTokenAttackIT {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static LocalStack stack;
    private static OwnerFixture.Owner a;

    @BeforeAll
    static void setUp() {
        stack = SharedStack.get();
        a = OwnerFixture.get();
    }

    @Test
    void guessingTokensIsRateLimitedAndNeverServesAnything() {
        String guesser = randomAddress();
        List<Integer> statuses = new ArrayList<>();
        List<String> notProblems = new ArrayList<>();
        ItHttp.Raw limited = null;
        for (int i = 0; i < 60; i++) {
            ItHttp.Raw r = download(randomToken(), guesser);
            statuses.add(r.status());
            if (!r.isProblem()) {
                notProblems.add(r.toString());
            }
            if (r.status() == 429) {
                limited = r;
            }
        }

        assertThat(statuses).as("answers to 60 guessed tokens").containsOnly(404, 429).contains(429);
        assertThat(statuses.subList(statuses.size() - 10, statuses.size())).containsOnly(429);
        assertThat(notProblems).isEmpty();
        assertThat(limited.body()).contains("download-rate-limited");
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        String valid = mint(3600, 5);
        assertThat(download(valid, guesser).status()).as("a limited address gets nothing, a valid token neither")
                .isEqualTo(429);
        ItHttp.Raw elsewhere = download(valid, randomAddress());
        assertThat(elsewhere.status()).as("another address is not limited: " + elsewhere).isEqualTo(200);
        assertThat(elsewhere.body()).isEqualTo(new String(OwnerFixture.example(), StandardCharsets.UTF_8));
    }

    @Test
    void aRevokedTokenServesNothingEvenToResume() {
        String client = randomAddress();
        ItHttp.Raw revoked = ItHttp.await("user A's download token to be revoked", Duration.ofSeconds(30),
                () -> download(a.downloadToken(), client), r -> r.status() != 200);

        assertRefused(revoked, 410, "download-revoked");
        assertRefused(download(a.downloadToken(), client, "Range", "bytes=10-"), 410, "download-revoked");
        assertRefused(head(a.downloadToken(), client), 410, "download-revoked");
    }

    @Test
    void anExpiredTokenServesNothing() {
        String client = randomAddress();
        String token = mint(1, 5);
        ServiceProcess.sleep(1500);

        assertRefused(download(token, client), 410, "download-expired");
        assertRefused(download(token, client, "Range", "bytes=10-"), 410, "download-expired");
    }

    @Test
    void aTokenPastItsAllowedUsesServesNothingMore() {
        String client = randomAddress();
        String token = mint(3600, 2);
        assertThat(download(token, client).status()).isEqualTo(200);
        assertThat(download(token, client).status()).isEqualTo(200);

        assertRefused(download(token, client), 429, "download-uses-exhausted");
        assertRefused(head(token, client), 429, "download-uses-exhausted");
        assertRefused(download(token, client, "Range", "bytes=0-"), 429, "download-uses-exhausted");
    }

    private static void assertRefused(ItHttp.Raw r, int status, String type) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.isProblem()).as(r.toString()).isTrue();
        if (!r.body().isEmpty()) {
            assertThat(r.body()).contains(type);
        }
    }

    private static String mint(long ttlSeconds, int maxUses) {
        return OwnerFixture.mintDownloadToken(stack, a, ttlSeconds, maxUses);
    }

    private static ItHttp.Raw download(String token, String client, String... headers) {
        return request("GET", token, client, headers);
    }

    private static ItHttp.Raw head(String token, String client) {
        return request("HEAD", token, client);
    }

    private static ItHttp.Raw request(String method, String token, String client, String... headers) {
        List<String> all = new ArrayList<>(List.of("X-Real-IP", client));
        all.addAll(List.of(headers));
        return ItHttp.exchange(method, stack.datasetUrl() + "/api/v1/downloads/" + token, null,
                all.toArray(String[]::new));
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** An address of the benchmarking range 198.18.0.0/15, one per attacker. */
    private static String randomAddress() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "198." + (18 + r.nextInt(2)) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }
}
