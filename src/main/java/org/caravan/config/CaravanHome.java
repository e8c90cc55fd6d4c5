package org.caravan.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.caravan.CaravanApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.system.ApplicationHome;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The engine's home directory, so the jar runs from any directory: routes/ and config/ (and the
 * data directory) are read relative to it. caravan.home when set; else the working directory
 * when it has routes/; else the jar's directory or the one above it (target/caravan.jar in a
 * checkout) when that has routes/; else the working directory. Relative caravan.config,
 * caravan.data-dir and file: entries of camel.main.routes-include-pattern become absolute paths
 * under it, before anything reads them.
 */
public class CaravanHome implements EnvironmentPostProcessor, Ordered {

    public static final String KEY = "caravan.home";
    static final String ROUTES_KEY = "camel.main.routes-include-pattern";
    private static final String SOURCE = "caravanHome";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        Path home = home(env.getProperty(KEY), Path.of("").toAbsolutePath(), jarDirectory());
        Map<String, Object> resolved = new LinkedHashMap<>();
        resolved.put(KEY, home.toString());
        for (String key : List.of("caravan.config", "caravan.data-dir")) {
            String value = env.getProperty(key);
            if (value != null && !value.isBlank()) {
                resolved.put(key, home.resolve(value.strip()).normalize().toString());
            }
        }
        String routes = env.getProperty(ROUTES_KEY);
        if (routes != null && !routes.isBlank()) {
            resolved.put(ROUTES_KEY, routes(routes, home));
        }
        env.getPropertySources().addFirst(new MapPropertySource(SOURCE, resolved));
    }

    /** After Boot has read application*.properties (ConfigDataEnvironmentPostProcessor). */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE - 100;
    }

    /** The home directory: explicit, else the first of workingDir and the jar's directories that holds routes/. */
    static Path home(String explicit, Path workingDir, Path jarDir) {
        if (explicit != null && !explicit.isBlank()) {
            return workingDir.resolve(explicit.strip()).normalize();
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(workingDir);
        if (jarDir != null) {
            candidates.add(jarDir);
            if (jarDir.getParent() != null) {
                candidates.add(jarDir.getParent());
            }
        }
        for (Path candidate : candidates) {
            if (Files.isDirectory(candidate.resolve("routes"))) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        return workingDir;
    }

    /** Each file: entry of a comma-separated pattern list, made absolute under home; classpath: entries untouched. */
    static String routes(String patterns, Path home) {
        List<String> out = new ArrayList<>();
        for (String p : patterns.split(",")) {
            String pattern = p.strip();
            if (pattern.startsWith("file:") && !Path.of(pattern.substring(5)).isAbsolute()) {
                pattern = "file:" + home.resolve(pattern.substring(5)).normalize();
            }
            out.add(pattern);
        }
        return String.join(",", out);
    }

    /** The directory of the running jar (or of the classes directory), or null. */
    private static Path jarDirectory() {
        try {
            java.io.File dir = new ApplicationHome(CaravanApplication.class).getDir();
            return dir == null ? null : dir.toPath().toAbsolutePath();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
