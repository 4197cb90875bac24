package dev.trainpod.common.problem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The gateway's problem pages, generated from {@link ProblemCatalog} and {@link CodeCatalog}: one short HTML page
 * per problem type ({@code /problems/<slug>}) and per code ({@code /problems/codes/<CODE>}), and an index. The
 * files are checked in under {@code deploy/compose/gateway/problems/}; {@code ProblemPagesTest} fails when they
 * differ from what this class generates (run it with {@code -Dtrainpod.regenerate=true} to write them).
 */
public final class ProblemPages {

    private ProblemPages() {
    }

    /** Every page, keyed by its path relative to the gateway's {@code problems/} folder. */
    public static Map<String, String> all() {
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("index.html", index());
        for (ProblemCatalog p : ProblemCatalog.values()) {
            pages.put(p.slug() + ".html", page(p.title(), "HTTP " + p.status() + " · type <code>" + p.type()
                    + "</code>", p.happened(), p.todo()));
        }
        for (CodeCatalog c : CodeCatalog.values()) {
            pages.put("codes/" + c.name() + ".html", page(c.name(), kindLabel(c.kind()), c.happened(), c.todo()));
        }
        return pages;
    }

    /** Writes every page under {@code dir}. */
    public static void write(Path dir) {
        try {
            for (Map.Entry<String, String> e : all().entrySet()) {
                Path file = dir.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The README's table of codes (markdown), one row per code. */
    public static String readmeTable() {
        return "| Code | Kind | What happened | What to do |\n|---|---|---|---|\n"
                + Arrays.stream(CodeCatalog.values())
                .map(c -> "| [`" + c.name() + "`](" + c.pagePath() + ") | " + kindLabel(c.kind()) + " | "
                        + c.happened().replace("|", "\\|") + " | " + c.todo().replace("|", "\\|") + " |")
                .collect(Collectors.joining("\n")) + "\n";
    }

    private static String kindLabel(CodeCatalog.Kind kind) {
        return switch (kind) {
            case PREFLIGHT -> "pre-flight code";
            case FIELD -> "field code";
            case FAILURE_REASON -> "failure reason";
        };
    }

    private static String index() {
        StringBuilder sb = new StringBuilder("<h2>Problem types</h2>\n<ul>\n");
        for (ProblemCatalog p : ProblemCatalog.values()) {
            sb.append("<li><a href=\"/problems/").append(p.slug()).append("\">").append(p.slug()).append("</a> (")
                    .append(p.status()).append(") ").append(html(p.title())).append("</li>\n");
        }
        sb.append("</ul>\n<h2>Codes and failure reasons</h2>\n<ul>\n");
        for (CodeCatalog c : CodeCatalog.values()) {
            sb.append("<li><a href=\"").append(c.pagePath()).append("\">").append(c.name()).append("</a> ")
                    .append(kindLabel(c.kind())).append("</li>\n");
        }
        sb.append("</ul>\n");
        return document("Trainpod problems", sb.toString());
    }

    private static String page(String title, String subtitle, String happened, String todo) {
        return document(title, "<p>" + subtitle + "</p>\n<h2>What happened</h2>\n<p>" + markup(happened)
                + "</p>\n<h2>What to do</h2>\n<p>" + markup(todo) + "</p>\n"
                + "<p><a href=\"/problems/\">All problems</a> · <a href=\"/api/docs\">API reference</a></p>\n");
    }

    private static String document(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html(title)
                + " · Trainpod</title>\n<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;"
                + "padding:0 1em;line-height:1.5}code{background:#f2f2f2;padding:0 .2em}</style>\n</head>\n<body>\n<h1>"
                + html(title) + "</h1>\n" + body + "</body>\n</html>\n";
    }

    /** Escapes HTML, then renders {@code `code`} spans. */
    private static String markup(String text) {
        return html(text).replaceAll("`([^`]+)`", "<code>$1</code>");
    }

    /** The text escaped as the pages write it (&amp;, &lt;, &gt;, &quot;). */
    public static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
