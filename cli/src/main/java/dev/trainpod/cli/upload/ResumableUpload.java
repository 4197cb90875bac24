package dev.trainpod.cli.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import dev.trainpod.cli.api.ApiClient;
import dev.trainpod.cli.api.Problems;
import dev.trainpod.cli.api.Service;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Uploads a dataset through dataset-service's resumable upload API (tus-style: {@code POST /api/v1/uploads},
 * {@code HEAD} for the offset, {@code PATCH} chunks). The upload's id is kept in a small state file named for the
 * file's content until the dataset exists, so that running the same command again after a dropped connection, a
 * Ctrl-C or a killed process continues at the server's offset instead of starting over. A chunk that fails in
 * transit is retried (three times, after asking the server where it stands) before giving up.
 */
public final class ResumableUpload {

    /** Told how many bytes the server has, after every buffer sent. */
    public interface Progress {
        void update(long done, long total);

        void finish();
    }

    /** The dataset made, and the offset the upload resumed from (0 for a fresh one). */
    public record Result(JsonNode dataset, long resumedFrom) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OFFSET = "Upload-Offset";
    private static final int RETRIES = 3;
    /** How long to wait for another request still sending to the upload (a killed run's, say): 60 × 0.5 s. */
    private static final int BUSY_TRIES = 60;
    private static final long BUSY_PAUSE_MILLIS = 500;
    private static final Duration CHUNK_TIMEOUT = Duration.ofMinutes(10);

    private final ApiClient api;
    private final Path stateDir;
    private final long chunkSize;
    private final long bytesPerSecond;
    private final Progress progress;

    /**
     * @param stateDir where unfinished uploads are remembered
     * @param bytesPerSecond the most bytes a second to send, 0 for no limit
     */
    public ResumableUpload(ApiClient api, Path stateDir, long chunkSize, long bytesPerSecond, Progress progress) {
        this.api = api;
        this.stateDir = stateDir;
        this.chunkSize = chunkSize;
        this.bytesPerSecond = bytesPerSecond;
        this.progress = progress;
    }

    /** Uploads {@code file} as dataset {@code name}, resuming an earlier attempt unless {@code restart}. */
    public Result upload(Path file, String name, boolean restart) {
        long size = size(file);
        String sha256 = FileDigest.sha256(file);
        Path stateFile = stateDir.resolve(FileDigest.sha256Hex(api.url(Service.DATASET, "") + "\n"
                + file.toAbsolutePath().normalize() + "\n" + size + "\n" + sha256).substring(0, 32) + ".json");
        Optional<String> saved = savedUpload(stateFile);
        if (restart && saved.isPresent()) {
            abandon(saved.get());
            saved = Optional.empty();
        }
        String id = null;
        long offset = -1;
        if (saved.isPresent()) {
            JsonNode known = state(saved.get());
            if (known != null) {
                id = saved.get();
                if (known.hasNonNull("datasetId")) {
                    forget(stateFile);
                    return new Result(checked(api.get(Service.DATASET, "/api/v1/datasets/"
                            + known.get("datasetId").asText()), sha256), size);
                }
                offset = known.path("offset").asLong();
            }
        }
        long resumedFrom = Math.max(offset, 0);
        if (id == null) {
            id = create(name, size);
            remember(stateFile, id, file, size, sha256);
            offset = 0;
        }
        JsonNode dataset = sendFrom(id, file, offset, size);
        forget(stateFile);
        progress.finish();
        return new Result(checked(dataset, sha256), resumedFrom);
    }

    private JsonNode sendFrom(String id, Path file, long offset, long size) {
        int failures = 0;
        int busy = 0;
        while (true) {
            long length = Math.min(chunkSize, size - offset);
            try {
                HttpResponse<byte[]> answer = patch(id, file, offset, length, size);
                failures = 0;
                int status = answer.statusCode();
                if (status == 201) {
                    progress.update(size, size);
                    return ApiClient.readJson(answer.body());
                }
                if (status == 204) {
                    long now = answer.headers().firstValue(OFFSET).map(Long::parseLong)
                            .orElseGet(() -> state(id).path("offset").asLong());
                    if (now <= offset && length > 0) {
                        throw new CliException(ExitCode.UNAVAILABLE, "dataset-service did not take the chunk at "
                                + offset + ".", "Run the same command again: it resumes where it stopped.");
                    }
                    offset = now;
                    continue;
                }
                if (status == 409) {
                    // the offset moved (an earlier attempt's bytes arrived), another request is still sending, or
                    // the upload is already complete: ask where it stands
                    JsonNode known = state(id);
                    if (known == null) {
                        throw Problems.fromAnswer(Service.DATASET, status, answer.body());
                    }
                    if (known.hasNonNull("datasetId")) {
                        return api.get(Service.DATASET, "/api/v1/datasets/" + known.get("datasetId").asText());
                    }
                    long now = known.path("offset").asLong();
                    if (now == offset) {
                        if (++busy > BUSY_TRIES) {
                            throw Problems.fromAnswer(Service.DATASET, status, answer.body());
                        }
                        pause(BUSY_PAUSE_MILLIS);
                    }
                    offset = now;
                    continue;
                }
                throw Problems.fromAnswer(Service.DATASET, status, answer.body());
            } catch (CliException e) {
                if (e.exitCode() != ExitCode.UNAVAILABLE || ++failures > RETRIES) {
                    throw failures > RETRIES ? interrupted(e, id, offset, size) : e;
                }
                pause(1000L << (failures - 1));
                offset = offsetAfter(e, id, offset, size);
            }
        }
    }

