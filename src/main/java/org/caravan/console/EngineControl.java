package org.caravan.console;

import java.lang.management.ManagementFactory;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.caravan.delivery.ConfigReload;

/** The Engine MBean: reload without a restart, and when and how the last one went. */
public final class EngineControl implements EngineControlMBean, AutoCloseable {

    static final String NAME = "org.caravan:type=Engine";

    private final ConfigReload reload;
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;

    public EngineControl(ConfigReload reload) {
        this.reload = reload;
        try {
            name = new ObjectName(NAME);
            if (mbeans.isRegistered(name)) {
                mbeans.unregisterMBean(name); // a previous engine in the same JVM (tests) left it
            }
            mbeans.registerMBean(this, name);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + NAME, e);
        }
    }

    @Override
    public String getConfigPath() {
        return reload.file().toString();
    }

    @Override
    public String getLastReload() {
        return reload.lastReload() == null ? "" : reload.lastReload().toString();
    }

    @Override
    public String getLastReloadResult() {
        return reload.lastResult() == null ? "" : reload.lastResult().summary();
    }

    @Override
    public String reload() {
        return reload.reload().summary();
    }

    @Override
    public void close() {
        try {
            if (mbeans.isRegistered(name)) {
                mbeans.unregisterMBean(name);
            }
        } catch (JMException e) {
            // shutting down
        }
    }
}
