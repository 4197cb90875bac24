package dev.trainpod.common.dataset;

/**
 * dataset-service's internal API, called by deploy-service with a service token (the gateway does not route
 * {@code /internal}): its paths, used by both sides; its bodies are {@link DatasetSummary},
 * {@link MintTokenRequest} and {@link MintedToken}.
 */
public final class InternalDatasetApi {

    /** The API's root. */
    public static final String ROOT = "/internal/v1";
    /** {@code GET}: a user's dataset ({@code userId} query parameter); 404 unless it exists and is theirs. */
    public static final String DATASET = "/datasets/{id}";
    /** {@code POST} a {@link MintTokenRequest}: 201 with a {@link MintedToken}. */
    public static final String DOWNLOAD_TOKENS = "/download-tokens";

    private InternalDatasetApi() {
    }
}
