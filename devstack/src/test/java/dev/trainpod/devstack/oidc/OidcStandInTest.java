package dev.trainpod.devstack.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.common.testing.JwtKeys;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stand-in OIDC provider over HTTP: PKCE is enforced, codes are single use, the device grant waits for approval. */
class OidcStandInTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String REDIRECT = "http://127.0.0.1:9/";
    private static final String VERIFIER = "a-verifier-of-at-least-forty-three-characters-0123456789";
    private static OidcStandIn oidc;

    @BeforeAll
    static void start() throws Exception {
        oidc = OidcStandIn.start(JwtKeys.create(Files.createTempDirectory("oidc-keys")), 0);
    }

    @AfterAll
    static void stop() {
        oidc.close();
    }

    @Test
    void aCodeRedeemedWithItsVerifierGivesATokenSignedByTheKeyOfTheJwks() throws Exception {
        String code = signIn("alice");
        HttpResponse<String> r = token(Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "client_id", "trainpod-console", "code_verifier", VERIFIER));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String access = JSON.readTree(r.body()).path("access_token").asText();
        JsonNode claims = payload(access);
        assertThat(claims.path("iss").asText()).isEqualTo(JwtKeys.USER_ISSUER);
        assertThat(claims.path("sub").asText()).isEqualTo("alice");
        assertThat(verifies(access)).isTrue();
        assertThat(payload(JSON.readTree(r.body()).path("id_token").asText()).path("nonce").asText()).isEqualTo("n-1");

        HttpResponse<String> again = token(Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "client_id", "trainpod-console", "code_verifier", VERIFIER));
        assertThat(again.statusCode()).as("a code is single use").isEqualTo(400);
    }

    @Test
    void aCodeWithTheWrongVerifierIsRefusedAndSpent() throws Exception {
        String code = signIn("bob");
        Map<String, String> wrong = Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT,
                "client_id", "trainpod-console", "code_verifier", VERIFIER.replace('a', 'b'));
        assertThat(token(wrong).body()).contains("invalid_grant");
        Map<String, String> right = new LinkedHashMap<>(wrong);
        right.put("code_verifier", VERIFIER);
        assertThat(token(right).statusCode()).isEqualTo(400);
    }

    @Test
    void authorizeWithoutPkceOrToAnotherHostIsRefused() throws Exception {
        assertThat(get("/authorize?response_type=code&client_id=c&redirect_uri=" + enc(REDIRECT)).statusCode())
                .isEqualTo(400);
        assertThat(get("/authorize?response_type=code&client_id=c&code_challenge_method=S256&code_challenge="
                + OidcGrants.s256(VERIFIER) + "&redirect_uri=" + enc("https://evil.example/")).statusCode())
                .isEqualTo(400);
    }

    @Test
    void theDeviceGrantWaitsForApprovalThenGivesATokenOnce() throws Exception {
        JsonNode start = JSON.readTree(post("/device_authorization", Map.of("client_id", "trainpod-cli")).body());
        Map<String, String> poll = Map.of("grant_type", "urn:ietf:params:oauth:grant-type:device_code",
                "device_code", start.path("device_code").asText(), "client_id", "trainpod-cli");
        assertThat(token(poll).body()).contains("authorization_pending");

        HttpResponse<String> approved = post("/device", Map.of("user_code", start.path("user_code").asText(),
                "username", "carol"));
        assertThat(approved.statusCode()).isEqualTo(200);
        HttpResponse<String> r = token(poll);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(payload(JSON.readTree(r.body()).path("access_token").asText()).path("sub").asText()).isEqualTo("carol");
        assertThat(token(poll).statusCode()).as("handed out once").isEqualTo(400);
    }

    /** Signs in on the authorize form as {@code user}; returns the code from the redirect. */
    private static String signIn(String user) throws Exception {
        Map<String, String> form = new LinkedHashMap<>(Map.of("response_type", "code", "client_id", "trainpod-console",
                "redirect_uri", REDIRECT, "state", "s-1", "nonce", "n-1", "code_challenge", OidcGrants.s256(VERIFIER),
                "code_challenge_method", "S256"));
        assertThat(get("/authorize?" + encode(form)).body()).contains("User name");
        form.put("username", user);
        HttpResponse<String> r = post("/authorize", form);
        assertThat(r.statusCode()).isEqualTo(302);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(REDIRECT + "?code=").endsWith("&state=s-1");
        return location.substring(location.indexOf("code=") + 5, location.indexOf("&state"));
    }

    private static boolean verifies(String jwt) throws Exception {
        JsonNode key = JSON.readTree(get("/jwks").body()).path("keys").get(0);
        PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                new BigInteger(1, Base64.getUrlDecoder().decode(key.path("n").asText())),
                new BigInteger(1, Base64.getUrlDecoder().decode(key.path("e").asText()))));
        String[] parts = jwt.split("\\.");
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initVerify(publicKey);
        rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        return rsa.verify(Base64.getUrlDecoder().decode(parts[2]));
    }

    private static JsonNode payload(String jwt) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private static HttpResponse<String> token(Map<String, String> form) throws Exception {
        return post("/token", form);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(oidc.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(oidc.url() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(Map<String, String> form) {
        return form.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
