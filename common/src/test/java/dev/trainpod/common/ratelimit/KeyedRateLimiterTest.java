package dev.trainpod.common.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainpod.common.problem.Problem;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KeyedRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1);

    private KeyedRateLimiter limiter(int burst, double perSecond, int capacity) {
        return new KeyedRateLimiter(burst, perSecond, capacity,
                seconds -> Problem.of(429, "test-limited", "Too many requests", "retry after " + seconds + " s"),
                now::get);
    }

    @Test
    void aKeyPastItsBurstIsRefusedWithItsProblemAndWhenToRetry() {
        KeyedRateLimiter limiter = limiter(3, 0.1, 10);
        for (int i = 0; i < 3; i++) {
            limiter.acquire("job-1");
        }

        assertThatThrownBy(() -> limiter.acquire("job-1")).isInstanceOfSatisfying(RateLimitedException.class, e -> {
            assertThat(e.problem().status()).isEqualTo(429);
            assertThat(e.problem().type()).endsWith("/test-limited");
            assertThat(e.retryAfterSeconds()).isEqualTo(10);
        });
        limiter.acquire("job-2");
        now.addAndGet(10 * SECOND);
        limiter.acquire("job-1");
    }

    @Test
    void checkTakesNothingAndTakeCountsWithoutRefusing() {
        KeyedRateLimiter limiter = limiter(2, 1, 10);
        for (int i = 0; i < 100; i++) {
            limiter.check("10.0.0.5");
        }
        assertThat(limiter.size()).isZero();
        limiter.take("10.0.0.5");
        limiter.take("10.0.0.5");
        limiter.take("10.0.0.5");

        assertThatThrownBy(() -> limiter.check("10.0.0.5")).isInstanceOf(RateLimitedException.class);
        limiter.check("10.0.0.6");
    }

    @Test
    void tenThousandFreshKeysLeaveMemoryBoundedAndStillLimited() {
        KeyedRateLimiter limiter = limiter(2, 1.0 / 60, 100);
        limiter.take("203.0.113.1");
        limiter.take("203.0.113.1");
        for (int i = 0; i < 10_000; i++) {
            limiter.take("198.18." + (i / 256) + "." + (i % 256));
        }

        assertThat(limiter.size()).isEqualTo(100);
        assertThatThrownBy(() -> limiter.acquire("203.0.113.99")).as("a fresh key takes from the spent overflow")
                .isInstanceOf(RateLimitedException.class);
        limiter.check("203.0.113.98");
        assertThatThrownBy(() -> limiter.check("203.0.113.1")).as("a key that spent its burst before the flood is still limited")
                .isInstanceOf(RateLimitedException.class);
    }

    @Test
    void aRefilledKeyMakesRoomForANewOne() {
        KeyedRateLimiter limiter = limiter(1, 1, 2);
        limiter.take("a");
        limiter.take("b");
        now.addAndGet(2 * SECOND);
        limiter.take("c");

        assertThat(limiter.size()).isEqualTo(2);
        limiter.check("a");
        assertThatThrownBy(() -> limiter.check("c")).isInstanceOf(RateLimitedException.class);
    }
}
