package org.caravan.suppression;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.caravan.intake.IntakeProcessor;
import org.caravan.config.MtaConfig;
import org.caravan.config.SuppressionSettings;
import org.caravan.outcome.OutcomeRecorder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The suppression store, its hard-bounce feed, intake's check and the MBean. */
@Configuration(proxyBeanMethods = false)
public class SuppressionConfiguration {

    static final String OBJECT_NAME = "org.caravan:type=Suppression";

    @Bean(destroyMethod = "close")
    SuppressionStore suppressionStore(@Value("${caravan.data-dir}") String dataDir, MtaConfig config,
            OutcomeRecorder outcomes, IntakeProcessor intake) throws JMException {
        SuppressionSettings settings = config.suppression();
        SuppressionStore store = new SuppressionStore(Path.of(dataDir).resolve(settings.file()));
        if (settings.enabled()) {
            outcomes.listen(new HardBounceSuppressor(store, settings.categories()));
            intake.suppressWith(store::isSuppressed);
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(OBJECT_NAME);
        if (server.isRegistered(name)) {
            server.unregisterMBean(name); // an engine restarted in the same JVM
        }
        server.registerMBean(new Suppression(store), name);
        return store;
    }
}
