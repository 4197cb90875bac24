package dev.trainpod.dataset.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of dataset storage, validation and download tokens ({@code trainpod.dataset.*}). */
@ConfigMapping(prefix = "trainpod.dataset")
public interface DatasetConfig {

    /** Directory the dataset files are stored in ({@code TRAINPOD_DATASET_STORAGE_DIR}); default {@code data/datasets}. */
    @WithDefault("data/datasets")
    String storageDir();

    /** Largest dataset file accepted; a larger upload answers 413; default 1G. */
    @WithDefault("1G")
    MemorySize maxBytes();

    /** Longest line the validator reads; a longer line is reported as an error; default 8M. */
    @WithDefault("8M")
    MemorySize maxLineBytes();

    /**
     * Base URL pods download from, as reachable from a pod ({@code TRAINPOD_DATASET_PUBLIC_URL}); no default: without
     * it the service does not start, and the error names this setting.
     */
    String publicUrl();

    /** Most datasets one user may hold (the next upload answers 429 dataset-quota-exceeded); default 100. */
    @WithDefault("100")
    int maxDatasetsPerUser();

    /** Most bytes of datasets one user may hold together; default 50G. */
    @WithDefault("50G")
    MemorySize maxDatasetBytesPerUser();

    /** Most artifacts one deployment may store, of any names (the next answers 429 artifact-quota-exceeded); default 50. */
    @WithDefault("50")
    int maxArtifactsPerDeployment();

    /** Most bytes of artifacts one deployment may store together; default 100G. */
    @WithDefault("100G")
    MemorySize maxArtifactBytesPerDeployment();

    /** How long a download token is valid when the caller does not say; default 2h. */
    @WithDefault("2h")
    Duration tokenTtl();

    /** How many downloads from byte 0 a token allows when the caller does not say; default 5. */
    @WithDefault("5")
    int tokenMaxUses();

    /** How long after expiry a download started before expiry may still resume with a {@code Range}; default 1h. */
    @WithDefault("1h")
    Duration tokenResumeGrace();

    /** How many unknown download tokens one client address may try at once before it is answered 429; default 20. */
    @WithDefault("20")
    int downloadGuessBurst();

    /** How fast a client's allowance of unknown download tokens comes back, per minute; default 10. */
    @WithDefault("10")
    double downloadGuessesPerMinute();

    /**
     * Most client addresses whose guesses are remembered (those whose allowance has come back make room first;
     * beyond it, new addresses share one allowance); default 10000.
     */
    @WithDefault("10000")
    int downloadGuardCapacity();

    /** How long expired tokens and ended deployments' grants are kept before they are deleted; default 24h. */
    @WithDefault("24h")
    Duration tokenRetention();

    /** How old a partial upload left behind by a crash must be before it is removed; default 24h. */
    @WithDefault("24h")
    Duration partialRetention();

    /** Largest artifact a pod may upload; a larger one answers 413; default 20G. */
    @WithDefault("20G")
    MemorySize maxArtifactBytes();

    /** Where complete files are kept ({@code TRAINPOD_DATASET_STORAGE}): {@code local} or {@code s3}; default {@code local}. */
    @WithDefault("local")
    StorageKind storage();

    /** The S3-compatible object store used when {@link #storage()} is {@code s3}. */
    S3 s3();

    /** Where complete files are kept; partial uploads are always staged on local disk. */
    enum StorageKind {
        LOCAL, S3
    }

    /** Settings of the S3-compatible object store ({@code trainpod.dataset.s3.*}). */
    interface S3 {

        /** The API endpoint ({@code TRAINPOD_DATASET_S3_ENDPOINT}); no default: the AWS endpoint of the region. */
        Optional<String> endpoint();

        /** The bucket, which must exist ({@code TRAINPOD_DATASET_S3_BUCKET}); default {@code trainpod-datasets}. */
        @WithDefault("trainpod-datasets")
        String bucket();

        /** The region ({@code TRAINPOD_DATASET_S3_REGION}); default {@code us-east-1}. */
        @WithDefault("us-east-1")
        String region();

        /** Access key id ({@code TRAINPOD_DATASET_S3_ACCESS_KEY}); no default: the SDK's default credential chain. */
        Optional<String> accessKey();

        /** Secret access key ({@code TRAINPOD_DATASET_S3_SECRET_KEY}); no default. */
        Optional<String> secretKey();

        /** Path-style addressing ({@code endpoint/bucket/key}), which most S3-compatible stores need; default true. */
        @WithDefault("true")
        boolean pathStyle();
    }
}
