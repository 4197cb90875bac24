package dev.trainpod.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One download a token allowed: which deployment fetched which bytes of which dataset, when and from where. */
@Entity
@Table(name = "download_records")
public class DownloadRecord {

    @Id
    public UUID id;

    @Column(name = "token_id", nullable = false)
    public UUID tokenId;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    @Column(name = "dataset_id", nullable = false)
    public UUID datasetId;

    /** The first byte sent; 0 unless a {@code Range} asked for a later one. */
    @Column(name = "range_start", nullable = false)
    public long rangeStart;

    /** The bytes the answer carried. */
    @Column(nullable = false)
    public long bytes;

    /** The address the request came from (the proxy's, unless forwarding headers are trusted). */
    @Column(name = "client_address")
    public String clientAddress;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
