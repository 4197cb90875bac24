package dev.trainpod.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/** How values read in text output: dollars, absent fields, and aligned tables. */
final class Text {

    private Text() {
    }

    /** {@code $1.23}; under a dollar up to four decimals ({@code $0.0042}, {@code $0.25}); {@code -} when absent. */
    static String money(JsonNode amount) {
        if (amount == null || amount.isNull() || amount.isMissingNode()) {
            return "-";
        }
        BigDecimal v = amount.decimalValue();
        if (v.abs().compareTo(BigDecimal.ONE) >= 0) {
            return "$" + v.setScale(2, RoundingMode.HALF_UP).toPlainString();
        }
        BigDecimal small = v.setScale(4, RoundingMode.HALF_UP).stripTrailingZeros();
        return "$" + (small.scale() < 2 ? small.setScale(2) : small).toPlainString();
    }

    /** A field's text, or {@code -} when absent. */
    static String of(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() || v.asText().isEmpty() ? "-" : v.asText();
    }

    /** Rows under a header, each column as wide as its widest cell. */
    static void table(PrintStream out, List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] width = new int[header.size()];
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + width[i] + "s  ", row.get(i)));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
