package dev.trainpod.deploy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real local HTTP server in the Hugging Face Hub's place, answering {@code GET /api/whoami-v2} as the Hub does for
 * three tokens: {@link #WRITE_TOKEN} (user alice, role write, reader in the organisation acme), {@link #READ_TOKEN}
 * (alice, role read) and anything else (401). It records the Authorization headers it received.
 */
public class HubStub implements QuarkusTestResourceLifecycleManager {

    public static final String WRITE_TOKEN = "hf_WriteWriteWrite1";
    public static final String READ_TOKEN = "hf_ReadReadReadRead1";
    private static final String ALICE = """
            {"type": "user", "name": "alice", "orgs": [{"type": "org", "name": "acme", "roleInOrg": "read"}],
             "auth": {"type": "access_token", "accessToken": {"displayName": "t", "role": "%s"}}}""";

    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        return Map.of("trainpod.huggingface.url", startServer());
    }

    /** Starts the server (outside Quarkus too) and returns its base URL. */
    public String startServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/api/whoami-v2", this::whoami);
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The Authorization headers received so far. */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    private void whoami(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        authorizations.add(auth);
        if (("Bearer " + WRITE_TOKEN).equals(auth)) {
            UpstreamStub.send(ex, 200, ALICE.formatted("write"));
        } else if (("Bearer " + READ_TOKEN).equals(auth)) {
            UpstreamStub.send(ex, 200, ALICE.formatted("read"));
        } else {
            UpstreamStub.send(ex, 401, "{\"error\": \"Invalid credentials in Authorization header\"}");
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
