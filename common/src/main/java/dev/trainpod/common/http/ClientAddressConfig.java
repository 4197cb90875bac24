package dev.trainpod.common.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Where a request's client address comes from ({@code trainpod.http.client-address.*}), for {@link ClientAddress}. */
@ConfigMapping(prefix = "trainpod.http.client-address")
public interface ClientAddressConfig {

    /**
     * The header the gateway sets to the address it received the request from, overwriting whatever the client
     * sent ({@code proxy_set_header X-Real-IP $remote_addr}); default {@code X-Real-IP}. Empty: the socket's
     * peer is the client (a service reached without a gateway). A missing or malformed header falls back to it too.
     */
    @WithDefault("X-Real-IP")
    Optional<String> header();

    /** How many leading bits of an IPv6 address name one client (one site's /64 holds countless addresses); default 64. */
    @WithDefault("64")
    int ipv6PrefixBits();
}
