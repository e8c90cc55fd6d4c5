package org.caravan.config;

import java.time.Duration;

/**
 * Engine settings (application.properties, environment, {@code --key=value}) parsed with the same
 * units as mta.yaml: a bad value stops the start with one line naming the key, as a bad mta.yaml
 * directive does.
 */
public final class EngineSettings {

    private EngineSettings() {
    }

    /** A duration setting ({@code 500ms}, {@code 30s}, {@code 14d}). */
    public static Duration duration(String key, String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ": " + e.getMessage(), e);
        }
    }

    /** A size setting in bytes ({@code 100MB}, {@code 1GB}). */
    public static long size(String key, String value) {
        try {
            return Sizes.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ": " + e.getMessage(), e);
        }
    }
}
