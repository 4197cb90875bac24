package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Renders a pod's log as the Server-Sent Events of {@code GET /v2/pods/{id}/logs}: what exists so far, then
 * the end of the stream. Event ids are {@code <ts>/<sequence>}, like RunPod's, so {@code Last-Event-ID} resumes.
 */
final class LogEvents {

    private static final int DEFAULT_TAIL = 100;
    private static final int MAX_TAIL = 5000;

    private LogEvents() {
    }

    static String render(List<PodLog.Entry> entries, ApiRequest request) {
        String source = request.query().get("source");
        if (source != null && !source.equals("container") && !source.equals("system")) {
            throw ApiProblem.badRequest("source must be container or system.");
        }
        List<Integer> selected = IntStream.range(firstIndex(entries, request), entries.size())
                .filter(i -> source == null || entries.get(i).source().equals(source))
                .boxed()
                .toList();
        if (request.lastEventId() == null && request.query().get("since") == null) {
            int tail = tail(request.query().get("tail"));
            selected = selected.subList(Math.max(0, selected.size() - tail), selected.size());
        }
        StringBuilder events = new StringBuilder();
        for (int index : selected) {
            PodLog.Entry entry = entries.get(index);
            ObjectNode data = Json.MAPPER.createObjectNode()
                    .put("ts", entry.time().toString())
                    .put("source", entry.source())
                    .put("line", entry.line());
            events.append("id: ").append(entry.time()).append('/').append(String.format("%012d", index + 1))
                    .append('\n').append("data: ").append(data).append("\n\n");
        }
        return events.toString();
    }

    /** Where the stream starts: after the resume cursor, at {@code since}, or at the beginning. */
    private static int firstIndex(List<PodLog.Entry> entries, ApiRequest request) {
        String cursor = request.lastEventId();
        if (cursor != null) {
            String sequence = cursor.substring(cursor.lastIndexOf('/') + 1);
            if (sequence.matches("\\d{1,18}")) {
                return (int) Math.min(Long.parseLong(sequence), entries.size());
            }
            Instant after = parseTime(cursor, "Last-Event-ID");
            return firstAt(entries, i -> entries.get(i).time().isAfter(after));
        }
        String since = request.query().get("since");
        if (since != null) {
            Instant from = parseTime(since, "since");
            return firstAt(entries, i -> !entries.get(i).time().isBefore(from));
        }
        return 0;
    }

    private static int firstAt(List<PodLog.Entry> entries, IntPredicate matches) {
        return IntStream.range(0, entries.size()).filter(matches).findFirst().orElse(entries.size());
    }

    private static Instant parseTime(String value, String name) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiProblem.badRequest(name + " must be an RFC 3339 timestamp or an event id from this stream.");
        }
    }

    private static int tail(String value) {
        if (value == null) {
            return DEFAULT_TAIL;
        }
        if (!value.matches("\\d{1,4}") || Integer.parseInt(value) > MAX_TAIL) {
            throw ApiProblem.badRequest("tail must be an integer from 0 to " + MAX_TAIL + ".");
        }
        return Integer.parseInt(value);
    }
}
