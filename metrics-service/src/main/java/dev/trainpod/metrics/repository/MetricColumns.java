package dev.trainpod.metrics.repository;

import java.time.OffsetDateTime;
import java.util.Arrays;

/**
 * A batch of metric points as the storing statement takes it: one array per column (the statement unnests them
 * back into rows), filled straight from the request body by a streaming parser, with no object per point.
 * Absent values are nulls; {@code extras} holds each point's extra fields as a JSON object text, or null.
 */
public final class MetricColumns {

    private int size;
    private Integer[] steps;
    private Double[] epochs;
    private Double[] losses;
    private Double[] learningRates;
    private Double[] gradNorms;
    private Double[] tokensPerSecond;
    private String[] extras;
    private OffsetDateTime[] times;
    private int lowestStep = Integer.MAX_VALUE;
    private int highestStep = Integer.MIN_VALUE;

    /** Empty columns with room for {@code capacity} points (they grow beyond it). */
    public MetricColumns(int capacity) {
        int n = Math.max(1, capacity);
        steps = new Integer[n];
        epochs = new Double[n];
        losses = new Double[n];
        learningRates = new Double[n];
        gradNorms = new Double[n];
        tokensPerSecond = new Double[n];
        extras = new String[n];
        times = new OffsetDateTime[n];
    }

    /** Appends one point; {@code step} is required (0 or more). */
    public void add(int step, Double epoch, Double loss, Double learningRate, Double gradNorm,
                    Double tokensPerSec, OffsetDateTime time, String extra) {
        if (size == steps.length) {
            int n = size * 2;
            steps = Arrays.copyOf(steps, n);
            epochs = Arrays.copyOf(epochs, n);
            losses = Arrays.copyOf(losses, n);
            learningRates = Arrays.copyOf(learningRates, n);
            gradNorms = Arrays.copyOf(gradNorms, n);
            tokensPerSecond = Arrays.copyOf(tokensPerSecond, n);
            extras = Arrays.copyOf(extras, n);
            times = Arrays.copyOf(times, n);
        }
        steps[size] = step;
        epochs[size] = epoch;
        losses[size] = loss;
        learningRates[size] = learningRate;
        gradNorms[size] = gradNorm;
        tokensPerSecond[size] = tokensPerSec;
        times[size] = time;
        extras[size] = extra;
        size++;
        lowestStep = Math.min(lowestStep, step);
        highestStep = Math.max(highestStep, step);
    }

    /** How many points. */
    public int size() {
        return size;
    }

    /** The lowest step, or null for no point. */
    public Integer lowestStep() {
        return size == 0 ? null : lowestStep;
    }

    /** The highest step, or null for no point. */
    public Integer highestStep() {
        return size == 0 ? null : highestStep;
    }

    /** The statement's arguments after the deployment id, in its order ($2 to $9), trimmed to the size. */
    public Object[] arrays() {
        return new Object[] {Arrays.copyOf(steps, size), Arrays.copyOf(epochs, size), Arrays.copyOf(losses, size),
                Arrays.copyOf(learningRates, size), Arrays.copyOf(gradNorms, size),
                Arrays.copyOf(tokensPerSecond, size), Arrays.copyOf(extras, size), Arrays.copyOf(times, size)};
    }
}
