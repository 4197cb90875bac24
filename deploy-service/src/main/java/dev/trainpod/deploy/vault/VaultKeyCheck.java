package dev.trainpod.deploy.vault;

import dev.trainpod.deploy.repository.SecretRepository;
import dev.trainpod.deploy.repository.SecretRepository.SealedSecret;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Stops deploy-service at start when its vault keys do not open the stored secrets: for each key id in use, one
 * stored secret sealed with it is opened. Without this, a key changed without a new id (or a previous key left out)
 * makes every later open fail, and with it every call to RunPod that terminates, reads or creates a pod.
 */
@ApplicationScoped
public class VaultKeyCheck {

    private static final Logger LOG = Logger.getLogger(VaultKeyCheck.class);

    private final SecretRepository secrets;
    private final SecretCipher cipher;

    public VaultKeyCheck(SecretRepository secrets, SecretCipher cipher) {
        this.secrets = secrets;
        this.cipher = cipher;
    }

    void onStart(@Observes StartupEvent start) {
        check().await().atMost(Duration.ofSeconds(30));
    }

    /** Fails with one message naming the settings to fix when a key id in use has no key, or a key that does not fit. */
    public Uni<Void> check() {
        return secrets.onePerKeyId().map(rows -> {
            List<String> problems = new ArrayList<>();
            int checked = 0;
            for (SealedSecret row : rows) {
                checked++;
                String problem = problem(row);
                if (problem != null) {
                    problems.add(problem);
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("deploy-service cannot open the stored secrets: "
                        + String.join(" ", problems));
            }
            LOG.infof("vault keys checked: each of the %d key ids in use opens its stored secrets", checked);
            return null;
        });
    }

    private String problem(SealedSecret row) {
        String keyId = row.keyId();
        if (!cipher.hasKey(keyId)) {
            return "Secrets sealed with vault key id '" + keyId + "' are stored, but no key has that id: set "
                    + "trainpod.vault.previous-keys." + keyId + " to the key they were sealed with.";
        }
        SecretCipher.Sealed sealed = new SecretCipher.Sealed(keyId, row.nonce(), row.ciphertext());
        try {
            cipher.open(row.userId(), SecretKind.valueOf(row.kind()), sealed);
            return null;
        } catch (IllegalStateException e) {
            if (keyId.equals(cipher.currentKeyId())) {
                return "The vault key TRAINPOD_VAULT_KEY (trainpod.vault.key) does not open the secrets sealed with "
                        + "its id '" + keyId + "' (TRAINPOD_VAULT_KEY_ID, trainpod.vault.key-id): the key was "
                        + "changed without a new id. Restore the key, or give the new key a new id and keep the old "
                        + "one as trainpod.vault.previous-keys." + keyId + ".";
            }
            return "The vault key trainpod.vault.previous-keys." + keyId + " does not open the secrets sealed with "
                    + "id '" + keyId + "': set it to the key they were sealed with.";
        }
    }
}
