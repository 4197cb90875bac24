package dev.trainpod.common.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.trainpod.common.event.EventCodec;
import dev.trainpod.common.event.TrainingSucceeded;
import dev.trainpod.common.outbox.OutboxListener;
import dev.trainpod.common.testing.SharedPostgres;
import dev.trainpod.common.testing.TrainpodTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The relay is woken by a commit made elsewhere: the relay's timer is set to an hour here, so within the test's
 * wait only the NOTIFY of common migration V0_5's trigger, received over {@link OutboxListener}'s LISTEN
 * connection, can publish a row that another connection (another replica, in effect) commits. A LISTEN connection
 * ended by the server is opened again and wakes the relay again.
 */
@QuarkusTest
@TestProfile(OutboxListenTest.TimerAnHourApart.class)
@QuarkusTestResource(value = TrainpodTestResource.class,
        initArgs = @ResourceArg(name = "database", value = "common_test"))
class OutboxListenTest {

    private static final String DB = "common_test";
    private static final Duration WAIT = Duration.ofSeconds(15);

    /** The relay's timer an hour apart, so that it cannot be what publishes within the test's wait. */
    public static class TimerAnHourApart implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("trainpod.outbox.relay-interval", "1h",
                    "trainpod.outbox.listen-reconnect-min", "50ms",
                    "trainpod.outbox.listen-reconnect-max", "500ms");
        }
    }

    @Inject
    OutboxListener listener;

    @Test
    void aRowCommittedThroughAnotherConnectionIsPublishedWithoutWaitingForTheTimer() {
        listenerPid();
        UUID deployment = commitElsewhere();
        await().atMost(WAIT).until(() -> published(deployment));
    }

    @Test
    void aListenConnectionEndedByTheServerIsOpenedAgainAndWakesTheRelayAgain() {
        int first = listenerPid();
        assertThat(query("SELECT pg_terminate_backend(" + first + ")")).isEqualTo("t");

        await().atMost(WAIT).until(() -> listener.listening() && pidOfListener(first) != null);
        // Two rows one after the other: the second can only be published by a notification on the new connection
        // (the wake that follows re-listening has run by the time the first is published).
        UUID before = commitElsewhere();
        await().atMost(WAIT).until(() -> published(before));
        UUID after = commitElsewhere();
        await().atMost(WAIT).until(() -> published(after));
        assertThat(pidOfListener(first)).isNotNull();
    }

    /** The backend of the LISTEN connection, once it listens. */
    private int listenerPid() {
        await().atMost(WAIT).until(() -> listener.listening() && pidOfListener(0) != null);
        return pidOfListener(0);
    }

    /** The backend of a LISTEN connection of this database other than {@code except}, if there is one. */
    private static Integer pidOfListener(int except) {
        String pid = query("SELECT pid FROM pg_stat_activity WHERE application_name = '"
                + OutboxListener.APPLICATION_NAME + "' AND datname = '" + DB + "' AND pid <> " + except);
        return pid == null ? null : Integer.valueOf(pid);
    }

    /** Commits an outbox row as another replica would: its own connection, its own transaction. */
    private static UUID commitElsewhere() {
        UUID deployment = UUID.randomUUID();
        try (Connection c = connect();
             PreparedStatement st = c.prepareStatement("INSERT INTO outbox_event"
                     + " (id, aggregate_id, type, source, payload, created_at) VALUES (?, ?, ?, ?, ?, now())")) {
            st.setObject(1, UUID.randomUUID());
            st.setString(2, deployment.toString());
            st.setString(3, "TrainingSucceeded");
            st.setString(4, "/trainpod/another-replica");
            st.setString(5, EventCodec.toJson(new TrainingSucceeded(deployment, "done")));
            st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return deployment;
    }

    private static boolean published(UUID deployment) {
        return "t".equals(query("SELECT bool_and(sent_at IS NOT NULL) FROM outbox_event WHERE aggregate_id = '"
                + deployment + "'"));
    }

    private static String query(String sql) {
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection connect() throws SQLException {
        SharedPostgres.Server pg = SharedPostgres.server();
        return DriverManager.getConnection(pg.jdbcUrl(DB), pg.user(), pg.password());
    }
}
