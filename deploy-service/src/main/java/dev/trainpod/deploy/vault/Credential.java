package dev.trainpod.deploy.vault;

import java.util.UUID;

/**
 * An opened RunPod credential: its id, its owner and the API key in clear. Its string form never shows the key.
 *
 * @param retired whether a newer key replaced it or the user deleted it (it then creates no new pod)
 */
public record Credential(UUID id, String userId, String apiKey, boolean retired) {

    @Override
    public String toString() {
        return "Credential[" + id + " of " + userId + (retired ? ", retired" : "") + "]";
    }
}
