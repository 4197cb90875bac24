package dev.trainpod.dataset.service;

/** The download's Range header asks for nothing the file has, or is not one byte range: answered with 416. */
public class RangeNotSatisfiableException extends RuntimeException {

    private final long size;

    public RangeNotSatisfiableException(long size) {
        super("range not satisfiable in " + size + " bytes", null, false, false);
        this.size = size;
    }

    /** The file's size, for {@code Content-Range: bytes *}{@code /size}. */
    public long size() {
        return size;
    }
}
