package org.caravan.demo;

import java.nio.file.Path;

import org.caravan.config.ConfigException;
import org.caravan.config.EarlyConfigCheck;
import org.caravan.config.MtaConfigLoader;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Profiles;

/**
 * In the demo profile, before the broker or any route exists: the config must keep all mail on
 * 127.0.0.1 ({@link DemoProviders#requireLocalOnly}) and the broker must be the embedded one the
 * traffic generator submits to. Outside the demo profile it does nothing.
 */
public class DemoGuard implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ConfigurableEnvironment env = event.getEnvironment();
        if (!env.acceptsProfiles(Profiles.of("demo"))) {
            return;
        }
        if (!"embedded".equals(env.getProperty("spring.artemis.mode", "embedded"))) {
            throw new IllegalStateException("Caravan cannot start",
                    new ConfigException("spring.artemis.mode: the demo profile runs the embedded broker only"));
        }
        try {
            DemoProviders.requireLocalOnly(MtaConfigLoader.load(Path.of(env.getProperty("caravan.config"))));
        } catch (ConfigException e) {
            throw new IllegalStateException("Caravan cannot start: " + e.getMessage(), e);
        }
    }

    /** After the config's own check, so a bad file is reported as such first. */
    @Override
    public int getOrder() {
        return EarlyConfigCheck.ORDER + 1;
    }
}
