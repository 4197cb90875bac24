package dev.trainpod.deploy.service;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Estimates of a model's size and the GPU memory its fine-tuning needs. Parameters come from the model name
 * ("0.5B", "7B", "8x7B", "125M") or a small table; memory per parameter is: full fine-tuning 16 bytes (bf16
 * weights and gradients, fp32 Adam moments and master weights), LoRA 2 bytes (frozen bf16 weights) plus 1 % of
 * the parameters trained at 16 bytes, QLoRA 0.6 bytes (4-bit weights and quantisation constants) plus the same
 * adapters; DPO with full fine-tuning adds a frozen bf16 reference model (2 bytes). Activations and the CUDA
 * context add 20 % and 2 GB. Full fine-tuning is assumed sharded over the pod's GPUs, adapters replicated.
 */
final class ModelSizing {

    static final double DEFAULT_BILLIONS = 7;
    /** Above this many billions a name's number is no model size (the largest models have a few thousand). */
    static final double MAX_BILLIONS = 100_000;
    private static final Pattern MIXTURE = Pattern.compile("(\\d+)x(\\d+(?:\\.\\d+)?)b(?![a-z])");
    private static final Pattern SIZE = Pattern.compile("(?<![a-z0-9.])(\\d+(?:\\.\\d+)?)([bm])(?![a-z])");
    private static final Map<String, Double> KNOWN = Map.of(
            "gpt2", 0.124, "gpt2-medium", 0.355, "gpt2-large", 0.774, "gpt2-xl", 1.5,
            "phi-2", 2.7, "distilgpt2", 0.082);

    /** How the weights are trained. */
    enum Adapter { FULL, LORA, QLORA;

        /** From {@code hyperparameters.adapter}: "full", "lora" or "qlora"; LoRA when absent or unknown. */
        static Adapter of(Object value) {
            if (value instanceof String s) {
                for (Adapter a : values()) {
                    if (a.name().equalsIgnoreCase(s.trim())) {
                        return a;
                    }
                }
            }
            return LORA;
        }
    }

    private ModelSizing() {
    }

    /** Billions of parameters read from the model's name, if it says something plausible. */
    static Optional<Double> billions(String model) {
        if (model == null) {
            return Optional.empty();
        }
        String name = model.toLowerCase(Locale.ROOT);
        String base = name.substring(name.lastIndexOf('/') + 1);
        if (KNOWN.containsKey(base)) {
            return Optional.of(KNOWN.get(base));
        }
        Matcher mixture = MIXTURE.matcher(base);
        if (mixture.find()) {
            return plausible(Double.parseDouble(mixture.group(1)) * Double.parseDouble(mixture.group(2)));
        }
        Matcher m = SIZE.matcher(base);
        if (m.find()) {
            double n = Double.parseDouble(m.group(1));
            return plausible("m".equals(m.group(2)) ? n / 1000 : n);
        }
        return Optional.empty();
    }

    /** A size read from a name such as "x/99999…9B" could be any number, infinity included: none of them is one. */
    private static Optional<Double> plausible(double billions) {
        return billions > 0 && billions <= MAX_BILLIONS ? Optional.of(billions) : Optional.empty();
    }

    /** GB of GPU memory each GPU needs to fine-tune a model of this size with this adapter and method. */
    static double memoryPerGpuGb(double billions, Adapter adapter, String method, int gpus) {
        double bytesPerParam = switch (adapter) {
            case FULL -> 16 + ("DPO".equals(method) ? 2 : 0);
            case LORA -> 2 + 0.01 * 16;
            case QLORA -> 0.6 + 0.01 * 16;
        };
        double weightsGb = billions * bytesPerParam;
        double perGpu = adapter == Adapter.FULL ? weightsGb / Math.max(1, gpus) : weightsGb;
        return perGpu * 1.2 + 2;
    }
}
