package dev.trainpod.cli;

/** Sizes and durations as people read them: {@code 12.3 MiB}, {@code 4m05s}. */
public final class Units {

    private Units() {
    }

    /** {@code 512 B}, {@code 12.3 KiB}, {@code 1.5 GiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, units[i]);
    }

    /** {@code 1h02m}, {@code 4m05s} or {@code 12s}; {@code -} for a negative value. */
    public static String duration(long seconds) {
        if (seconds < 0) {
            return "-";
        }
        if (seconds >= 3600) {
            return String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        if (seconds >= 60) {
            return String.format("%dm%02ds", seconds / 60, seconds % 60);
        }
        return seconds + "s";
    }
}
