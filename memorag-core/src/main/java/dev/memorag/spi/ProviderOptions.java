package dev.memorag.spi;

import dev.memorag.error.InvalidInputException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Loosely typed options handed to providers when a component is created from a reference string (device, dtype,
 * beacon ratio, whether downloading is allowed, ...). Keys are documented by each provider.
 *
 * <p>Thread-safety: immutable.
 *
 * @param values option name to value
 */
public record ProviderOptions(Map<String, String> values) {
    public static final ProviderOptions EMPTY = new ProviderOptions(Map.of());

    /** Allows resolving a model reference by downloading it from the hub. */
    public static final String DOWNLOAD = "download";
    /** {@code cpu}, {@code gpu} or {@code auto}. */
    public static final String DEVICE = "device";
    /** {@code float32} or {@code float16}. */
    public static final String DTYPE = "dtype";
    /** Beacon compression ratio override for beacon memory models. */
    public static final String BEACON_RATIO = "beacon_ratio";

    public ProviderOptions {
        values = Map.copyOf(new TreeMap<>(Objects.requireNonNull(values, "values")));
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public boolean flag(String key) {
        return Boolean.parseBoolean(values.getOrDefault(key, "false"));
    }

    public int intValue(String key, int defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("option '" + key + "' must be an integer, was '" + v + "'");
        }
    }

    public ProviderOptions with(String key, String value) {
        Map<String, String> copy = new TreeMap<>(values);
        copy.put(key, value);
        return new ProviderOptions(copy);
    }
}
