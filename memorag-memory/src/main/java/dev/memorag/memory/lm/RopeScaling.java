package dev.memorag.memory.lm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memorag.error.ModelException;
import dev.memorag.error.UnsupportedFormatException;
import java.util.Locale;

/**
 * The {@code rope_scaling} block of {@code config.json}: none, {@code linear}, {@code llama3} or {@code yarn}, with the
 * inverse frequencies and attention factor that Hugging Face transformers derives from it.
 *
 * <p>Thread-safety: immutable.
 *
 * @param type scaling type
 * @param factor scale factor (1 for none)
 * @param lowFreqFactor llama3 low-frequency factor
 * @param highFreqFactor llama3 high-frequency factor
 * @param originalMaxPositions the pre-training context length (llama3, yarn)
 * @param betaFast yarn fast boundary (rotations)
 * @param betaSlow yarn slow boundary (rotations)
 * @param attentionFactor yarn attention factor override, or NaN to derive it
 * @param mscale yarn mscale, or NaN
 * @param mscaleAllDim yarn mscale_all_dim, or NaN
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositions, double betaFast, double betaSlow, double attentionFactor, double mscale,
        double mscaleAllDim) {

    /** Supported scaling types (immutable). */
    public enum Type { NONE, LINEAR, LLAMA3, YARN }

    /** No scaling. */
    public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1, 0, 0, 0, 0, 0, Double.NaN, Double.NaN,
            Double.NaN);

    public RopeScaling {
        if (type == null) {
            throw new ModelException("rope_scaling type must not be null");
        }
        if (type != Type.NONE && !(factor > 0)) {
            throw new ModelException("rope_scaling.factor must be > 0, was " + factor);
        }
    }

    /** Parses {@code rope_scaling} (null, missing or {@code default} mean none). */
    static RopeScaling parse(JsonNode node, int maxPositions, String source) {
        if (node == null || node.isNull()) {
            return NONE;
        }
        JsonNode t = node.has("rope_type") ? node.get("rope_type") : node.get("type");
        String type = t == null ? "default" : t.asText().toLowerCase(Locale.ROOT);
        double factor = node.path("factor").asDouble(Double.NaN);
        switch (type) {
            case "default":
                return NONE;
            case "linear":
                requireFactor(factor, source);
                return new RopeScaling(Type.LINEAR, factor, 0, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN);
            case "llama3": {
                requireFactor(factor, source);
                int orig = requireInt(node, "original_max_position_embeddings", source);
                double low = requireDouble(node, "low_freq_factor", source);
                double high = requireDouble(node, "high_freq_factor", source);
                return new RopeScaling(Type.LLAMA3, factor, low, high, orig, 0, 0, Double.NaN, Double.NaN,
                        Double.NaN);
            }
            case "yarn": {
                requireFactor(factor, source);
                int orig = node.hasNonNull("original_max_position_embeddings")
                        ? node.get("original_max_position_embeddings").asInt() : maxPositions;
                return new RopeScaling(Type.YARN, factor, 0, 0, orig,
                        positiveOr(node.path("beta_fast").asDouble(0), 32),
                        positiveOr(node.path("beta_slow").asDouble(0), 1),
                        node.path("attention_factor").asDouble(Double.NaN),
                        node.path("mscale").asDouble(Double.NaN), node.path("mscale_all_dim").asDouble(Double.NaN));
            }
            default:
                throw new UnsupportedFormatException(source + ": field 'rope_scaling.rope_type' value '" + type
                        + "' is not supported (supported: default, linear, llama3, yarn)");
        }
    }

    private static double positiveOr(double v, double dflt) {
        return v > 0 ? v : dflt;
    }

    private static void requireFactor(double factor, String source) {
        if (!(factor > 0)) {
            throw new ModelException(source + ": field 'rope_scaling.factor' missing or not > 0");
        }
    }

    private static int requireInt(JsonNode n, String field, String source) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new ModelException(source + ": field 'rope_scaling." + field + "' missing or invalid: " + v);
        }
        return v.asInt();
    }

    private static double requireDouble(JsonNode n, String field, String source) {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new ModelException(source + ": field 'rope_scaling." + field + "' missing or invalid: " + v);
        }
        return v.asDouble();
    }

    /**
     * Inverse frequencies for {@code headDim} (length headDim/2), computed in float32 like the reference.
     */
    public float[] inverseFrequencies(int headDim, double theta) {
        int half = headDim / 2;
        float[] base = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            float pow = (float) Math.pow(theta, exponent);
            base[i] = 1.0f / pow;
        }
        switch (type) {
            case NONE:
                return base;
            case LINEAR: {
                float[] out = new float[half];
                for (int i = 0; i < half; i++) {
                    out[i] = (float) (base[i] / factor);
                }
                return out;
            }
            case LLAMA3:
                return llama3(base);
            case YARN:
                return yarn(headDim, theta);
            default:
                throw new IllegalStateException(type.name());
        }
    }

    private float[] llama3(float[] base) {
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        float[] out = new float[base.length];
        for (int i = 0; i < base.length; i++) {
            float f = base[i];
            float wavelen = (float) (2 * Math.PI) / f;
            if (wavelen > lowWavelen) {
                out[i] = (float) (f / factor);
            } else if (wavelen < highWavelen) {
                out[i] = f;
            } else {
                float smooth = (float) ((originalMaxPositions / wavelen - lowFreqFactor)
                        / (highFreqFactor - lowFreqFactor));
                out[i] = (1 - smooth) * f / (float) factor + smooth * f;
            }
        }
        return out;
    }

    private float[] yarn(int dim, double theta) {
        int half = dim / 2;
        double low = Math.floor(correctionDim(betaFast, dim, theta));
        double high = Math.ceil(correctionDim(betaSlow, dim, theta));
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001;
        }
        float[] out = new float[half];
        for (int i = 0; i < half; i++) {
            float posFreq = (float) Math.pow(theta, (float) (2 * i) / dim);
            float extrapolation = 1.0f / posFreq;
            float interpolation = 1.0f / (float) (factor * posFreq);
            float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
            float extrapolationFactor = 1 - ramp;
            out[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        return out;
    }

    private double correctionDim(double rotations, int dim, double theta) {
        return dim * Math.log(originalMaxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
    }

    /** The factor cos/sin are multiplied by (yarn only; 1 otherwise). */
    public float attentionScaling() {
        if (type != Type.YARN) {
            return 1f;
        }
        if (!Double.isNaN(attentionFactor)) {
            return (float) attentionFactor;
        }
        if (!Double.isNaN(mscale) && !Double.isNaN(mscaleAllDim) && mscale != 0 && mscaleAllDim != 0) {
            return (float) (yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim));
        }
        return (float) yarnMscale(factor, 1);
    }

    private static double yarnMscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
    }
}
