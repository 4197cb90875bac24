package dev.trainpod.devstack.oidc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.trainpod.common.testing.JwtKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in OpenID Connect provider for the local stack, so that the console and the CLI sign in offline: discovery,
 * authorization code with PKCE (a page where the person types a user name, no password), the token endpoint, the
 * JWKS and the device authorization grant. It signs with the identity provider's key the services already trust
 * ({@link JwtKeys}), as issuer {@value JwtKeys#USER_ISSUER}. Redirect URIs must point at this machine.
 */
public final class OidcStandIn implements AutoCloseable {

    static final Duration TOKEN_LIFETIME = Duration.ofHours(1);
    private static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

    private final JwtKeys keys;
    private final OidcGrants grants = new OidcGrants();
    private final HttpServer server;
    private final ExecutorService threads;

    private OidcStandIn(JwtKeys keys, int port) {
        this.keys = keys;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("the stand-in OIDC provider cannot listen on port " + port, e);
        }
        threads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "oidc-stand-in");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /** Starts the provider on {@code port} of the loopback interface (0: any free port). */
    public static OidcStandIn start(JwtKeys keys, int port) {
        OidcStandIn oidc = new OidcStandIn(keys, port);
        oidc.server.start();
        return oidc;
    }

    /** Where the provider answers, e.g. {@code http://127.0.0.1:8085}; discovery is below it. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            x.getResponseHeaders().add("Cache-Control", "no-store");
            x.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
            String method = x.getRequestMethod();
            String path = x.getRequestURI().getPath();
            if ("OPTIONS".equals(method)) {
                x.getResponseHeaders().add("Access-Control-Allow-Methods", "GET, POST");
                x.getResponseHeaders().add("Access-Control-Allow-Headers", "Content-Type");
                x.sendResponseHeaders(204, -1);
                return;
            }
            Map<String, String> params = "POST".equals(method) ? form(x) : query(x.getRequestURI());
            switch (method + " " + path) {
                case "GET /.well-known/openid-configuration" -> json(x, 200, discovery());
                case "GET /jwks" -> json(x, 200, keys.identityProviderJwks());
                case "GET /authorize" -> authorizePage(x, params);
                case "POST /authorize" -> authorize(x, params);
                case "POST /token" -> token(x, params);
                case "POST /device_authorization" -> deviceAuthorization(x, params);
                case "GET /device" -> html(x, 200, OidcPages.device(params.getOrDefault("user_code", ""), null));
                case "POST /device" -> approveDevice(x, params);
                default -> json(x, 404, error("not_found", "No such endpoint; see /.well-known/openid-configuration."));
            }
        }
    }

    private String discovery() {
        String u = url();
        return "{\"issuer\":\"" + JwtKeys.USER_ISSUER + "\",\"authorization_endpoint\":\"" + u + "/authorize\","
                + "\"token_endpoint\":\"" + u + "/token\",\"jwks_uri\":\"" + u + "/jwks\","
                + "\"device_authorization_endpoint\":\"" + u + "/device_authorization\","
                + "\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"],"
                + "\"id_token_signing_alg_values_supported\":[\"RS256\"],\"code_challenge_methods_supported\":[\"S256\"],"
                + "\"grant_types_supported\":[\"authorization_code\",\"" + DEVICE_GRANT + "\"],"
                + "\"token_endpoint_auth_methods_supported\":[\"none\"],\"scopes_supported\":[\"openid\",\"profile\"]}";
    }

    private void authorizePage(HttpExchange x, Map<String, String> p) throws IOException {
        Optional<String> problem = authorizeProblem(p);
        if (problem.isPresent()) {
            html(x, 400, OidcPages.error(problem.get()));
            return;
        }
        html(x, 200, OidcPages.signIn(p));
    }

    private void authorize(HttpExchange x, Map<String, String> p) throws IOException {
        Optional<String> problem = authorizeProblem(p);
        String user = p.getOrDefault("username", "").strip();
        if (problem.isEmpty() && !OidcGrants.USER_NAME.matcher(user).matches()) {
            html(x, 400, OidcPages.signIn(p, "A user name is 1 to 64 letters, digits, '.', '_', '@' or '-'."));
            return;
        }
        if (problem.isPresent()) {
            html(x, 400, OidcPages.error(problem.get()));
            return;
        }
        String code = grants.issueCode(p.get("client_id"), p.get("redirect_uri"), p.get("code_challenge"), user,
                p.get("nonce"));
        String target = p.get("redirect_uri") + (p.get("redirect_uri").contains("?") ? "&" : "?") + "code="
                + enc(code) + (p.containsKey("state") ? "&state=" + enc(p.get("state")) : "");
        x.getResponseHeaders().add("Location", target);
        x.sendResponseHeaders(302, -1);
    }

    private static Optional<String> authorizeProblem(Map<String, String> p) {
        if (!"code".equals(p.get("response_type"))) {
            return Optional.of("response_type must be code.");
        }
        if (p.getOrDefault("client_id", "").isBlank()) {
            return Optional.of("client_id is missing.");
        }
        String redirect = p.getOrDefault("redirect_uri", "");
        if (!redirect.matches("http://(localhost|127\\.0\\.0\\.1)(:\\d+)?/.*")) {
            return Optional.of("redirect_uri must be an http://localhost or http://127.0.0.1 address.");
        }
        if (!"S256".equals(p.get("code_challenge_method")) || p.getOrDefault("code_challenge", "").length() < 43) {
            return Optional.of("PKCE is required: code_challenge (S256) and code_challenge_method=S256.");
        }
        return Optional.empty();
    }

    private void token(HttpExchange x, Map<String, String> p) throws IOException {
        String clientId = p.getOrDefault("client_id", "");
        if ("authorization_code".equals(p.get("grant_type"))) {
            Optional<OidcGrants.Code> code = grants.redeem(p.get("code"), clientId, p.get("redirect_uri"),
                    p.get("code_verifier"));
            if (code.isEmpty()) {
                json(x, 400, error("invalid_grant", "The code is unknown, used, expired, or its verifier does not match."));
                return;
            }
            json(x, 200, tokens(code.get().user(), clientId, code.get().nonce()));
        } else if (DEVICE_GRANT.equals(p.get("grant_type"))) {
            OidcGrants.Device device = grants.device(p.getOrDefault("device_code", ""));
            switch (grants.poll(p.get("device_code"), clientId)) {
                case APPROVED -> json(x, 200, tokens(device.user(), clientId, null));
                case PENDING -> json(x, 400, error("authorization_pending", "Not approved yet."));
                case SLOW_DOWN -> json(x, 400, error("slow_down", "Poll at most once per interval."));
                case EXPIRED -> json(x, 400, error("expired_token", "The device code expired; start again."));
                default -> json(x, 400, error("invalid_grant", "Unknown device code for this client."));
            }
        } else {
            json(x, 400, error("unsupported_grant_type", "Use authorization_code or " + DEVICE_GRANT + "."));
        }
    }

    private String tokens(String user, String clientId, String nonce) {
        return "{\"access_token\":\"" + keys.userToken(user, TOKEN_LIFETIME) + "\",\"token_type\":\"Bearer\","
                + "\"expires_in\":" + TOKEN_LIFETIME.toSeconds() + ",\"id_token\":\""
                + keys.idToken(user, clientId, nonce, TOKEN_LIFETIME) + "\",\"scope\":\"openid profile\"}";
    }

    private void deviceAuthorization(HttpExchange x, Map<String, String> p) throws IOException {
        String clientId = p.getOrDefault("client_id", "");
        if (clientId.isBlank()) {
            json(x, 400, error("invalid_client", "client_id is missing."));
            return;
        }
        String deviceCode = grants.startDevice(clientId);
        String userCode = grants.device(deviceCode).userCode();
        json(x, 200, "{\"device_code\":\"" + deviceCode + "\",\"user_code\":\"" + userCode + "\","
                + "\"verification_uri\":\"" + url() + "/device\",\"verification_uri_complete\":\"" + url()
                + "/device?user_code=" + userCode + "\",\"expires_in\":" + OidcGrants.DEVICE_LIFETIME.toSeconds()
                + ",\"interval\":" + OidcGrants.DEVICE_INTERVAL_SECONDS + "}");
    }

    private void approveDevice(HttpExchange x, Map<String, String> p) throws IOException {
        String user = p.getOrDefault("username", "").strip();
        String userCode = p.getOrDefault("user_code", "");
        if (!OidcGrants.USER_NAME.matcher(user).matches()) {
            html(x, 400, OidcPages.device(userCode, "A user name is 1 to 64 letters, digits, '.', '_', '@' or '-'."));
        } else if (!grants.approve(userCode, user)) {
            html(x, 400, OidcPages.device(userCode, "No sign-in waits for code " + userCode + "; it may have expired."));
        } else {
            html(x, 200, OidcPages.approved(user));
        }
    }

    private static String error(String code, String description) {
        return "{\"error\":\"" + code + "\",\"error_description\":\"" + description + "\"}";
    }

    private static void json(HttpExchange x, int status, String body) throws IOException {
        send(x, status, "application/json", body);
    }

    private static void html(HttpExchange x, int status, String body) throws IOException {
        x.getResponseHeaders().add("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
        send(x, status, "text/html; charset=utf-8", body);
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
    }

    private static Map<String, String> form(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readNBytes(64 * 1024);
        return parse(new String(body, StandardCharsets.UTF_8));
    }

    private static Map<String, String> query(URI uri) {
        return parse(uri.getRawQuery());
    }

    private static Map<String, String> parse(String encoded) {
        Map<String, String> out = new HashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return out;
        }
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
