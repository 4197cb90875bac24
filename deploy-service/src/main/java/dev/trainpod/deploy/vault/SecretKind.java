package dev.trainpod.deploy.vault;

import java.nio.charset.StandardCharsets;

/** The kinds of secret a user can store: one of each per user (RunPod keys keep their retired predecessors). */
public enum SecretKind {

    /** The RunPod API key that creates, reads and terminates the user's pods. */
    RUNPOD,
    /** A Hugging Face access token, handed to the user's pods as {@code HF_TOKEN} for gated models. */
    HUGGINGFACE,
    /** A Weights & Biases API key, handed to pods as {@code WANDB_API_KEY} when a deployment reports to W&B. */
    WANDB;

    /**
     * The associated data a secret of this kind is sealed with, so that a sealed secret moved to another user's or
     * another kind's row fails its integrity check. RunPod keys were sealed with the user id alone before there were
     * other kinds, and keep that.
     */
    byte[] associatedData(String userId) {
        String aad = this == RUNPOD ? userId : userId + '\u0000' + name();
        return aad.getBytes(StandardCharsets.UTF_8);
    }
}
