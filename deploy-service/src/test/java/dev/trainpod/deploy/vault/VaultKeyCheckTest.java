package dev.trainpod.deploy.vault;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.deploy.config.VaultConfig;
import dev.trainpod.deploy.repository.SecretRepository;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The start-up check of the vault keys against the secrets stored in the real database: a key changed without a
 * new id, or a previous key left out, is named with the setting to fix.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "deploy_test"))
class VaultKeyCheckTest {

    private static final String OTHER_KEY = Base64.getEncoder().encodeToString(
            "another-32-byte-key-for-the-test".getBytes(StandardCharsets.US_ASCII));

    @Inject
    VaultKeyCheck check;

    @Inject
    SecretCipher cipher;

    @Inject
    Pool pool;
    @Inject
    SecretRepository secrets;

    @Test
    void storedSecretsOpenWithTheConfiguredKeys() {
        UUID id = insert(cipher.seal("vault-check-ok", SecretKind.RUNPOD, "rpa_OPENS_FINE_1234"), "vault-check-ok");
        try {
            check.check().await().atMost(Duration.ofSeconds(10));
        } finally {
            delete(id);
        }
    }

    @Test
    void aKeyChangedWithoutANewIdStopsTheStartNamingTheSetting() {
        UUID id = insert(cipher.seal("vault-check-changed", SecretKind.RUNPOD, "rpa_SEALED_BEFORE_THE_CHANGE"),
                "vault-check-changed");
        // the same key id as the stored secrets, another key: as if TRAINPOD_VAULT_KEY had been changed alone
        VaultKeyCheck changed = new VaultKeyCheck(secrets, new SecretCipher(config(cipher.currentKeyId(), OTHER_KEY)));
        try {
            assertThatThrownBy(() -> changed.check().await().atMost(Duration.ofSeconds(10)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("TRAINPOD_VAULT_KEY (trainpod.vault.key)")
                    .hasMessageContaining("without a new id")
                    .hasMessageNotContaining("rpa_SEALED_BEFORE_THE_CHANGE");
        } finally {
            delete(id);
        }
    }

    @Test
    void aMissingPreviousKeyStopsTheStartNamingTheSetting() {
        SecretCipher old = new SecretCipher(config("v0", OTHER_KEY));
        UUID id = insert(old.seal("vault-check-old", SecretKind.RUNPOD, "rpa_SEALED_BEFORE_ROTATION"),
                "vault-check-old");
        try {
            assertThatThrownBy(() -> check.check().await().atMost(Duration.ofSeconds(10)))
                    .hasMessageContaining("trainpod.vault.previous-keys.v0");
        } finally {
            delete(id);
        }
        check.check().await().atMost(Duration.ofSeconds(10));
    }

    private UUID insert(SecretCipher.Sealed sealed, String user) {
        UUID id = UUID.randomUUID();
        pool.preparedQuery("INSERT INTO runpod_credential (id, user_id, key_id, nonce, ciphertext, last4, created_at,"
                        + " retired_at) VALUES ($1, $2, $3, $4, $5, 'xxxx', now(), now())")
                .execute(Tuple.of(id, user, sealed.keyId(), Buffer.buffer(sealed.nonce()),
                        Buffer.buffer(sealed.ciphertext())))
                .await().atMost(Duration.ofSeconds(10));
        return id;
    }

    private void delete(UUID id) {
        pool.preparedQuery("DELETE FROM runpod_credential WHERE id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(10));
    }

    private static VaultConfig config(String id, String key) {
        return new VaultConfig() {
            @Override
            public String keyId() {
                return id;
            }

            @Override
            public String key() {
                return key;
            }

            @Override
            public Map<String, String> previousKeys() {
                return Map.of();
            }
        };
    }
}
