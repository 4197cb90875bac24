package dev.trainpod.deploy.vault;

import dev.trainpod.deploy.config.VaultConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM sealing of secrets, with the owner's user id and the secret's kind bound as associated data so that a
 * sealed secret copied to another user's or another kind's row cannot be opened.
 */
@ApplicationScoped
public class SecretCipher {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final String currentKeyId;
    private final Map<String, SecretKey> keys = new HashMap<>();
    private final SecureRandom random = new SecureRandom();

    public SecretCipher(VaultConfig config) {
        this.currentKeyId = config.keyId();
        keys.put(config.keyId(), aesKey(config.keyId(), config.key()));
        config.previousKeys().forEach((id, key) -> keys.put(id, aesKey(id, key)));
    }

    /** A sealed secret: which key sealed it, the nonce, and the ciphertext with its tag. */
    public record Sealed(String keyId, byte[] nonce, byte[] ciphertext) {
    }

    /** The id of the key new secrets are sealed with. */
    public String currentKeyId() {
        return currentKeyId;
    }

    /** Whether a key with this id is configured, current or previous. */
    public boolean hasKey(String keyId) {
        return keys.containsKey(keyId);
    }

    public Sealed seal(String userId, SecretKind kind, String secret) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(kind.associatedData(userId));
            return new Sealed(currentKeyId, nonce, cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing failed", e);
        }
    }

    public String open(String userId, SecretKind kind, Sealed sealed) {
        SecretKey key = keys.get(sealed.keyId());
        if (key == null) {
            throw new IllegalStateException("no vault key with id " + sealed.keyId());
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.nonce()));
            cipher.updateAAD(kind.associatedData(userId));
            return new String(cipher.doFinal(sealed.ciphertext()), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a sealed secret failed its integrity check", e);
        }
    }

    private static SecretKey aesKey(String id, String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("vault key " + id + " is not base64");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("vault key " + id + " must be 32 bytes, is " + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }
}
