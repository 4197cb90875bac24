package dev.trainpod.common.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The client a request came from, as a key for limits: the address the gateway wrote in its own header
 * ({@link ClientAddressConfig#header()}), which it overwrites, never the client-supplied start of
 * {@code X-Forwarded-For}; without that header, the socket's peer. IPv6 addresses are grouped by their prefix
 * ({@code 2001:db8:1:2::/64}), since one host may use any address of its /64.
 */
@ApplicationScoped
public class ClientAddress {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:][0-9a-fA-F:.]{1,44}");

    private final Optional<String> header;
    private final int ipv6PrefixBits;

    @Inject
    public ClientAddress(ClientAddressConfig config) {
        this(config.header().map(String::strip).filter(h -> !h.isEmpty()), config.ipv6PrefixBits());
    }

    ClientAddress(Optional<String> header, int ipv6PrefixBits) {
        this.header = header;
        this.ipv6PrefixBits = Math.max(0, Math.min(128, ipv6PrefixBits));
    }

    /** The request's client key; {@code unknown} when neither the header nor the socket names one. */
    public String of(HttpServerRequest request) {
        String fromGateway = header.map(request::getHeader).orElse(null);
        SocketAddress peer = request.connection() == null ? null : request.connection().remoteAddress();
        return key(fromGateway, peer == null ? null : peer.hostAddress());
    }

    /** The key of the gateway's header value, or of the socket's address when the header is absent or malformed. */
    String key(String fromGateway, String socketAddress) {
        InetAddress address = literal(fromGateway);
        if (address == null) {
            address = literal(socketAddress);
        }
        if (address == null) {
            return "unknown";
        }
        if (address instanceof Inet6Address) {
            return prefix(address.getAddress());
        }
        return address.getHostAddress();
    }

    private String prefix(byte[] bytes) {
        for (int bit = ipv6PrefixBits; bit < 128; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + ipv6PrefixBits;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }

    /** The address a literal names, or null: never a name lookup. */
    static InetAddress literal(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        try {
            var v4 = IPV4.matcher(s);
            if (v4.matches()) {
                byte[] bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(v4.group(i + 1));
                    if (octet > 255) {
                        return null;
                    }
                    bytes[i] = (byte) octet;
                }
                return InetAddress.getByAddress(bytes);
            }
            // a string of hex digits, colons and dots with a colon is parsed as a literal, never looked up
            return s.indexOf(':') >= 0 && IPV6.matcher(s).matches() ? InetAddress.getByName(s) : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
