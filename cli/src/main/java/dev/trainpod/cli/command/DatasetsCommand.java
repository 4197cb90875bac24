package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.Cli;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.Units;
import dev.trainpod.cli.api.Service;
import dev.trainpod.cli.upload.ProgressBar;
import dev.trainpod.cli.upload.ResumableUpload;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code trainpod datasets}: upload (resumable, with the validation report), list, show and delete datasets. */
@Command(name = "datasets", description = "Uploads, lists, shows and deletes your datasets.",
        subcommands = {DatasetsCommand.Upload.class, DatasetsCommand.ListDatasets.class, DatasetsCommand.Show.class,
            DatasetsCommand.Delete.class})
public final class DatasetsCommand {

    /** How many validation errors the text report shows (the JSON has the first 100 the service keeps). */
    private static final int ERRORS_SHOWN = 10;

    /** {@code trainpod datasets upload FILE}. */
    @Command(name = "upload", description = {
        "Uploads a JSONL dataset and prints its validation report.",
        "Resumable: if it stops (network, Ctrl-C), run the same command again to continue where it stopped."})
    public static final class Upload implements Callable<Integer> {

        private final Cli cli;

        @Parameters(paramLabel = "FILE", description = "The JSONL file.")
        private Path file;

        @Option(names = "--name", description = "The dataset's name (default: the file's name).")
        private String name;

        @Option(names = "--chunk-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "8MiB",
                description = "Bytes per request (default: ${DEFAULT-VALUE}); e.g. 64k, 8MiB.")
        private long chunkSize;

        @Option(names = "--limit-rate", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "0",
                description = "Send at most SIZE bytes a second (default: no limit); e.g. 512k.")
        private long limitRate;

        @Option(names = "--restart", description = "Forget an unfinished upload of this file and start over.")
        private boolean restart;

        public Upload(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw CliException.usage("Cannot read " + file + ": not a readable file.");
            }
            if (chunkSize < 1) {
                throw CliException.usage("--chunk-size must be at least 1 byte.");
            }
            boolean bar = cli.terminal() && !cli.json();
            ResumableUpload.Progress progress = bar ? new ProgressBar(cli.err(), file.getFileName().toString())
                    : new Silent();
            ResumableUpload upload = new ResumableUpload(cli.api(), cli.config().dir().resolve("uploads"),
                    chunkSize, limitRate, progress);
            ResumableUpload.Result result = upload.upload(file, name != null ? name : file.getFileName().toString(),
                    restart);
            JsonNode dataset = result.dataset();
            if (cli.json()) {
                ObjectNode o = dataset.deepCopy();
                o.put("resumedFrom", result.resumedFrom());
                cli.printJson(o);
            } else {
                if (result.resumedFrom() > 0) {
                    cli.out().println("Resumed the upload at byte " + result.resumedFrom() + ".");
                }
                report(cli.out(), dataset);
            }
            return "INVALID".equals(dataset.path("format").asText()) ? ExitCode.REFUSED : ExitCode.OK;
        }
    }

    /** {@code trainpod datasets list}. */
    @Command(name = "list", description = "Lists your datasets.")
    public static final class ListDatasets implements Callable<Integer> {

        private final Cli cli;

        public ListDatasets(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            JsonNode all = cli.api().get(Service.DATASET, "/api/v1/datasets");
            if (cli.json()) {
                cli.printJson(all);
                return ExitCode.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode d : all) {
                rows.add(List.of(Text.of(d, "id"), Text.of(d, "name"), Text.of(d, "format"),
                        Text.of(d, "rows"), Units.bytes(d.path("bytes").asLong()),
                        d.path("errorCount").asLong() == 0 ? "-" : d.path("errorCount").asText(),
                        Text.of(d, "createdAt")));
            }
            Text.table(cli.out(), List.of("ID", "NAME", "FORMAT", "ROWS", "SIZE", "ERRORS", "CREATED"), rows);
            return ExitCode.OK;
        }
    }

    /** {@code trainpod datasets show ID}. */
    @Command(name = "show", description = "Shows a dataset's validation report.")
    public static final class Show implements Callable<Integer> {

        private final Cli cli;

        @Parameters(paramLabel = "ID", description = "The dataset's id.")
        private UUID id;

        public Show(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            JsonNode dataset = cli.api().get(Service.DATASET, "/api/v1/datasets/" + id);
            if (cli.json()) {
                cli.printJson(dataset);
            } else {
                report(cli.out(), dataset);
            }
            return ExitCode.OK;
        }
    }

    /** {@code trainpod datasets delete ID}. */
    @Command(name = "delete", description = "Deletes a dataset (refused while a live deployment uses it).")
    public static final class Delete implements Callable<Integer> {

        private final Cli cli;

        @Parameters(paramLabel = "ID", description = "The dataset's id.")
        private UUID id;

        public Delete(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            cli.api().send(Service.DATASET, "DELETE", "/api/v1/datasets/" + id, null, Map.of());
            if (cli.json()) {
                cli.printJson(Cli.mapper().createObjectNode().put("deleted", id.toString()));
            } else {
                cli.out().println("Deleted dataset " + id + ".");
            }
            return ExitCode.OK;
        }
    }

    /** The validation report: what the file is, which methods it fits, and its first errors by line. */
    static void report(PrintStream out, JsonNode d) {
        out.println("Dataset " + Text.of(d, "id") + "  " + Text.of(d, "name"));
        List<String> fits = new ArrayList<>();
        d.path("fitsMethods").forEach(m -> fits.add(m.asText()));
        out.println("  format   " + Text.of(d, "format") + (fits.isEmpty() ? " (fits no method)"
                : " (fits " + String.join(", ", fits) + ")"));
        out.println("  rows     " + Text.of(d, "rows") + ", about " + Text.of(d, "estimatedTokens") + " tokens");
        out.println("  size     " + Units.bytes(d.path("bytes").asLong()) + ", sha256 " + Text.of(d, "sha256"));
        long errors = d.path("errorCount").asLong();
        if (errors == 0) {
            out.println("  valid    no errors");
            return;
        }
        out.println("  errors   " + errors + (errors > ERRORS_SHOWN ? ", the first " + ERRORS_SHOWN + ":" : ":"));
        int shown = 0;
        for (JsonNode e : d.path("errors")) {
            if (shown++ == ERRORS_SHOWN) {
                break;
            }
            out.println("    line " + e.path("line").asText() + ": " + e.path("message").asText());
        }
    }

    /** No progress shown: output is not a terminal, or it is JSON for a script. */
    private static final class Silent implements ResumableUpload.Progress {
        @Override
        public void update(long done, long total) {
        }

        @Override
        public void finish() {
        }
    }
}
