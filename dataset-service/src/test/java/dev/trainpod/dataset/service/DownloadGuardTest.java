package dev.trainpod.dataset.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainpod.common.ratelimit.RateLimitedException;
import org.junit.jupiter.api.Test;

/** The download guard: guessing is limited per address, in bounded memory. */
class DownloadGuardTest {

    @Test
    void aClientThatTriedTooManyUnknownTokensIsRefusedAndToldWhenToRetry() {
        DownloadGuard guard = new DownloadGuard(3, 6, 100); // one attempt back every 10 s
        for (int i = 0; i < 3; i++) {
            guard.admit("203.0.113.7");
            guard.unknownToken("203.0.113.7");
        }

        assertThatThrownBy(() -> guard.admit("203.0.113.7"))
                .isInstanceOfSatisfying(RateLimitedException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(429);
                    assertThat(e.retryAfterSeconds()).isBetween(1L, 10L);
                });
        guard.admit("198.51.100.1");
    }

    @Test
    void clientsThatPresentOnlyValidTokensAreNeverLimited() {
        DownloadGuard guard = new DownloadGuard(1, 1, 100);
        for (int i = 0; i < 100; i++) {
            guard.admit("10.0.0.5");
        }
    }

    @Test
    void tenThousandFreshAddressesLeaveTheGuardBoundedAndTheGuesserLimited() {
        DownloadGuard guard = new DownloadGuard(20, 10, 1000);
        for (int i = 0; i < 20; i++) {
            guard.unknownToken("198.51.100.9");
        }
        for (int i = 0; i < 10_000; i++) {
            String address = "198.18." + (i / 256) + "." + (i % 256);
            guard.admit(address);
            guard.unknownToken(address);
        }

        assertThat(guard.clients()).isEqualTo(1000);
        assertThatThrownBy(() -> guard.admit("198.51.100.9")).isInstanceOf(RateLimitedException.class);
        guard.admit("203.0.113.50"); // a newcomer is not shut out by the flood
    }
}
