package dev.trainpod.metrics.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

/**
 * The verified-token cache: a verified token is not verified again until it expires; from its expiry on, and for
 * anything refused, the full check runs (here a stand-in parser that verifies tokens named "valid-&lt;exp&gt;").
 */
class VerifiedTokenCacheTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final List<String> verified = new ArrayList<>();
    private final Set<String> revokedSignatures = new java.util.HashSet<>();

    /** Verifies "valid-&lt;exp&gt;" tokens while now &lt; exp and their name is not in {@code revokedSignatures}. */
    private final DefaultJWTParser parser = new DefaultJWTParser() {
        @Override
        public JsonWebToken parse(String token) throws ParseException {
            verified.add(token);
            long exp = Long.parseLong(token.substring(token.indexOf('-') + 1));
            if (!token.startsWith("valid-") || revokedSignatures.contains(token) || now.get() >= exp) {
                throw new ParseException("refused: " + token);
            }
            return jwt(exp);
        }
    };

    @Test
    void aVerifiedTokenIsVerifiedOnceUntilItExpiresThenRefused() throws Exception {
        VerifiedTokenCache cache = new VerifiedTokenCache(parser, 10, now::get);
        JsonWebToken first = cache.parse("valid-1010");
        assertThat(cache.parse("valid-1010")).isSameAs(first);
        now.set(1_009);
        assertThat(cache.parse("valid-1010")).isSameAs(first);
        assertThat(verified).containsExactly("valid-1010");

        now.set(1_010); // expired: checked in full again, and refused
        assertThatThrownBy(() -> cache.parse("valid-1010")).isInstanceOf(ParseException.class);
        assertThat(verified).hasSize(2);
        assertThat(cache.size()).isZero();
    }

    @Test
    void aRefusedTokenIsNeverCached() {
        VerifiedTokenCache cache = new VerifiedTokenCache(parser, 10, now::get);
        revokedSignatures.add("valid-2000");
        assertThatThrownBy(() -> cache.parse("valid-2000")).isInstanceOf(ParseException.class);
        assertThatThrownBy(() -> cache.parse("forged-2000")).isInstanceOf(ParseException.class);
        assertThatThrownBy(() -> cache.parse("forged-2000")).isInstanceOf(ParseException.class);
        assertThat(verified).hasSize(3);
        assertThat(cache.size()).isZero();
    }

    @Test
    void theCacheIsBoundedAndDropsExpiredEntriesFirst() throws Exception {
        VerifiedTokenCache cache = new VerifiedTokenCache(parser, 2, now::get);
        cache.parse("valid-1005");
        cache.parse("valid-1100");
        cache.parse("valid-1200"); // full, nothing expired: verified but not kept
        assertThat(cache.size()).isEqualTo(2);
        cache.parse("valid-1200");
        assertThat(verified).containsExactly("valid-1005", "valid-1100", "valid-1200", "valid-1200");

        now.set(1_006); // valid-1005 expired: its room goes to the next token
        cache.parse("valid-1200");
        cache.parse("valid-1200");
        assertThat(cache.size()).isEqualTo(2);
        assertThat(verified).hasSize(5);
    }

    private static JsonWebToken jwt(long exp) {
        return new JsonWebToken() {
            @Override
            public String getName() {
                return "pod";
            }

            @Override
            public Set<String> getClaimNames() {
                return Set.of("exp");
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> T getClaim(String claimName) {
                return (T) Map.of("exp", (Object) exp).get(claimName);
            }
        };
    }
}
