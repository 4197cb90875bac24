package dev.trainpod.common.testing;

import java.lang.annotation.Annotation;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fast inner loop: with {@code -Dtrainpod.fast=true} (and JUnit's extension autodetection on, as the README's
 * command does) every test class that boots a Quarkus application ({@code @QuarkusTest}) is skipped, so a module's
 * plain unit tests run in seconds; without the property it does nothing, and {@code ./mvnw -B verify} runs
 * everything. Registered through {@code META-INF/services}.
 */
public class FastTestsOnly implements ExecutionCondition {

    /** The system property that turns it on. */
    public static final String PROPERTY = "trainpod.fast";

    private static final String QUARKUS_TEST = "io.quarkus.test.junit.QuarkusTest";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!Boolean.getBoolean(PROPERTY)) {
            return ConditionEvaluationResult.enabled("the whole suite");
        }
        Optional<Class<?>> type = context.getTestClass();
        for (Class<?> c = type.orElse(null); c != null; c = c.getEnclosingClass()) {
            for (Annotation a : c.getAnnotations()) {
                if (a.annotationType().getName().equals(QUARKUS_TEST)) {
                    return ConditionEvaluationResult.disabled("boots Quarkus; left out of the fast run ("
                            + PROPERTY + ")");
                }
            }
        }
        return ConditionEvaluationResult.enabled("a plain unit test");
    }
}
