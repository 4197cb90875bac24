package dev.trainpod.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds database access outside a service's {@code repository} package, so that "every query and every raw SQL
 * statement lives in a repository" stays true: a string literal (or text block) holding an SQL statement, a call
 * that runs SQL or a query on the reactive client or the Hibernate session, a Panache query string handed to a
 * repository, and an entity's own static Panache query. Comments are skipped; a test of each service fails on
 * what this returns ({@code RepositoriesOwnTheSqlTest}).
 */
public final class SqlOutsideRepositories {

    /** An SQL statement in a string: the statement keywords in upper case, as the code writes them. */
    private static final Pattern SQL = Pattern.compile(
            "\\b(SELECT\\s[\\s\\S]*\\bFROM\\b|SELECT\\s+(count|pg_|EXTRACT)|INSERT\\s+INTO|UPDATE\\s+\\w+\\s+SET"
                    + "|DELETE\\s+FROM|WITH\\s+\\w+\\s+AS\\s*\\()");
    /** Calls that run a statement or a query. */
    private static final Pattern CALL = Pattern.compile(
            "\\.(preparedQuery|query|createNativeQuery|createQuery|createSelectionQuery|createMutationQuery)\\s*\\("
                    + "|\\bPanache\\.getSession\\s*\\(");
    /** A Panache query string ("field = ?1 ...", or a field name) handed to a repository's query method. */
    private static final Pattern PANACHE_QUERY = Pattern.compile(
            "\\b[a-z]\\w*\\.(find|list|stream|update|delete|count)\\s*\\(\"\"");
    private static final Pattern ENTITY = Pattern.compile("@Entity\\b[\\s\\S]*?\\bclass\\s+(\\w+)");

    private SqlOutsideRepositories() {
    }

    /**
     * Every place in the Java sources under {@code mainSources} outside a {@code repository} package that touches
     * the database itself, as {@code path:line: what}; files named in {@code exempt} (by simple file name) are
     * skipped.
     */
    public static List<String> in(Path mainSources, Set<String> exempt) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(mainSources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (files.isEmpty()) {
            throw new IllegalStateException("no Java sources under " + mainSources.toAbsolutePath());
        }
        Set<String> entities = new HashSet<>();
        for (Path file : files) {
            Matcher m = ENTITY.matcher(split(read(file)).code);
            if (m.find()) {
                entities.add(m.group(1));
            }
        }
        Pattern entityQuery = entities.isEmpty() ? null : Pattern.compile("\\b(" + String.join("|", entities)
                + ")\\s*\\.\\s*(<[^>]*>)?\\s*(find|findAll|findById|list|listAll|stream|streamAll|update|delete"
                + "|deleteAll|deleteById|count)\\s*\\(");
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            String relative = mainSources.relativize(file).toString().replace('\\', '/');
            if (relative.contains("/repository/") || exempt.contains(file.getFileName().toString())) {
                continue;
            }
            Split split = split(read(file));
            for (Literal literal : split.literals) {
                if (SQL.matcher(literal.text).find()) {
                    found.add(relative + ":" + literal.line + ": SQL in a string: "
                            + literal.text.strip().lines().findFirst().orElse(""));
                }
            }
            flag(found, relative, split.code, CALL, "runs a query");
            flag(found, relative, split.code, PANACHE_QUERY, "a Panache query string");
            if (entityQuery != null) {
                flag(found, relative, split.code, entityQuery, "an entity queries itself");
            }
        }
        return found;
    }

    private static void flag(List<String> found, String file, String code, Pattern pattern, String what) {
        Matcher m = pattern.matcher(code);
        while (m.find()) {
            int line = 1 + (int) code.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            found.add(file + ":" + line + ": " + what + ": " + m.group().strip());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Literal(int line, String text) {
    }

    /** The code with comments removed and every string emptied ({@code ""}), and the strings' contents. */
    private record Split(String code, List<Literal> literals) {
    }

    private static Split split(String source) {
        StringBuilder code = new StringBuilder();
        List<Literal> literals = new ArrayList<>();
        int line = 1;
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (int k = i; k < end; k++) {
                    if (source.charAt(k) == '\n') {
                        code.append('\n');
                        line++;
                    }
                }
                i = end;
            } else if (c == '"' && source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end;
                String text = source.substring(i + 3, end);
                literals.add(new Literal(line, text));
                code.append("\"\"");
                for (char t : text.toCharArray()) {
                    if (t == '\n') {
                        code.append('\n');
                        line++;
                    }
                }
                i = Math.min(n, end + 3);
            } else if (c == '"' || c == '\'') {
                StringBuilder text = new StringBuilder();
                int k = i + 1;
                while (k < n && source.charAt(k) != c && source.charAt(k) != '\n') {
                    if (source.charAt(k) == '\\' && k + 1 < n) {
                        text.append(source.charAt(k + 1));
                        k += 2;
                    } else {
                        text.append(source.charAt(k++));
                    }
                }
                if (c == '"') {
                    literals.add(new Literal(line, text.toString()));
                }
                code.append(c).append(c);
                i = k + 1;
            } else {
                if (c == '\n') {
                    line++;
                }
                code.append(c);
                i++;
            }
        }
        return new Split(code.toString(), literals);
    }
}
