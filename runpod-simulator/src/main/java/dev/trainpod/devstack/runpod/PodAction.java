package dev.trainpod.devstack.runpod;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The state transitions {@code POST /v2/pods/{id}/action} accepts. */
enum PodAction {
    START, STOP, RESTART, TERMINATE;

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<PodAction> fromWire(String value) {
        return Arrays.stream(values()).filter(a -> a.wireName().equals(value)).findFirst();
    }
}
