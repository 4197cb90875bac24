package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.ApiClient;
import dev.trainpod.cli.api.DeviceFlow;
import dev.trainpod.cli.api.Service;
import dev.trainpod.cli.api.Tokens;
import dev.trainpod.cli.config.ConfigStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trainpod login}: signs in with the identity provider's device flow (or takes a token from a file, for CI),
 * checks the token against the API, and stores it with the API's address in the settings file.
 */
@Command(name = "login", description = {
    "Signs in: shows a code to confirm in a browser (OAuth device flow), or reads a token file (CI).",
    "Stores the token and the API address (--api-url) for the next commands."})
public final class LoginCommand implements Callable<Integer> {

    private final Cli cli;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Read the access token from FILE ('-': standard input) instead of signing in in a browser.")
    private String tokenFile;

    @Option(names = "--issuer", paramLabel = "URL",
            description = "The OpenID Connect provider to sign in with; default: TRAINPOD_ISSUER or the stored one.")
    private String issuer;

    @Option(names = "--client-id", paramLabel = "ID",
            description = "The OAuth client id of the CLI; default: TRAINPOD_CLIENT_ID, the stored one or trainpod-cli.")
    private String clientId;

    @Option(names = "--scope", defaultValue = "openid profile", description = "OAuth scopes asked for (default: ${DEFAULT-VALUE}).")
    private String scope;

    public LoginCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        ConfigStore config = cli.config();
        String usedIssuer = null;
        String usedClient = null;
        String token;
        if (tokenFile != null) {
            token = readToken();
        } else {
            usedIssuer = first(issuer, cli.env().get("TRAINPOD_ISSUER"), config.get(ConfigStore.ISSUER));
            usedClient = first(clientId, cli.env().get("TRAINPOD_CLIENT_ID"), config.get(ConfigStore.CLIENT_ID));
            usedClient = usedClient == null ? "trainpod-cli" : usedClient;
            if (usedIssuer == null) {
                throw CliException.usage("Name the identity provider with --issuer URL (the local stack's is OIDC_URL "
                        + "in .devstack/env), or pass --token-file FILE.");
            }
            token = new DeviceFlow(usedIssuer, usedClient, scope, cli.err()).signIn();
        }
        JsonNode runPodKey = new ApiClient(cli.endpoints(), token).get(Service.DEPLOY, "/api/v1/secrets/runpod");
        config.set(ConfigStore.TOKEN, token);
        cli.commandLineAddresses().forEach(config::set);
        if (usedIssuer != null) {
            config.set(ConfigStore.ISSUER, usedIssuer);
            config.set(ConfigStore.CLIENT_ID, usedClient);
        }
        config.save();
        String user = Tokens.subject(token);
        String expires = Tokens.expiresAt(token).map(Object::toString).orElse(null);
        boolean keyStored = runPodKey != null && runPodKey.path("configured").asBoolean();
        if (cli.json()) {
            ObjectNode o = Cli.mapper().createObjectNode();
            o.put("user", user);
            o.put("expiresAt", expires);
            o.put("runPodKeyStored", keyStored);
            o.put("settings", config.dir().resolve("config.json").toString());
            cli.printJson(o);
        } else {
            cli.out().println("Signed in" + (user == null ? "" : " as " + user)
                    + (expires == null ? "" : " until " + expires) + ".");
            if (!keyStored) {
                cli.out().println("Next: store your RunPod API key with trainpod secrets set runpod < key-file");
            }
        }
        return ExitCode.OK;
    }

    private String readToken() {
        try {
            String text = "-".equals(tokenFile) ? cli.readLine()
                    : Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8);
            String token = text == null ? "" : text.strip();
            if (token.isEmpty() || token.contains(" ") || token.contains("\n")) {
                throw CliException.usage("The token file " + tokenFile + " must hold one access token.");
            }
            return token;
        } catch (IOException e) {
            throw CliException.usage("Cannot read the token file " + tokenFile + ": " + e.getMessage());
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }
}