    /** Where the upload stands after a failed chunk; a failure to ask ends the run with the resume hint. */
    private long offsetAfter(CliException failure, String id, long offset, long size) {
        try {
            JsonNode known = state(id);
            if (known != null) {
                return known.path("offset").asLong();
            }
        } catch (CliException e) {
            // answered below, with the first failure
        }
        throw interrupted(failure, id, offset, size);
    }

    private HttpResponse<byte[]> patch(String id, Path file, long offset, long length, long size) {
        HttpRequest.BodyPublisher body = length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new Slice(file, offset, length, bytesPerSecond, sent -> progress.update(offset + sent, size))),
                        length);
        HttpRequest request = api.request(Service.DATASET, "/api/v1/uploads/" + id)
                .timeout(CHUNK_TIMEOUT)
                .header(OFFSET, Long.toString(offset))
                .header("Tus-Resumable", "1.0.0")
                .header("Content-Type", "application/offset+octet-stream")
                .method("PATCH", body)
                .build();
        return api.exchange(Service.DATASET, request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private String create(String name, long size) {
        JsonNode created = api.json(Service.DATASET, api.request(Service.DATASET,
                        "/api/v1/uploads?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8))
                .header("Upload-Length", Long.toString(size))
                .header("Tus-Resumable", "1.0.0")
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        return created.path("id").asText();
    }

    /** The upload's state ({@code offset}, {@code datasetId}), or null when the server no longer knows it. */
    private JsonNode state(String id) {
        HttpResponse<byte[]> answer = api.exchange(Service.DATASET,
                api.request(Service.DATASET, "/api/v1/uploads/" + id).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() == 404 || answer.statusCode() == 410) {
            return null;
        }
        if (answer.statusCode() != 200) {
            throw Problems.fromAnswer(Service.DATASET, answer.statusCode(), answer.body());
        }
        return ApiClient.readJson(answer.body());
    }

    private void abandon(String id) {
        api.exchange(Service.DATASET, api.request(Service.DATASET, "/api/v1/uploads/" + id).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private static JsonNode checked(JsonNode dataset, String sha256) {
        if (dataset == null || !sha256.equals(dataset.path("sha256").asText())) {
            throw new CliException(ExitCode.UNAVAILABLE, "dataset-service stored a file whose SHA-256 differs from yours.",
                    "Upload it again with --restart.");
        }
        return dataset;
    }

    private static CliException interrupted(CliException cause, String id, long offset, long size) {
        return new CliException(ExitCode.UNAVAILABLE, "The upload stopped at byte " + offset + " of " + size + " ("
                + cause.getMessage() + ").", "Run the same command again: it resumes upload " + id + " where it stopped.");
    }

    private Optional<String> savedUpload(Path state) {
        if (!Files.exists(state)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JSON.readTree(state.toFile()).path("uploadId").asText(null));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void remember(Path state, String id, Path file, long size, String sha256) {
        ObjectNode o = JSON.createObjectNode().put("uploadId", id).put("file", file.toAbsolutePath().toString())
                .put("bytes", size).put("sha256", sha256);
        try {
            Files.createDirectories(state.getParent());
            Path tmp = Files.createTempFile(state.getParent(), "upload", ".tmp");
            JSON.writeValue(tmp.toFile(), o);
            Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "Cannot write " + state + ": " + e.getMessage(),
                    "Set TRAINPOD_CONFIG_DIR to a directory you can write.");
        }
    }

    private static void forget(Path state) {
        try {
            Files.deleteIfExists(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw CliException.usage("Cannot read " + file + ": " + e.getMessage());
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A byte range of the file as a stream, paced to a rate, telling how much of it was read. */
    private static final class Slice extends InputStream {

        /** Told how many bytes of the slice were read so far. */
        interface Sent {
            void bytes(long sent);
        }

        private final InputStream in;
        private final long length;
        private final long bytesPerSecond;
        private final Sent sent;
        private final long start = System.nanoTime();
        private long read;

        Slice(Path file, long offset, long length, long bytesPerSecond, Sent sent) {
            try {
                this.in = Files.newInputStream(file);
                in.skipNBytes(offset);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.length = length;
            this.bytesPerSecond = bytesPerSecond;
            this.sent = sent;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (read >= length) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(Math.min(len, 16 * 1024), length - read));
            if (n < 0) {
                throw new IOException("the file became shorter while it was being uploaded");
            }
            read += n;
            pace();
            sent.bytes(read);
            return n;
        }

        private void pace() {
            if (bytesPerSecond <= 0) {
                return;
            }
            long due = start + read * 1_000_000_000L / bytesPerSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                pause(wait / 1_000_000L);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
