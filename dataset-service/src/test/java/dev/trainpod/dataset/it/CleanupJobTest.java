package dev.trainpod.dataset.it;

import static dev.trainpod.dataset.it.Fixtures.mint;
import static dev.trainpod.dataset.it.Fixtures.newUser;
import static dev.trainpod.dataset.it.Fixtures.uploadValid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.testing.TrainpodTestResource;
import dev.trainpod.dataset.service.CleanupJob;
import dev.trainpod.dataset.storage.DatasetStorage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "dataset_test"))
class CleanupJobTest {

    @Inject
    CleanupJob job;

    @Inject
    DatasetStorage storage;

    @Test
    void tokensExpiredMoreThanADayAgoAreDeleted() throws Throwable {
        String user = newUser();
        String dataset = uploadValid(user);
        String longExpired = Fixtures.sha256(mint(user, dataset, UUID.randomUUID(), null, null).getString("token"));
        String recentlyExpired = Fixtures.sha256(mint(user, dataset, UUID.randomUUID(), null, null)
                .getString("token"));
        String live = Fixtures.sha256(mint(user, dataset, UUID.randomUUID(), null, null).getString("token"));
        Fixtures.execute("UPDATE download_tokens SET expires_at = now() - interval '25 hours' WHERE token_hash = ?",
                longExpired);
        Fixtures.execute("UPDATE download_tokens SET expires_at = now() - interval '23 hours' WHERE token_hash = ?",
                recentlyExpired);

        VertxContextSupport.subscribeAndAwait(() -> job.purgeExpiredTokens());

        assertThat(tokens(longExpired)).isZero();
        assertThat(tokens(recentlyExpired)).isEqualTo(1);
        assertThat(tokens(live)).isEqualTo(1);
    }

    @Test
    void abandonedPartialUploadsAreRemoved() throws Exception {
        Path abandoned = Files.writeString(storage.partialDirectory().resolve(UUID.randomUUID() + ".part"), "x");
        Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minus(Duration.ofHours(25))));
        Path inProgress = Files.writeString(storage.partialDirectory().resolve(UUID.randomUUID() + ".part"), "y");

        job.removeAbandonedUploads();

        assertThat(abandoned).doesNotExist();
        assertThat(inProgress).exists();
        Files.delete(inProgress);
    }

    private static long tokens(String hash) {
        return Fixtures.count("SELECT count(*) FROM download_tokens WHERE token_hash = ?", hash);
    }
}
