package dev.trainpod.common.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainpod.common.event.FailureReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The problem catalog is complete and is what the pages and the README say: every problem slug and every field
 * code the services' code answers with has an entry with a title, what happened and what to do; every failure
 * reason has one; the checked-in gateway pages and the README table are what {@link ProblemPages} generates.
 */
class ProblemCatalogTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> MODULES = List.of("common", "deploy-service", "dataset-service",
            "metrics-service");
    /** A slug literal where a problem is made: Problem.of(404, "slug", ...), conflict("slug", ...), etc. */
    private static final Pattern SLUG = Pattern.compile("(?:Problem\\.of\\(\\d+,\\s*|(?:badRequest|conflict|gone"
            + "|unprocessable|tooManyRequests|badGateway|invalid|badHeader|OffsetConflictException)\\(\\s*)"
            + "\"([a-z0-9-]+)\"");
    /** A field code literal: new FieldError(field, "CODE", ...). */
    private static final Pattern CODE = Pattern.compile("FieldError\\([^,]+,\\s*\"([A-Z][A-Z0-9_]+)\"");
    private static final Path PAGES = REPO.resolve("deploy/compose/gateway/problems");

    @Test
    void everyEntryIsExplained() {
        for (ProblemCatalog p : ProblemCatalog.values()) {
            assertThat(p.slug()).as(p.name()).matches("[a-z0-9]+(-[a-z0-9]+)*");
            assertThat(p.status()).as(p.name()).isBetween(400, 599);
            assertThat(List.of(p.title(), p.happened(), p.todo())).as(p.name()).allSatisfy(s ->
                    assertThat(s).isNotBlank().hasSizeGreaterThan(3));
        }
        assertThat(Arrays.stream(ProblemCatalog.values()).map(ProblemCatalog::slug).distinct().count())
                .isEqualTo(ProblemCatalog.values().length);
        for (CodeCatalog c : CodeCatalog.values()) {
            assertThat(List.of(c.happened(), c.todo())).as(c.name()).allSatisfy(s ->
                    assertThat(s).isNotBlank().hasSizeGreaterThan(3));
        }
    }

    @Test
    void everySlugAndCodeTheServicesUseIsInTheCatalog() throws IOException {
        Set<String> slugs = new TreeSet<>();
        Set<String> codes = new TreeSet<>();
        for (Path file : mainSources()) {
            String text = Files.readString(file);
            Matcher m = SLUG.matcher(text);
            while (m.find()) {
                slugs.add(m.group(1));
            }
            Matcher c = CODE.matcher(text);
            while (c.find()) {
                codes.add(c.group(1));
            }
        }
        assertThat(slugs).as("slugs found in the services' code").hasSizeGreaterThan(40);
        assertThat(slugs.stream().filter(s -> ProblemCatalog.bySlug(s).isEmpty()).toList())
                .as("problem slugs without a ProblemCatalog entry").isEmpty();
        assertThat(codes).as("field codes found").hasSizeGreaterThan(25);
        assertThat(codes.stream().filter(s -> CodeCatalog.of(s).isEmpty()).toList())
                .as("field codes without a CodeCatalog entry").isEmpty();
        // The gateway's own 404 and the generic status problems of ProblemMappers.web
        assertThat(Files.readString(REPO.resolve("deploy/compose/nginx.conf")))
                .contains(ProblemCatalog.NOT_FOUND.type());
    }

    @Test
    void everyFailureReasonIsInTheCatalog() {
        for (FailureReason r : FailureReason.values()) {
            assertThat(CodeCatalog.of(r.name())).as(r.name()).get()
                    .extracting(CodeCatalog::kind).isEqualTo(CodeCatalog.Kind.FAILURE_REASON);
        }
    }

    @Test
    void aFieldErrorWithoutAHintGetsItsCodesHint() {
        Problem p = Problem.of(400, "malformed-json", "Malformed request body", "x")
                .withErrors(List.of(new Problem.FieldError("gpu.count", "WRONG_TYPE", "wrong type", null)));
        assertThat(ProblemMappers.withCatalogHints(p).errors().get(0).hint()).isEqualTo(CodeCatalog.WRONG_TYPE.todo());
    }

    @Test
    void theCheckedInPagesAndReadmeTableAreGeneratedFromTheCatalog() throws IOException {
        Map<String, String> pages = ProblemPages.all();
        if (Boolean.getBoolean("trainpod.regenerate")) {
            ProblemPages.write(PAGES);
            replaceReadmeTable();
        }
        List<String> differing = new ArrayList<>();
        for (Map.Entry<String, String> e : pages.entrySet()) {
            Path file = PAGES.resolve(e.getKey());
            if (!Files.exists(file) || !Files.readString(file).equals(e.getValue())) {
                differing.add(e.getKey());
            }
        }
        assertThat(differing).as("pages out of date: run ProblemCatalogTest with -Dtrainpod.regenerate=true")
                .isEmpty();
        try (Stream<Path> files = Files.walk(PAGES)) {
            assertThat(files.filter(Files::isRegularFile).map(f -> PAGES.relativize(f).toString()))
                    .as("pages of no catalog entry").containsExactlyInAnyOrderElementsOf(pages.keySet());
        }
        assertThat(readmeTable()).as("README table (regenerate with -Dtrainpod.regenerate=true)")
                .isEqualTo(ProblemPages.readmeTable());
    }

    private static final String BEGIN = "<!-- codes:begin (generated from CodeCatalog) -->\n";
    private static final String END = "<!-- codes:end -->";

    private static String readmeTable() throws IOException {
        String readme = Files.readString(REPO.resolve("README.md"));
        int b = readme.indexOf(BEGIN);
        int e = readme.indexOf(END);
        assertThat(b).as("README has the codes table markers").isNotNegative();
        return readme.substring(b + BEGIN.length(), e);
    }

    private static void replaceReadmeTable() throws IOException {
        Path file = REPO.resolve("README.md");
        String readme = Files.readString(file);
        int b = readme.indexOf(BEGIN);
        int e = readme.indexOf(END);
        if (b >= 0 && e > b) {
            Files.writeString(file, readme.substring(0, b + BEGIN.length()) + ProblemPages.readmeTable()
                    + readme.substring(e));
        }
    }

    private static List<Path> mainSources() throws IOException {
        List<Path> all = new ArrayList<>();
        for (String module : MODULES) {
            try (Stream<Path> files = Files.walk(REPO.resolve(module).resolve("src/main/java"))) {
                all.addAll(files.filter(f -> f.toString().endsWith(".java")).collect(Collectors.toList()));
            }
        }
        return all;
    }
}
