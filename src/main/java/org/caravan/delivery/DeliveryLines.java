package org.caravan.delivery;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import jakarta.mail.Session;
import org.caravan.config.DomainPolicy;
import org.caravan.config.MtaConfig;
import org.caravan.config.VirtualMta;
import org.caravan.smtp.EhloName;
import org.caravan.smtp.PooledSmtpSender;
import org.caravan.smtp.SmtpConnectionPool;
import org.caravan.smtp.SmtpSessions;
import org.caravan.smtp.SmtpSettings;
import org.caravan.smtp.StartTls;
import org.caravan.smtp.TlsTrust;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All delivery lines, one per (vmta, policy) in config/mta.yaml, with their JMX controls and idle
 * sweeper. A reload adds and removes lines while mail flows: readers see one whole map or the next.
 */
public final class DeliveryLines implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLines.class);

    /** Copied on every change (a reload), never changed in place: the per-message lookups take no lock. */
    private volatile Map<String, DeliveryLine> lines = Map.of();
    private final List<Consumer<DeliveryLine>> whenAdded = new CopyOnWriteArrayList<>();
    private final List<Consumer<DeliveryLine>> whenRemoved = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService sweeper;
    private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
    private final Clock clock;
    private final TlsTrust trust;

    public DeliveryLines(MtaConfig config, Clock clock) {
        this(config, clock, TlsTrust.jvm());
    }

    /** trust: the roots a verified TLS certificate must chain to (tls-verify: hostname). */
    public DeliveryLines(MtaConfig config, Clock clock, TlsTrust trust) {
        this.clock = clock;
        this.trust = trust;
        for (VirtualMta vmta : config.virtualMtas().values()) {
            warnIfUnqualified(vmta);
            for (DomainPolicy policy : config.policies().values()) {
                add(vmta, policy);
            }
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "caravan-idle-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::evictIdle, 1, 1, TimeUnit.SECONDS);
    }

    private static DeliveryLine build(VirtualMta vmta, DomainPolicy policy, Clock clock, TlsTrust trust) {
        Session session = SmtpSessions.create(key(vmta.name(), policy.name()), vmta.ehlo(), vmta.smtpSourceHost(),
                SmtpSettings.of(policy));
        SmtpSessions.startTls(session, new StartTls(policy.tls(), trust, clock));
        SmtpConnectionPool pool = new SmtpConnectionPool(session, policy.maxSmtpOut(), policy.maxMsgPerConnection(),
                policy.maxConnRate(), policy.idleTimeout());
        PolicyState state = new PolicyState(vmta.name(), policy, pool, clock);
        PooledSmtpSender sender = new PooledSmtpSender(pool, session, state.messages());
        return new DeliveryLine(vmta.name(), policy.name(), session, pool, sender, state);
    }

    /** Receivers score or refuse an EHLO name that is not fully qualified; say so once per vmta at start. */
    private static void warnIfUnqualified(VirtualMta vmta) {
        String name = vmta.ehlo() != null ? vmta.ehlo() : EhloName.ofHost();
        if (name == null) {
            LOG.warn("vmta {}: the host has no name but localhost; EHLO gives the connection's address literal;"
                    + " set 'ehlo' in config/mta.yaml", vmta.name());
        } else if (!EhloName.qualified(name)) {
            LOG.warn("vmta {}: EHLO name '{}' is not fully qualified; receivers may refuse or score it;"
                    + " set 'ehlo' in config/mta.yaml (or /etc/mailname)", vmta.name(), name);
        }
    }

    /** Builds, registers (JMX) and adds the line of a (vmta, policy); its route is the caller's to build. */
    public synchronized DeliveryLine add(VirtualMta vmta, DomainPolicy policy) {
        DeliveryLine line = build(vmta, policy, clock, trust);
        Map<String, DeliveryLine> next = new LinkedHashMap<>(lines);
        next.put(line.key(), line);
        register(line);
        lines = java.util.Collections.unmodifiableMap(next);
        whenAdded.forEach(c -> c.accept(line));
        return line;
    }

    /**
     * Calls added for every line there is and for each one a reload adds later, and removed for
     * each line a reload takes out: what watches lines (metrics) follows the config.
     */
    public synchronized void follow(Consumer<DeliveryLine> added, Consumer<DeliveryLine> removed) {
        lines.values().forEach(added);
        whenAdded.add(added);
        whenRemoved.add(removed);
    }

    /** Takes a line out (its route already stopped): its connections closed, its JMX controls gone. */
    public synchronized void remove(DeliveryLine line) {
        Map<String, DeliveryLine> next = new LinkedHashMap<>(lines);
        if (next.remove(line.key()) == null) {
            return;
        }
        lines = java.util.Collections.unmodifiableMap(next);
        whenRemoved.forEach(c -> c.accept(line));
        retire(line);
    }

    /** The line of a (vmta, policy), or null when mta.yaml has no such pair (any more). */
    public DeliveryLine find(String vmta, String policy) {
        return lines.get(key(vmta, policy));
    }

    static String key(String vmta, String policy) {
        return vmta + "-" + policy;
    }

    /** The line of a delivery; an unknown pair is a bug (intake only routes to configured pairs). */
    public DeliveryLine get(String vmta, String policy) {
        DeliveryLine line = lines.get(key(vmta, policy));
        if (line == null) {
            throw new IllegalStateException("no delivery line for vmta " + vmta + " policy " + policy);
        }
        return line;
    }

    public Iterable<DeliveryLine> all() {
        return lines.values();
    }

    private void evictIdle() {
        for (DeliveryLine line : lines.values()) {
            line.pool().evictIdle();
        }
    }

    private ObjectName objectName(DeliveryLine line) throws JMException {
        return new ObjectName("org.caravan:type=Policy,vmta=" + line.vmta() + ",name=" + line.policyName());
    }

    private void register(DeliveryLine line) {
        try {
            ObjectName name = objectName(line);
            if (mbeans.isRegistered(name)) {
                mbeans.unregisterMBean(name); // a previous engine in the same JVM (tests) left it
            }
            mbeans.registerMBean(line.state(), name);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register JMX controls for " + line.key(), e);
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        for (DeliveryLine line : lines.values()) {
            retire(line);
        }
    }

    private void retire(DeliveryLine line) {
        line.pool().close();
        try {
            ObjectName name = objectName(line);
            if (mbeans.isRegistered(name)) {
                mbeans.unregisterMBean(name);
            }
        } catch (JMException e) {
            // the line is gone either way; nothing to keep
        }
    }
}
