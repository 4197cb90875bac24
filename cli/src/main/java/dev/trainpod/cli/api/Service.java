package dev.trainpod.cli.api;

/** The Trainpod service an API path belongs to, named in messages so that a person knows which one failed. */
public enum Service {
    DEPLOY("deploy-service"),
    DATASET("dataset-service"),
    METRICS("metrics-service");

    private final String label;

    Service(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
