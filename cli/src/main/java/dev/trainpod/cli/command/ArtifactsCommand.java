package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.Units;
import dev.trainpod.cli.api.ApiClient;
import dev.trainpod.cli.api.Problems;
import dev.trainpod.cli.api.Service;
import dev.trainpod.cli.upload.FileDigest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code trainpod artifacts}: what a deployment's pod stored (adapter, summary, ...), listed or downloaded. */
@Command(name = "artifacts", description = "Lists or downloads the files a deployment produced.",
        subcommands = {ArtifactsCommand.ListArtifacts.class, ArtifactsCommand.Download.class})
public final class ArtifactsCommand {

    /** {@code trainpod artifacts list ID}. */
    @Command(name = "list", description = "Lists a deployment's artifacts.")
    public static final class ListArtifacts implements Callable<Integer> {

        private final Cli cli;

        @Parameters(paramLabel = "ID", description = "The deployment's id.")
        private UUID id;

        public ListArtifacts(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            JsonNode all = list(cli.api(), id);
            if (cli.json()) {
                cli.printJson(all);
                return ExitCode.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode a : all) {
                rows.add(List.of(Text.of(a, "name"), Units.bytes(a.path("bytes").asLong()), Text.of(a, "sha256"),
                        Text.of(a, "id")));
            }
            Text.table(cli.out(), List.of("NAME", "SIZE", "SHA256", "ID"), rows);
            return ExitCode.OK;
        }
    }

    /** {@code trainpod artifacts download ID}. */
    @Command(name = "download", description = {
        "Downloads a deployment's artifacts into a directory, checking each one's SHA-256.",
        "An interrupted download resumes from its .part file on the next run."})
    public static final class Download implements Callable<Integer> {

        private final Cli cli;

        @Parameters(paramLabel = "ID", description = "The deployment's id.")
        private UUID id;

        @Option(names = {"-d", "--dir"}, paramLabel = "DIR", defaultValue = ".",
                description = "Where to put the files (default: the current directory).")
        private Path dir;

        @Option(names = "--name", paramLabel = "NAME", description = "Only the artifact with this name.")
        private String name;

        public Download(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            ApiClient api = cli.api();
            JsonNode all = list(api, id);
            ArrayNode saved = Cli.mapper().createArrayNode();
            for (JsonNode a : all) {
                if (name != null && !name.equals(a.path("name").asText())) {
                    continue;
                }
                Path target = download(api, a);
                saved.addObject().put("name", a.path("name").asText()).put("path", target.toString())
                        .put("bytes", a.path("bytes").asLong()).put("sha256", a.path("sha256").asText());
                if (!cli.json()) {
                    cli.out().println(target + "  " + Units.bytes(a.path("bytes").asLong()) + "  sha256 ok");
                }
            }
            if (saved.isEmpty()) {
                throw new CliException(ExitCode.REFUSED, name == null ? "Deployment " + id + " has no artifacts."
                        : "Deployment " + id + " has no artifact named " + name + ".",
                        "trainpod artifacts list " + id + " shows what it has.");
            }
            if (cli.json()) {
                cli.printJson(saved);
            }
            return ExitCode.OK;
        }

        private Path download(ApiClient api, JsonNode artifact) {
            String fileName = Path.of(artifact.path("name").asText()).getFileName().toString();
            if (fileName.isEmpty() || fileName.equals("..")) {
                throw new CliException(ExitCode.REFUSED, "An artifact has no usable file name.", null);
            }
            Path target = dir.resolve(fileName);
            Path part = dir.resolve(fileName + ".part");
            String sha256 = artifact.path("sha256").asText();
            try {
                Files.createDirectories(dir);
                long have = Files.exists(part) ? Files.size(part) : 0;
                HttpRequest.Builder request = api.request(Service.DATASET,
                        "/api/v1/artifacts/" + artifact.path("id").asText() + "/content").timeout(Duration.ofHours(6))
                        .header("Accept", "application/octet-stream");
                if (have > 0 && have < artifact.path("bytes").asLong()) {
                    request.header("Range", "bytes=" + have + "-");
                }
                HttpResponse<InputStream> answer = api.exchange(Service.DATASET, request.GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (answer.statusCode() != 200 && answer.statusCode() != 206) {
                    throw Problems.fromAnswer(Service.DATASET, answer.statusCode(), answer.body().readAllBytes());
                }
                StandardOpenOption mode = answer.statusCode() == 206 ? StandardOpenOption.APPEND
                        : StandardOpenOption.TRUNCATE_EXISTING;
                try (InputStream in = answer.body();
                     OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
                    in.transferTo(out);
                }
            } catch (IOException e) {
                throw new CliException(ExitCode.UNAVAILABLE, "The download of " + fileName + " stopped: " + e.getMessage(),
                        "Run the same command again: it resumes from " + part + ".");
            }
            if (!FileDigest.sha256(part).equals(sha256)) {
                try {
                    Files.delete(part);
                } catch (IOException e) {
                    // the next run starts the file over anyway
                }
                throw new CliException(ExitCode.UNAVAILABLE, "The downloaded " + fileName + " does not match its SHA-256.",
                        "Run the same command again to download it afresh.");
            }
            try {
                return Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw CliException.usage("Cannot write " + target + ": " + e.getMessage());
            }
        }
    }

    private static JsonNode list(ApiClient api, UUID deployment) {
        return api.get(Service.DATASET, "/api/v1/artifacts?deploymentId=" + deployment);
    }
}
