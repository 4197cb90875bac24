package dev.trainpod.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClientAddressTest {

    private final ClientAddress behindGateway = new ClientAddress(Optional.of("X-Real-IP"), 64);

    @Test
    void theGatewaysHeaderNamesTheClient() {
        assertThat(behindGateway.key("203.0.113.7", "10.0.0.2")).isEqualTo("203.0.113.7");
    }

    @Test
    void withoutTheHeaderOrWithAMalformedOneTheSocketPeerIsTheClient() {
        assertThat(behindGateway.key(null, "10.0.0.2")).isEqualTo("10.0.0.2");
        assertThat(behindGateway.key("203.0.113.7, 10.0.0.9", "10.0.0.2")).isEqualTo("10.0.0.2");
        assertThat(behindGateway.key("999.1.1.1", "10.0.0.2")).isEqualTo("10.0.0.2");
        assertThat(behindGateway.key("example.com", "10.0.0.2")).isEqualTo("10.0.0.2");
        assertThat(behindGateway.key("cafe:zz", "10.0.0.2")).isEqualTo("10.0.0.2");
        assertThat(behindGateway.key(null, null)).isEqualTo("unknown");
    }

    @Test
    void ipv6AddressesOfOnePrefixAreOneClient() {
        String a = behindGateway.key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", null);
        String b = behindGateway.key("[2001:db8:1:2::1]", null);

        assertThat(a).isEqualTo(b).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(behindGateway.key("2001:db8:1:3::1", null)).isNotEqualTo(a);
        assertThat(behindGateway.key("::ffff:198.51.100.4", null)).isEqualTo("198.51.100.4");
    }
}
