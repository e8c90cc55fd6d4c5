package org.caravan.broker;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Watches the file system of the embedded broker's journal against Artemis' max-disk-usage. At
 * that limit the broker blocks every send, also the retries and acks inside a delivery's
 * transaction; so, a few points earlier, the intake route is suspended (submissions wait on
 * mail.submit, where the broker's own limit later holds their producers back) and health turns
 * DOWN. Delivery goes on: each delivered message frees journal space. Intake resumes once usage
 * is a point below the threshold again.
 */
public final class JournalDiskGuard implements HealthIndicator, JournalDiskMBean, AutoCloseable {

    public static final String INTAKE_ROUTE = "intake";
    public static final String USED_GAUGE = "caravan.journal.disk.used";
    public static final String USED_BYTES_GAUGE = "caravan.journal.disk.used.bytes";
    /** Points below the broker's max-disk-usage at which intake stops, when not set. */
    static final double DEFAULT_MARGIN = 5;
    /** Points below the threshold usage must fall before intake resumes, so it does not flap. */
    static final double RESUME_GAP = 1;
    private static final Logger LOG = LoggerFactory.getLogger(JournalDiskGuard.class);

    private final ActiveMQServer server;
    private final CamelContext camel;
    private final Path journal;
    private final ScheduledExecutorService checks;
    private volatile double stopAtPercent;
    private volatile double usedPercent;
    private volatile long usedBytes;
    private volatile boolean suspended;
    private ObjectName mbean;

    /** stopAtPercent null: max-disk-usage minus {@link #DEFAULT_MARGIN}. */
    public JournalDiskGuard(ActiveMQServer server, CamelContext camel, MeterRegistry registry, Double stopAtPercent) {
        this.server = server;
        this.camel = camel;
        this.journal = server.getConfiguration().getJournalLocation().toPath();
        int max = getMaxDiskUsagePercent();
        this.stopAtPercent = stopAtPercent != null ? stopAtPercent
                : (max > 0 && max <= 100 ? max : 100) - DEFAULT_MARGIN;
        this.checks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "caravan-disk-guard");
            t.setDaemon(true);
            return t;
        });
        Gauge.builder(USED_GAUGE, this, g -> g.usedPercent / 100).baseUnit("ratio")
                .description("used share of the journal's file system").register(registry);
        Gauge.builder(USED_BYTES_GAUGE, this, g -> g.usedBytes).baseUnit("bytes")
                .description("bytes of the journal's file system not usable (as the ratio counts them)").register(registry);
        Gauge.builder("caravan.journal.disk.stop.at", this, g -> g.stopAtPercent / 100).baseUnit("ratio")
                .description("journal disk usage at which intake stops").register(registry);
    }

    /** Checks now and then every interval; called once the routes run. */
    public void start(Duration interval) {
        register();
        check();
        checks.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void check() {
        try {
            usedPercent = measure();
        } catch (IOException | RuntimeException e) {
            LOG.warn("journal disk {} could not be measured: {}", journal, e.toString());
            return;
        }
        try {
            if (!suspended && usedPercent >= stopAtPercent) {
                camel.getRouteController().suspendRoute(INTAKE_ROUTE);
                suspended = true;
                LOG.warn("journal disk {} is {}% used (intake stops at {}%, the broker blocks at {}%): intake suspended",
                        journal, round(usedPercent), round(stopAtPercent), getMaxDiskUsagePercent());
            } else if (suspended && usedPercent < stopAtPercent - RESUME_GAP) {
                camel.getRouteController().resumeRoute(INTAKE_ROUTE);
                suspended = false;
                LOG.warn("journal disk {} is {}% used: intake resumed", journal, round(usedPercent));
            }
        } catch (Exception e) {
            LOG.error("could not suspend or resume the intake route", e);
        }
    }

    /** As Artemis counts it: the share of the file system that is not usable. */
    private double measure() throws IOException {
        Path existing = journal;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        FileStore store = Files.getFileStore(existing == null ? Path.of(".") : existing);
        long total = store.getTotalSpace();
        long usable = store.getUsableSpace();
        usedBytes = Math.max(0, total - usable);
        return 100.0 * (1.0 - (double) usable / total);
    }

    @Override
    public Health health() {
        Health.Builder health = suspended ? Health.down() : Health.up();
        health.withDetail("journal", journal.toString())
                .withDetail("usedPercent", round(usedPercent))
                .withDetail("stopAtPercent", round(stopAtPercent))
                .withDetail("maxDiskUsagePercent", getMaxDiskUsagePercent());
        ServiceStatus intake = camel.getRouteController().getRouteStatus(INTAKE_ROUTE);
        if (suspended) {
            health.withDetail("intake", "suspended: journal disk nearly full (" + intake + ")");
        }
        return health.build();
    }

    @Override
    public double getUsedPercent() {
        return round(usedPercent);
    }

    @Override
    public double getStopAtPercent() {
        return stopAtPercent;
    }

    @Override
    public void setStopAtPercent(double percent) {
        stopAtPercent = validPercent(percent, "stop-at");
        checks.execute(this::check);
    }

    @Override
    public int getMaxDiskUsagePercent() {
        return server.getConfiguration().getMaxDiskUsage();
    }

    @Override
    public boolean isIntakeSuspended() {
        return suspended;
    }

    /** "85%" or "85" -> 85; null when blank (the default applies). */
    public static Double parseStopAt(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.strip();
        try {
            return validPercent(Double.parseDouble(t.endsWith("%") ? t.substring(0, t.length() - 1) : t),
                    "caravan.disk.stop-at");
        } catch (NumberFormatException e) {
            throw new IllegalStateException("caravan.disk.stop-at: not a percentage: " + text);
        }
    }

    private static double validPercent(double percent, String key) {
        if (!(percent > 0 && percent <= 100)) {
            throw new IllegalStateException(key + ": must be above 0% and at most 100%, not " + percent);
        }
        return percent;
    }

    private static double round(double percent) {
        return Math.round(percent * 100) / 100.0;
    }

    private void register() {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        try {
            mbean = new ObjectName("org.caravan:type=JournalDisk");
            if (mbeans.isRegistered(mbean)) {
                mbeans.unregisterMBean(mbean); // a previous engine in the same JVM (tests) left it
            }
            mbeans.registerMBean(new StandardMBean(this, JournalDiskMBean.class), mbean);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register JMX controls for the journal disk", e);
        }
    }

    @Override
    public void close() {
        checks.shutdownNow();
        try {
            MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
            if (mbean != null && mbeans.isRegistered(mbean)) {
                mbeans.unregisterMBean(mbean);
            }
        } catch (JMException e) {
            // shutting down; nothing to keep
        }
    }
}
