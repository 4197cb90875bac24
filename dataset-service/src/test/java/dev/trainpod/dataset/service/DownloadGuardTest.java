package dev.trainpod.dataset.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DownloadGuardTest {

    @Test
    void aClientThatTriedTooManyUnknownTokensIsRefusedAndToldWhenToRetry() {
        DownloadGuard guard = new DownloadGuard(3, 6); // one attempt back every 10 s
        for (int i = 0; i < 3; i++) {
            guard.admit("203.0.113.7");
            guard.unknownToken("203.0.113.7");
        }

        assertThatThrownBy(() -> guard.admit("203.0.113.7"))
                .isInstanceOfSatisfying(DownloadRateLimitedException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(429);
                    assertThat(e.retryAfterSeconds()).isBetween(1L, 10L);
                });
        guard.admit("198.51.100.1");
    }

    @Test
    void clientsThatPresentOnlyValidTokensAreNeverLimited() {
        DownloadGuard guard = new DownloadGuard(1, 1);
        for (int i = 0; i < 100; i++) {
            guard.admit("10.0.0.5");
        }
    }
}
