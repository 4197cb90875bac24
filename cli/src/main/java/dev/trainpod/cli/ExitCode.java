package dev.trainpod.cli;

/**
 * The exit codes a script can rely on. Every command's help lists them; they never change meaning.
 */
public final class ExitCode {

    /** The command did what it was asked. */
    public static final int OK = 0;
    /** Something unexpected went wrong inside the CLI itself (a bug: please report it). */
    public static final int INTERNAL = 1;
    /** The command line is wrong: an unknown option, a missing argument, a file that cannot be read. */
    public static final int USAGE = 2;
    /** The API refused the request (a 4xx answer other than 401/403: invalid input, not found, conflict). */
    public static final int REFUSED = 3;
    /** The deployment that was followed ended without succeeding (FAILED or CANCELLED). */
    public static final int DEPLOYMENT_FAILED = 4;
    /** Not signed in, the token expired, or the API refused it (401/403). */
    public static final int AUTH = 5;
    /** A server error (5xx) or the network: the service could not be reached; trying again may work. */
    public static final int UNAVAILABLE = 6;
    /** The cost estimate was not confirmed, so nothing was deployed. */
    public static final int NOT_CONFIRMED = 7;

    /** The list picocli prints under "Exit codes" in every command's help. */
    static final String[] HELP_LIST = {
        OK + ":ok",
        INTERNAL + ":internal error of the CLI (a bug)",
        USAGE + ":usage error (wrong options or arguments, unreadable file)",
        REFUSED + ":the API refused the request (4xx: invalid input, not found, conflict), or the dataset is invalid",
        DEPLOYMENT_FAILED + ":the deployment ended FAILED or CANCELLED",
        AUTH + ":not signed in, token expired or refused (401/403)",
        UNAVAILABLE + ":server error (5xx) or network problem; trying again may work",
        NOT_CONFIRMED + ":the estimate was not confirmed; nothing was deployed",
    };

    private ExitCode() {
    }
}
