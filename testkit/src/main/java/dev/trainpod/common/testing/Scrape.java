package dev.trainpod.common.testing;

/** Reads one sample of a Prometheus text scrape ({@code /q/metrics}) in the services' tests. */
public final class Scrape {

    private Scrape() {
    }

    /**
     * The value of the sample {@code name} whose labels include every {@code label="value"} pair given (as
     * {@code "label", "value", ...}); 0 when there is none.
     */
    public static double value(String scrape, String name, String... labels) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= line.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
