package org.caravan.config;

import java.nio.file.Path;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Checks the settings and loads mta.yaml as soon as the environment is known: before any bean,
 * so a bad file or an unknown caravan.* setting is reported within a second or two of the start,
 * and the broker and the web server never start on it (ConfigFailureAnalyzer prints it). The
 * engine's MtaConfig bean reads the same file again a moment later.
 */
public class EarlyConfigCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    /** Right after logging is set up, so the failure is printed in the log's format. */
    public static final int ORDER = LoggingApplicationListener.DEFAULT_ORDER + 1;

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ConfigurableEnvironment env = event.getEnvironment();
        try {
            KnownSettings.fromClasspath(event.getSpringApplication().getClassLoader()).check(env);
            String path = env.getProperty("caravan.config");
            if (path == null || path.isBlank()) {
                throw new ConfigException("caravan.config: empty (the policy file, e.g. config/mta.yaml)");
            }
            MtaConfigLoader.load(Path.of(path));
        } catch (ConfigException e) {
            // wrapped: the failure analyzer finds the ConfigException as the root cause, as for a bean's
            throw new IllegalStateException("Caravan cannot start: " + e.getMessage(), e);
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
