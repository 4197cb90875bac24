package dev.trainpod.deploy.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainpod.deploy.config.VaultConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    private static final String KEY_V1 = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String KEY_V2 = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef"
            .getBytes(StandardCharsets.US_ASCII));

    @Test
    void sealedSecretOpensForItsOwnerAndHidesThePlaintext() {
        SecretCipher cipher = new SecretCipher(config("v1", KEY_V1, Map.of()));
        SecretCipher.Sealed sealed = cipher.seal("alice", SecretKind.RUNPOD, "rpa_SECRET_1234");
        assertThat(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("SECRET");
        assertThat(cipher.open("alice", SecretKind.RUNPOD, sealed)).isEqualTo("rpa_SECRET_1234");
    }

    @Test
    void sealedSecretCopiedToAnotherUserDoesNotOpen() {
        SecretCipher cipher = new SecretCipher(config("v1", KEY_V1, Map.of()));
        SecretCipher.Sealed sealed = cipher.seal("alice", SecretKind.RUNPOD, "rpa_SECRET_1234");
        assertThatThrownBy(() -> cipher.open("mallory", SecretKind.RUNPOD, sealed)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sealedSecretCopiedToAnotherKindDoesNotOpen() {
        SecretCipher cipher = new SecretCipher(config("v1", KEY_V1, Map.of()));
        SecretCipher.Sealed token = cipher.seal("alice", SecretKind.HUGGINGFACE, "hf_SECRET1234");
        assertThat(cipher.open("alice", SecretKind.HUGGINGFACE, token)).isEqualTo("hf_SECRET1234");
        assertThatThrownBy(() -> cipher.open("alice", SecretKind.RUNPOD, token))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tamperedCiphertextIsRejected() {
        SecretCipher cipher = new SecretCipher(config("v1", KEY_V1, Map.of()));
        SecretCipher.Sealed sealed = cipher.seal("alice", SecretKind.RUNPOD, "rpa_SECRET_1234");
        sealed.ciphertext()[0] ^= 1;
        assertThatThrownBy(() -> cipher.open("alice", SecretKind.RUNPOD, sealed)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void secretsSealedWithARotatedKeyStillOpen() {
        SecretCipher.Sealed old = new SecretCipher(config("v1", KEY_V1, Map.of())).seal("alice", SecretKind.RUNPOD, "rpa_OLD_KEY_9");
        SecretCipher rotated = new SecretCipher(config("v2", KEY_V2, Map.of("v1", KEY_V1)));
        assertThat(rotated.open("alice", SecretKind.RUNPOD, old)).isEqualTo("rpa_OLD_KEY_9");
        assertThat(rotated.seal("alice", SecretKind.RUNPOD, "x-1234567").keyId()).isEqualTo("v2");
    }

    @Test
    void aKeyOfTheWrongLengthIsRefusedAtStart() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> new SecretCipher(config("v1", shortKey, Map.of())))
                .hasMessageContaining("32 bytes");
    }

    private static VaultConfig config(String id, String key, Map<String, String> previous) {
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
                return previous;
            }
        };
    }
}
