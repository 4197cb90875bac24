package dev.trainpod.deploy.repository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.testing.SqlOutsideRepositories;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every query and every raw SQL statement of deploy-service lives in this package: none in services, resources,
 * consumers or entities (see {@link SqlOutsideRepositories} for what counts).
 * {@code JobLease} is left out while the shared database lease replaces it (issue 13, "infra").
 */
class RepositoriesOwnTheSqlTest {

    @Test
    void noQueryOrStatementOutsideTheRepositoryPackage() {
        assertThat(SqlOutsideRepositories.in(Path.of("src/main/java"), Set.of())).isEmpty();
    }
}
