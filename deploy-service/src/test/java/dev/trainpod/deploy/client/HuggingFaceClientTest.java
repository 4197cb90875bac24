package dev.trainpod.deploy.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trainpod.deploy.testing.HubStub;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Hub's answer to a token, asked of a real local HTTP server standing in for huggingface.co. */
class HuggingFaceClientTest {

    private static final HubStub HUB = new HubStub();
    private static HuggingFaceClient client;

    @BeforeAll
    static void start() {
        client = new HuggingFaceClient(URI.create(HUB.startServer()), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        HUB.stop();
    }

    private static HubAccess.Kind access(String token, String repo) {
        return client.writeAccess(token, repo).await().atMost(Duration.ofSeconds(10)).kind();
    }

    @Test
    void aWriteTokenMayPushToItsUsersNamespaceButNotToAnOrganisationItOnlyReads() {
        assertThat(access(HubStub.WRITE_TOKEN, "alice/model")).isEqualTo(HubAccess.Kind.CAN_WRITE);
        assertThat(access(HubStub.WRITE_TOKEN, "acme/model")).isEqualTo(HubAccess.Kind.CANNOT_WRITE);
        assertThat(access(HubStub.WRITE_TOKEN, "bob/model")).isEqualTo(HubAccess.Kind.CANNOT_WRITE);
        assertThat(HUB.authorizations()).contains("Bearer " + HubStub.WRITE_TOKEN);
    }

    @Test
    void aReadTokenMayNotPushAnUnknownTokenIsRejectedAndAnUnreachableHubIsUnavailable() {
        assertThat(access(HubStub.READ_TOKEN, "alice/model")).isEqualTo(HubAccess.Kind.CANNOT_WRITE);
        assertThat(access("hf_Unknown", "alice/model")).isEqualTo(HubAccess.Kind.REJECTED);
        HuggingFaceClient nowhere = new HuggingFaceClient(URI.create("http://127.0.0.1:9"), Duration.ofSeconds(2));
        assertThat(nowhere.writeAccess("hf_x", "alice/m").await().atMost(Duration.ofSeconds(10)).kind())
                .isEqualTo(HubAccess.Kind.UNAVAILABLE);
    }

    @Test
    void aFineGrainedTokenWritesOnlyWhereAScopeGrantsRepoWrite() throws Exception {
        var whoami = new ObjectMapper().readTree("""
                {"name": "alice", "auth": {"accessToken": {"role": "fineGrained", "fineGrained": {"scoped": [
                  {"entity": {"type": "org", "name": "acme"}, "permissions": ["repo.content.read", "repo.write"]},
                  {"entity": {"type": "model", "name": "alice/one"}, "permissions": ["repo.write"]},
                  {"entity": {"type": "user", "name": "alice"}, "permissions": ["repo.content.read"]}]}}}}""");
        assertThat(HubAccess.of(whoami, "acme/anything").kind()).isEqualTo(HubAccess.Kind.CAN_WRITE);
        assertThat(HubAccess.of(whoami, "alice/one").kind()).isEqualTo(HubAccess.Kind.CAN_WRITE);
        assertThat(HubAccess.of(whoami, "alice/two").kind()).isEqualTo(HubAccess.Kind.CANNOT_WRITE);
    }
}
