package dev.trainpod.deploy.service;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * The one way a pod's cost is computed, for the budget rule while it runs and for the bill once it is gone: whole
 * seconds up (what {@code billed_seconds} records) at the hourly rate, in US dollars to six places, half up.
 * (The estimate before a pod exists is a different figure: {@link Estimator}.)
 */
final class Billing {

    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);

    private Billing() {
    }

    /** The whole seconds a pod up this long is billed for (never negative). */
    static long billedSeconds(Duration up) {
        return Math.max(0, up.toSeconds());
    }

    /** The cost in USD of {@code seconds} at {@code perHour} USD/h; zero without a rate. */
    static BigDecimal cost(long seconds, BigDecimal perHour) {
        if (perHour == null) {
            return BigDecimal.ZERO;
        }
        return perHour.multiply(BigDecimal.valueOf(seconds)).divide(SECONDS_PER_HOUR, 6, RoundingMode.HALF_UP);
    }

    /** The cost in USD of a pod up this long at {@code perHour} USD/h. */
    static BigDecimal cost(Duration up, BigDecimal perHour) {
        return cost(billedSeconds(up), perHour);
    }
}
