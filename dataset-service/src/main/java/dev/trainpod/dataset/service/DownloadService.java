package dev.trainpod.dataset.service;

import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.DownloadRecord;
import dev.trainpod.dataset.DownloadToken;
import dev.trainpod.dataset.config.DatasetConfig;
import dev.trainpod.dataset.problem.DatasetProblems;
import dev.trainpod.dataset.repository.DatasetRepository;
import dev.trainpod.dataset.repository.DownloadRecordRepository;
import dev.trainpod.dataset.repository.DownloadTokenRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Decides whether a presented download token may fetch (part of) its dataset now, and counts the use: a request
 * from byte 0 is a use; resuming a started download with a {@code Range} is not, and may even finish shortly
 * after the token expired.
 */
@ApplicationScoped
public class DownloadService {

    private static final Logger LOG = Logger.getLogger(DownloadService.class);

    private final DownloadTokenRepository tokens;
    private final DatasetRepository datasets;
    private final DownloadRecordRepository records;
    private final Duration resumeGrace;

    public DownloadService(DownloadTokenRepository tokens, DatasetRepository datasets,
                           DownloadRecordRepository records, DatasetConfig config) {
        this.tokens = tokens;
        this.datasets = datasets;
        this.records = records;
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
        return Panache.withTransaction(() -> tokens.findByHashForUpdate(TokenSecrets.hash(secret))
                        .onItem().ifNull().failWith(DatasetProblems::downloadNotFound)
                        .chain(token -> datasets.findById(token.datasetId)
                                .onItem().ifNull().failWith(DatasetProblems::downloadNotFound)
                                .map(dataset -> authorize(token, dataset, rangeHeader, countUse))
                                .call(download -> countUse ? record(token, download, clientAddress)
                                        : Uni.createFrom().voidItem())))
                .invoke(download -> LOG.infof("download %s: bytes %d-%d of dataset %s%s",
                        TokenSecrets.logPrefix(secret), download.range().start(), download.range().end(),
                        download.storageKey(), countUse ? " to " + clientAddress : " (HEAD)"))
                .onFailure().invoke(e -> LOG.debugf("download %s refused: %s", TokenSecrets.logPrefix(secret),
                        e.getMessage()));
    }

    private Download authorize(DownloadToken token, Dataset dataset, String rangeHeader, boolean countUse) {
        Instant now = Instant.now();
        if (token.revokedAt != null) {
            throw DatasetProblems.downloadRevoked();
        }
        Optional<ByteRange> range = ByteRange.parse(rangeHeader, dataset.bytes);
        boolean resuming = token.firstUsedAt != null && range.map(r -> r.start() > 0).orElse(false);
        if (!now.isBefore(token.expiresAt) && !(resuming && token.firstUsedAt.isBefore(token.expiresAt)
                && now.isBefore(token.expiresAt.plus(resumeGrace)))) {
            throw DatasetProblems.downloadExpired();
        }
        ByteRange part = range.orElseThrow(() -> new RangeNotSatisfiableException(dataset.bytes));
        if (!resuming) {
            if (token.uses >= token.maxUses) {
                throw DatasetProblems.downloadsUsedUp(token.maxUses);
            }
            if (countUse) {
                token.uses++;
                if (token.firstUsedAt == null) {
                    token.firstUsedAt = now;
                }
            }
        }
        return new Download(dataset.storagePath, part, dataset.sha256);
    }

    private Uni<DownloadRecord> record(DownloadToken token, Download download, String clientAddress) {
        DownloadRecord record = new DownloadRecord();
        record.id = UUID.randomUUID();
        record.tokenId = token.id;
        record.deploymentId = token.deploymentId;
        record.datasetId = token.datasetId;
        record.rangeStart = download.range().start();
        record.bytes = download.range().length();
        record.clientAddress = clientAddress;
        record.createdAt = Instant.now();
        return records.persist(record);
    }
}
