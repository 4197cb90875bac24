package dev.trainpod.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A failure the CLI explains to the person (or script) that ran it: a message, what to do about it, the API's
 * problem document when there is one, and the exit code. Never printed with a stack trace.
 */
public final class CliException extends RuntimeException {

    private final int exitCode;
    private final String hint;
    private final transient JsonNode problem;

    public CliException(int exitCode, String message, String hint, JsonNode problem) {
        super(message);
        this.exitCode = exitCode;
        this.hint = hint;
        this.problem = problem;
    }

    public CliException(int exitCode, String message, String hint) {
        this(exitCode, message, hint, null);
    }

    public static CliException usage(String message) {
        return new CliException(ExitCode.USAGE, message, null);
    }

    public int exitCode() {
        return exitCode;
    }

    /** What the person can do about it; null when the message says it all. */
    public String hint() {
        return hint;
    }

    /** The API's problem+json document, or null when the failure did not come from an API answer. */
    public JsonNode problem() {
        return problem;
    }
}
