package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.as;
import static dev.trainpod.dataset.it.Fixtures.jsonl;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.event.DatasetCatalogEvent;
import dev.trainpod.common.event.DatasetCataloged;
import dev.trainpod.common.event.DatasetRemoved;
import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: a dataset that becomes visible (a one-shot upload, a resumable upload's last chunk) publishes its summary
 * ({@link DatasetCataloged}) through the outbox with its row (Outbox.publish joins the transaction that writes it), and a deletion publishes its
 * tombstone ({@link DatasetRemoved}) in the deleting one (a refused deletion publishes nothing); the relay puts them
 * on the {@code dataset-catalog} topic keyed by dataset id, never on the lifecycle topic.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class DatasetCatalogEventTest {

    @Test
    void anUploadPublishesItsSummaryInItsTransactionAndADeletionItsTombstone() {
        String user = newUser();
        String id = Fixtures.uploadValid(user);
        assertThat(cataloguedRows(id)).as("the summary in the outbox with the dataset's row").isEqualTo(1);
        DatasetCataloged cataloged = (DatasetCataloged) onTopic(id, "DatasetCataloged");
        assertThat(cataloged.summary().userId()).isEqualTo(user);
        assertThat(cataloged.summary().format()).isEqualTo("SFT_MESSAGES");
        assertThat(cataloged.summary().fitsMethods()).containsExactly("SFT");
        assertThat(cataloged.summary().rows()).isEqualTo(2);

        as(user).when().delete("/api/v1/datasets/" + id).then().statusCode(204);
        DatasetRemoved removed = (DatasetRemoved) onTopic(id, "DatasetRemoved");
        assertThat(removed.userId()).isEqualTo(user);
        assertThat(Fixtures.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ?", id)).isEqualTo(2);
    }

    @Test
    void aResumableUploadPublishesItsSummaryWhenItsLastChunkLands() {
        String user = newUser();
        byte[] content = jsonl(Fixtures.DPO, Fixtures.DPO, Fixtures.DPO);
        String location = as(user).header("Upload-Length", String.valueOf(content.length))
                .queryParam("name", "prefs.jsonl").when().post("/api/v1/uploads")
                .then().statusCode(201).extract().header("Location").replaceFirst("^https?://[^/]+", "");
        String id = as(user).contentType("application/offset+octet-stream").header("Upload-Offset", "0")
                .body(content).when().patch(location).then().statusCode(201).extract().path("id");
        assertThat(cataloguedRows(id)).isEqualTo(1);
        assertThat(((DatasetCataloged) onTopic(id, "DatasetCataloged")).summary().format()).isEqualTo("DPO");
    }

    @Test
    void aRefusedDeletionPublishesNoTombstone() {
        String user = newUser();
        String id = Fixtures.uploadValid(user);
        Fixtures.openGrant(user, id, UUID.randomUUID());
        as(user).when().delete("/api/v1/datasets/" + id).then().statusCode(409);
        assertThat(Fixtures.count("SELECT count(*) FROM outbox_event WHERE aggregate_id = ? AND type = 'DatasetRemoved'",
                id)).isZero();
    }

    private static long cataloguedRows(String datasetId) {
        return Fixtures.count("SELECT count(*) FROM outbox_event o JOIN datasets d ON d.id::text = o.aggregate_id"
                + " WHERE o.type = 'DatasetCataloged' AND o.aggregate_id = ?", datasetId);
    }

    /** The one event of that type for the dataset on the dataset-catalog topic, keyed by the dataset id. */
    private static DatasetCatalogEvent onTopic(String datasetId, String type) {
        List<ConsumerRecord<String, String>> found = Fixtures.eventsOn(DatasetCatalogEvent.TOPIC, datasetId, type,
                Duration.ofMillis(500));
        assertThat(found).as(type + " of " + datasetId + " on " + DatasetCatalogEvent.TOPIC).hasSize(1);
        DatasetCatalogEvent event = EventCodec.catalogFromRecord(found.get(0));
        assertThat(event.datasetId().toString()).isEqualTo(datasetId);
        return event;
    }
}
