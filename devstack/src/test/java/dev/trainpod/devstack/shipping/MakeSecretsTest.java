package dev.trainpod.devstack.shipping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/make-secrets.sh makes what compose and the services need, and the keys fit together. */
class MakeSecretsTest {

    @Test
    void secretsScriptMakesAVaultKeyAndAJwksThatVerifiesItsUserToken(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("deploy"));
        Files.copy(Repo.path("deploy/make-secrets.sh"), dir.resolve("deploy/make-secrets.sh"));
        Process p = new ProcessBuilder("bash", "deploy/make-secrets.sh").directory(dir.toFile())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();

        Map<String, String> deployEnv = Repo.envFile(dir.resolve(".trainpod/deploy.env"));
        assertThat(Base64.getDecoder().decode(deployEnv.get("TRAINPOD_VAULT_KEY"))).hasSize(32);
        assertThat(ConfigKeys.envNames("deploy-service")).containsAll(deployEnv.keySet());
        Map<String, String> dbEnv = Repo.envFile(dir.resolve(".trainpod/database.env"));
        assertThat(dbEnv.get("POSTGRES_PASSWORD")).isEqualTo(dbEnv.get("QUARKUS_DATASOURCE_PASSWORD")).hasSize(48);

        JsonWebKeySet jwks = new JsonWebKeySet(Files.readString(dir.resolve(".trainpod/jwt/verify.jwks.json")));
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(jwks.getJsonWebKeys()))
                .setExpectedIssuer("https://idp.trainpod.dev")
                .setExpectedAudience("trainpod-api")
                .build();
        JwtClaims claims = consumer.processToClaims(Files.readString(dir.resolve(".trainpod/user-token")).trim());
        assertThat(claims.getSubject()).isEqualTo("demo-user");
        assertThat(Files.readString(dir.resolve(".trainpod/jwt/deploy-signing-key.pem"))).contains("PRIVATE KEY");
    }
}
