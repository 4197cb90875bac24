package dev.trainpod.cli.command;

import dev.trainpod.cli.Cli;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.config.ConfigStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code trainpod logout}: forgets the stored token (the addresses stay). */
@Command(name = "logout", description = "Forgets the stored token.")
public final class LogoutCommand implements Callable<Integer> {

    private final Cli cli;

    public LogoutCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        ConfigStore config = cli.config();
        config.set(ConfigStore.TOKEN, null);
        config.save();
        if (cli.json()) {
            cli.printJson(Cli.mapper().createObjectNode().put("signedOut", true));
        } else {
            cli.out().println("Signed out.");
        }
        return ExitCode.OK;
    }
}
