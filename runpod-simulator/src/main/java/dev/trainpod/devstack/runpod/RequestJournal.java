package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The most recent /v2 calls the simulator answered, for tests that check what a client sent. */
final class RequestJournal {

    /**
     * One answered call; the {@code Authorization} header is never kept.
     *
     * @param query the decoded query string, {@code null} when there was none
     * @param time when the answer was ready (after any injected hold or delay)
     * @param received when the request arrived, before any injected hold
     * @param body the request body as JSON, {@code null} when absent or not JSON
     */
    record Recorded(String method, String path, String query, int status, Instant time, Instant received,
                    JsonNode body) {
    }

    /** Keeps memory bounded when a long-running stack polls for hours. */
    private static final int CAPACITY = 10_000;

    private final Deque<Recorded> requests = new ArrayDeque<>();

    synchronized void record(Recorded request) {
        if (requests.size() == CAPACITY) {
            requests.removeFirst();
        }
        requests.addLast(request);
    }

    synchronized List<Recorded> all() {
        return List.copyOf(requests);
    }

    synchronized void clear() {
        requests.clear();
    }
}
