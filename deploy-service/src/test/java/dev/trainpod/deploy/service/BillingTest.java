package dev.trainpod.deploy.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The budget rule and the bill compute a pod's cost the same way: whole seconds, six places, half up. */
class BillingTest {

    private static final BigDecimal RATE = new BigDecimal("0.60");

    @Test
    void theBudgetRuleSeesWhatTheBillWillSay() {
        Duration up = Duration.ofMillis(90_999); // 90.999 s: billed as 90 s

        assertThat(Billing.billedSeconds(up)).isEqualTo(90);
        assertThat(Billing.cost(up, RATE)).isEqualByComparingTo(Billing.cost(90, RATE))
                .isEqualByComparingTo("0.015000");
    }

    @Test
    void roundsHalfUpToSixPlacesAndNeverBillsNegativeTime() {
        assertThat(Billing.cost(1, new BigDecimal("0.0018"))).isEqualByComparingTo("0.000001"); // 0.0000005 up
        assertThat(Billing.cost(Duration.ofSeconds(-5), RATE)).isEqualByComparingTo("0");
        assertThat(Billing.cost(3600, null)).isEqualByComparingTo("0");
    }
}
