package dev.trainpod.deploy.service;

import dev.trainpod.deploy.client.RunPodException;

/** What a user reads when RunPod refused to create their pod: the cause and what to do about it. */
final class ProviderMessages {

    private ProviderMessages() {
    }

    static String createRefused(RunPodException e) {
        return switch (e.kind()) {
            case UNAUTHORIZED -> "RunPod rejected the API key (401). Store a valid key with PUT /api/v1/secrets/runpod.";
            case INSUFFICIENT_BALANCE -> "The RunPod account balance is too low (402). Add credit in the RunPod "
                    + "console; creating a pod needs about one hour of credit.";
            case FORBIDDEN -> "The RunPod API key may not create pods (403). Give it read/write access.";
            default -> "RunPod refused the pod: " + e.getMessage();
        };
    }
}
