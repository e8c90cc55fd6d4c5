package org.caravan.suppression;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.caravan.intake.IntakeProcessor;
import org.caravan.outcome.BounceCategory;
import org.caravan.outcome.OutcomeRecorder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The suppression store, its hard-bounce feed, intake's check and the MBean. */
@Configuration(proxyBeanMethods = false)
public class SuppressionConfiguration {

    static final String OBJECT_NAME = "org.caravan:type=Suppression";

    @Bean(destroyMethod = "close")
    SuppressionStore suppressionStore(@Value("${caravan.data-dir}") String dataDir,
            @Value("${caravan.suppression.file:suppression/suppression.mv}") String file,
            @Value("${caravan.suppression.enabled:true}") boolean enabled,
            @Value("${caravan.suppression.categories:bad-mailbox,bad-domain}") String categories,
            OutcomeRecorder outcomes, IntakeProcessor intake) throws JMException {
        SuppressionStore store = new SuppressionStore(Path.of(dataDir).resolve(file));
        if (enabled) {
            outcomes.listen(new HardBounceSuppressor(store, categories(categories)));
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

    static Set<BounceCategory> categories(String list) {
        Set<BounceCategory> out = EnumSet.noneOf(BounceCategory.class);
        for (String c : list.split(",")) {
            String name = c.strip();
            if (name.isEmpty()) {
                continue;
            }
            BounceCategory found = null;
            for (BounceCategory b : BounceCategory.values()) {
                if (b.label().equals(name)) {
                    found = b;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("caravan.suppression.categories: unknown bounce category " + name);
            }
            out.add(found);
        }
        return out;
    }
}
