package dev.trainpod.dataset.service;

import dev.trainpod.dataset.Dataset;
import dev.trainpod.dataset.DownloadToken;

/** A freshly minted token: the secret (handed out this once), its stored row and the dataset it opens. */
public record IssuedToken(String secret, DownloadToken token, Dataset dataset) {
}
