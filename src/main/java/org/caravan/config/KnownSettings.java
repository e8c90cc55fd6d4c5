package org.caravan.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The caravan.* settings the engine knows: every key of application.properties and of the
 * profiles' application-*.properties on the classpath (so a key added there is known at once),
 * plus the few that are optional without a default. A caravan.* property given anywhere else
 * (command line, -D, an external application.properties) that is none of them is a typo or a
 * setting of another version: the start fails naming it instead of ignoring it. Environment
 * variables are not checked: shells carry unrelated CARAVAN_* variables (the engine's own are MTA_*).
 */
public final class KnownSettings {

    /** Keys read with a default in code and absent from application.properties on purpose. */
    static final List<String> OPTIONAL = List.of(
            CaravanHome.KEY,                 // the home directory (CaravanHome); default: found
            "caravan.mta-sts.fetch-timeout", // MTA-STS policy fetches (EngineConfiguration), 10s
            "caravan.crash.seed");           // the crash suite's seed: a -D of the test JVM, seen by engines in it

    private static final String PREFIX = "caravan.";

    private final Set<String> known;

    private KnownSettings(Set<String> known) {
        this.known = known;
    }

    /** The known keys from the classpath's application*.properties and {@link #OPTIONAL}. */
    public static KnownSettings fromClasspath(ClassLoader loader) {
        Set<String> keys = new TreeSet<>();
        OPTIONAL.forEach(k -> keys.add(canonical(k)));
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver(loader);
        try {
            // the profiles' files beside each application.properties: a classpath*: wildcard would
            // list every jar of the classpath, a second or more at start on a busy machine
            List<Resource> files = new ArrayList<>();
            for (Resource base : resolver.getResources("classpath*:application.properties")) {
                files.add(base);
                String url = base.getURL().toString();
                String root = url.substring(0, url.length() - "application.properties".length());
                files.addAll(List.of(resolver.getResources(root + "application-*.properties")));
            }
            for (Resource file : files) {
                Properties p = new Properties();
                try (InputStream in = file.getInputStream()) {
                    p.load(in);
                }
                p.stringPropertyNames().stream().filter(k -> k.startsWith(PREFIX)).forEach(k -> keys.add(canonical(k)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the engine's application*.properties", e);
        }
        return new KnownSettings(keys);
    }

    public boolean knows(String key) {
        return known.contains(canonical(key));
    }

    /** Fails naming each unknown caravan.* property and where it came from. */
    public void check(ConfigurableEnvironment env) {
        List<String> unknown = new ArrayList<>();
        for (PropertySource<?> source : env.getPropertySources()) {
            if (source instanceof SystemEnvironmentPropertySource || !(source instanceof EnumerablePropertySource<?> e)) {
                continue;
            }
            for (String name : e.getPropertyNames()) {
                if (name.toLowerCase(Locale.ROOT).startsWith(PREFIX) && !knows(name)) {
                    unknown.add(name + " (" + source.getName() + ")");
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown setting" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + ": no such caravan.* key (the README's engine settings list them; check the spelling)");
        }
    }

    /** Relaxed binding's idea of one key: case, dashes and underscores do not count, nor [index]. */
    static String canonical(String key) {
        return key.toLowerCase(Locale.ROOT).replaceAll("\\[[^]]*]", "").replace("-", "").replace("_", "");
    }
}
