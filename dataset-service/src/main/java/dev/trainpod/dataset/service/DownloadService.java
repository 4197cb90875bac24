package dev.trainpod.dataset.service;

import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.repository.DownloadUseRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Decides whether a presented download token may fetch (part of) its dataset now, and counts the use: a request
 * from byte 0 is a use; resuming a started download with a {@code Range} is not, and may even finish shortly
 * after the token expired. Deciding, counting and recording the download are one statement
 * ({@link DownloadUseRepository}): one round trip before the first byte.
 */
@ApplicationScoped
public class DownloadService {

    private static final Logger LOG = Logger.getLogger(DownloadService.class);

    private final DownloadUseRepository uses;
    private final Duration resumeGrace;

    public DownloadService(DownloadUseRepository uses, DatasetConfig config) {
        this.uses = uses;
        this.resumeGrace = config.tokenResumeGrace();
    }

    /**
     * Authorizes a download of the token's dataset.
     *
     * @param rangeHeader the request's {@code Range} header, or null
     * @param countUse false to check without counting or recording (HEAD)
     * @param clientAddress where the request came from, for the download record
     * @throws dev.trainpod.common.problem.ProblemException (in the Uni) 404 unknown token, 410 revoked or expired,
     *         429 uses exhausted; {@link RangeNotSatisfiableException} for a bad range
     */
    public Uni<Download> open(String secret, String rangeHeader, boolean countUse, String clientAddress) {
        if (!TokenSecrets.wellFormed(secret)) {
            return Uni.createFrom().failure(DatasetProblems.downloadNotFound());
        }
        ByteRange.Requested requested = ByteRange.requested(rangeHeader);
        return uses.use(TokenSecrets.hash(secret), requested.kind(), requested.first(), requested.last(),
                        requested.suffix(), resumeGrace, countUse, clientAddress)
                .map(use -> authorized(use, requested))
                // concatenated, not a printf format: formatting was ~5 % of the event loop's sampled time per download
                .invoke(download -> LOG.info("download " + TokenSecrets.logPrefix(secret) + ": bytes "
                        + download.range().start() + "-" + download.range().end() + " of dataset "
                        + download.storageKey() + (countUse ? " to " + clientAddress : " (HEAD)")))
                .onFailure().invoke(e -> LOG.debugf("download %s refused: %s", TokenSecrets.logPrefix(secret),
                        e.getMessage()));
    }

    /** The download the statement allowed, or the problem of its refusal. */
    private static Download authorized(DownloadUseRepository.Use use, ByteRange.Requested requested) {
        if (use == null) {
            throw DatasetProblems.downloadNotFound();
        }
        return switch (use.outcome()) {
            case "OK" -> new Download(use.storagePath(), requested.in(use.bytes())
                    .orElseThrow(() -> new RangeNotSatisfiableException(use.bytes())), use.sha256());
            case "REVOKED" -> throw DatasetProblems.downloadRevoked();
            case "EXPIRED" -> throw DatasetProblems.downloadExpired();
            case "RANGE" -> throw new RangeNotSatisfiableException(use.bytes());
            case "USED_UP" -> throw DatasetProblems.downloadsUsedUp(use.maxUses());
            default -> throw new IllegalStateException("unknown outcome " + use.outcome());
        };
    }
}
