package dev.trainpod.common.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class IssuerRoleAugmentorTest {

    private static String token(String headerJson) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString("{}".getBytes(StandardCharsets.UTF_8)) + ".sig";
    }

    @Test
    void keyIdIsReadFromTheTokenHeader() {
        assertThat(IssuerRoleAugmentor.keyIdOf(token("{\"alg\":\"RS256\",\"kid\":\"deploy-1\"}"))).isEqualTo("deploy-1");
    }

    @Test
    void tokenWithoutKeyIdOrWithGarbageHeaderHasNone() {
        assertThat(IssuerRoleAugmentor.keyIdOf(token("{\"alg\":\"RS256\"}"))).isNull();
        assertThat(IssuerRoleAugmentor.keyIdOf("%%%.x.y")).isNull();
        assertThat(IssuerRoleAugmentor.keyIdOf("no-dots")).isNull();
        assertThat(IssuerRoleAugmentor.keyIdOf(null)).isNull();
    }
}
