package dev.trainpod.devstack.oidc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The stand-in provider's pending grants: authorization codes bound to their PKCE challenge (RFC 7636, S256
 * only) and device authorizations (RFC 8628) waiting for a person to approve them. Everything is single use and
 * short lived; nothing survives a restart.
 */
final class OidcGrants {

    /** The user names the stand-in signs tokens for: what a local user would type. */
    static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    static final Duration CODE_LIFETIME = Duration.ofMinutes(2);
    static final Duration DEVICE_LIFETIME = Duration.ofMinutes(10);
    static final int DEVICE_INTERVAL_SECONDS = 1;
    private static final String USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A code issued to a signed-in user, redeemable once by the client that asked, with the verifier. */
    record Code(String clientId, String redirectUri, String challenge, String user, String nonce, Instant expires) {
    }

    /** A device authorization: approved once {@code user} is set. */
    record Device(String clientId, String userCode, String user, Instant expires, Instant lastPoll) {
    }

    /** What a device-code poll found. */
    enum Poll { PENDING, SLOW_DOWN, EXPIRED, UNKNOWN, APPROVED }

    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Map<String, Device> devices = new ConcurrentHashMap<>();

    /** A new authorization code for {@code user}. */
    String issueCode(String clientId, String redirectUri, String challenge, String user, String nonce) {
        String code = random(32);
        codes.put(code, new Code(clientId, redirectUri, challenge, user, nonce, Instant.now().plus(CODE_LIFETIME)));
        return code;
    }

    /**
     * Redeems a code: empty unless it exists, is unexpired, was issued to this client and redirect URI, and the
     * verifier hashes to its challenge. A code is gone after its first redemption, good or bad.
     */
    Optional<Code> redeem(String code, String clientId, String redirectUri, String verifier) {
        Code c = code == null ? null : codes.remove(code);
        if (c == null || Instant.now().isAfter(c.expires()) || !c.clientId().equals(clientId)
                || !c.redirectUri().equals(redirectUri) || verifier == null
                || !MessageDigest.isEqual(s256(verifier).getBytes(StandardCharsets.US_ASCII),
                        c.challenge().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return Optional.of(c);
    }

    /** Starts a device authorization; returns its device code. */
    String startDevice(String clientId) {
        String deviceCode = random(32);
        StringBuilder userCode = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            userCode.append(i == 4 ? "-" : "").append(USER_CODE_LETTERS.charAt(RANDOM.nextInt(USER_CODE_LETTERS.length())));
        }
        devices.put(deviceCode, new Device(clientId, userCode.toString(), null,
                Instant.now().plus(DEVICE_LIFETIME), Instant.EPOCH));
        return deviceCode;
    }

    Device device(String deviceCode) {
        return devices.get(deviceCode);
    }

    /** Approves the pending device authorization with this user code for {@code user}; false when none waits. */
    boolean approve(String userCode, String user) {
        String wanted = userCode == null ? "" : userCode.strip().toUpperCase();
        for (Map.Entry<String, Device> e : devices.entrySet()) {
            Device d = e.getValue();
            if (d.userCode().equals(wanted) && d.user() == null && Instant.now().isBefore(d.expires())) {
                devices.put(e.getKey(), new Device(d.clientId(), d.userCode(), user, d.expires(), d.lastPoll()));
                return true;
            }
        }
        return false;
    }

    /** A client's poll for its device code; an approved grant is handed out once. */
    Poll poll(String deviceCode, String clientId) {
        Device d = deviceCode == null ? null : devices.get(deviceCode);
        if (d == null || !d.clientId().equals(clientId)) {
            return Poll.UNKNOWN;
        }
        Instant now = Instant.now();
        if (now.isAfter(d.expires())) {
            devices.remove(deviceCode);
            return Poll.EXPIRED;
        }
        if (d.user() != null) {
            devices.remove(deviceCode);
            return Poll.APPROVED;
        }
        devices.put(deviceCode, new Device(d.clientId(), d.userCode(), null, d.expires(), now));
        return d.lastPoll().plusMillis(DEVICE_INTERVAL_SECONDS * 500L).isAfter(now) ? Poll.SLOW_DOWN : Poll.PENDING;
    }

    /** The PKCE S256 transform: base64url(SHA-256(verifier)) without padding. */
    static String s256(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
