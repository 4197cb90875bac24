package dev.trainpod.cli.api;

/** The base addresses of the three services; behind a gateway all three are the gateway's address. */
public record Endpoints(String deploy, String dataset, String metrics) {

    /** The base address of a service, without a trailing slash. */
    public String of(Service service) {
        String base = switch (service) {
            case DEPLOY -> deploy;
            case DATASET -> dataset;
            case METRICS -> metrics;
        };
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
