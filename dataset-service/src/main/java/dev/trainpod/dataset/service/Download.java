package dev.trainpod.dataset.service;

import java.nio.file.Path;

/** An authorized download: which file to send, which part of it, and the checksum the pod verifies. */
public record Download(Path file, ByteRange range, String sha256) {
}
