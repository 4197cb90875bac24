package dev.trainpod.metrics.security;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.crypto.SecretKey;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The bearer-token parser of this service, with a cache of tokens already verified: a pod sends the same job token
 * with every write (a batch every few seconds, for hours), and verifying its RS256 signature and claims each time
 * is most of the CPU an authenticated request costs. A token is verified in full the first time (by smallrye-jwt's
 * own parser, with its issuer, audience, key and expiry rules); once verified it is kept until its {@code exp}
 * and no longer: an expired token is not in the cache and goes through the full check again, which refuses it.
 * Only successes are kept (a refused token is verified, and refused, every time). Job tokens are revoked by the
 * job's end, which every write checks in the database, not by the token (see RELIABILITY.md), so caching the
 * signature check changes no refusal. The cache is bounded ({@code trainpod.metrics.token-cache.size}): when
 * full, expired entries are dropped, and if none is, a new token is verified without being cached.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokenCache implements JWTParser {

    /** A verified token and the second (epoch) from which it must no longer be used. */
    private record Verified(JsonWebToken token, long expiresAt) {
    }

    private final JWTParser delegate;
    private final int maxSize;
    private final LongSupplier nowSeconds;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    @Inject
    public VerifiedTokenCache(DefaultJWTParser delegate,
                              @ConfigProperty(name = "trainpod.metrics.token-cache.size", defaultValue = "10000")
                              int maxSize) {
        this(delegate, maxSize, () -> System.currentTimeMillis() / 1000);
    }

    VerifiedTokenCache(JWTParser delegate, int maxSize, LongSupplier nowSeconds) {
        this.delegate = delegate;
        this.maxSize = maxSize;
        this.nowSeconds = nowSeconds;
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        long now = nowSeconds.getAsLong();
        Verified hit = verified.get(token);
        if (hit != null) {
            if (now < hit.expiresAt()) {
                return hit.token();
            }
            verified.remove(token, hit);
        }
        JsonWebToken jwt = delegate.parse(token); // throws for anything refused: nothing cached
        long exp = jwt.getExpirationTime();
        if (exp > now && roomFor(now)) {
            verified.put(token, new Verified(jwt, exp));
        }
        return jwt;
    }

    /** How many verified tokens are kept now. */
    int size() {
        return verified.size();
    }

    private boolean roomFor(long now) {
        if (verified.size() < maxSize) {
            return true;
        }
        verified.values().removeIf(v -> v.expiresAt() <= now);
        return verified.size() < maxSize;
    }

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo context) throws ParseException {
        return delegate.parse(token, context);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return delegate.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return delegate.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return delegate.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return delegate.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return delegate.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return delegate.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return delegate.parseOnly(token);
    }
}
