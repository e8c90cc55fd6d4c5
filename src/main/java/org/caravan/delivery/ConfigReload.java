package org.caravan.delivery;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.caravan.config.ConfigException;
import org.caravan.config.DkimKeySpec;
import org.caravan.config.DomainPolicy;
import org.caravan.config.MtaConfig;
import org.caravan.config.MtaConfigLoader;
import org.caravan.config.VirtualMta;
import org.caravan.routing.DomainClassifier;
import org.caravan.smtp.SmtpSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Re-reads mta.yaml (the file the engine started with) and applies it without a restart, as
 * PowerMTA's {@code pmta reload}: changed limits, retries, backoff blocks and next hops per line;
 * changed match and mx-match patterns (the classifier swapped whole); a new policy gets its lines
 * and routes from the delivery template; a removed policy's routes stop and its queued mail moves
 * to the policies that now match (as {@link StrandedQueues} does at start).
 *
 * <p>Every limit is set to what the file says, a value changed at run time over JMX, the console
 * or the CLI included: after a reload the engine runs on the file. Backoff mode is state, not
 * config, and is kept. A file that does not load, or that changes what only a start can apply
 * (virtual MTAs, pools, DKIM keys, the top-level sizes, a policy's SMTP timeouts and TLS keys),
 * is refused whole: nothing changes and the engine keeps running on the config it has.
 */
public final class ConfigReload {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReload.class);
    /** "file:line: key.path: what is wrong", as {@link ConfigException} words it. */
    private static final Pattern AT_LINE = Pattern.compile("^(.+?):(\\d+): ([^:]+): (.*)$", Pattern.DOTALL);

    /** What a reload did: applied or not, one line per change, the error when refused. */
    public record Result(boolean applied, List<String> changes, Problem error) {

        public Result {
            changes = List.copyOf(changes);
        }

        /** One line for logs and JMX: "applied: 3 changes" / "refused: ...". */
        public String summary() {
            if (!applied) {
                return "refused: " + error.message();
            }
            return changes.isEmpty() ? "applied: no changes" : "applied: " + String.join("; ", changes);
        }
    }

    /** Why a reload was refused; line and key are null where the problem has none (a missing file). */
    public record Problem(String file, Integer line, String key, String message) {

        static Problem of(ConfigException e, Path file) {
            Matcher m = AT_LINE.matcher(e.getMessage());
            if (m.matches()) {
                return new Problem(m.group(1), Integer.valueOf(m.group(2)), m.group(3), e.getMessage());
            }
            return new Problem(file.toString(), null, null, e.getMessage());
        }
    }

    private final Path file;
    private final DeliveryLines lines;
    private final DeliveryRoutes routes;
    private final DomainClassifier classifier;
    private final StrandedQueues stranded;
    private final ObjectProvider<EmbeddedActiveMQ> broker;
    private final Clock clock;
    private MtaConfig current;
    private volatile Instant lastReload;
    private volatile Result lastResult;

    public ConfigReload(Path file, MtaConfig started, DeliveryLines lines, DeliveryRoutes routes,
            DomainClassifier classifier, StrandedQueues stranded, ObjectProvider<EmbeddedActiveMQ> broker,
            Clock clock) {
        this.file = file;
        this.current = started;
        this.lines = lines;
        this.routes = routes;
        this.classifier = classifier;
        this.stranded = stranded;
        this.broker = broker;
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    /** When the last reload was asked for (applied or refused); null before the first. */
    public Instant lastReload() {
        return lastReload;
    }

    public Result lastResult() {
        return lastResult;
    }

    /** Reads the file and applies it, or refuses it whole; one reload at a time. */
    public synchronized Result reload() {
        lastReload = clock.instant();
        Result result;
        try {
            result = apply(MtaConfigLoader.load(file));
        } catch (ConfigException e) {
            result = new Result(false, List.of(), Problem.of(e, file));
        } catch (RuntimeException e) {
            // a value the loader let through but a constructor refused
            result = new Result(false, List.of(), new Problem(file.toString(), null, null, file + ": " + e.getMessage()));
        }
        if (result.applied()) {
            LOG.info("reload of {}: {} changes", file, result.changes().size());
        } else {
            LOG.warn("reload of {} refused, still running on the previous config: {}", file, result.error().message());
        }
        lastResult = result;
        return result;
    }

    private Result apply(MtaConfig next) {
        List<String> restart = restartOnly(current, next);
        if (!restart.isEmpty()) {
            return new Result(false, List.of(), new Problem(file.toString(), null, restart.get(0),
                    file + ": only a restart applies " + String.join(", ", restart) + "; nothing was changed"));
        }
        List<String> changes = new ArrayList<>();
        List<DeliveryLine> added = new ArrayList<>();
        try {
            for (DomainPolicy policy : next.policies().values()) {
                if (!current.policies().containsKey(policy.name())) {
                    for (VirtualMta vmta : next.virtualMtas().values()) {
                        added.add(addLine(vmta, policy));
                    }
                }
            }
        } catch (Exception e) {
            for (DeliveryLine line : added) {
                removeLine(line);
            }
            return new Result(false, List.of(), new Problem(file.toString(), null, null,
                    file + ": a new policy's delivery route could not be built: " + e + "; nothing was changed"));
        }
        for (DeliveryLine line : added) {
            note(changes, "policy " + line.policyName() + " added: vmta " + line.vmta() + ", queue "
                    + Delivery.queueOf(line.vmta(), line.policyName()));
        }
        for (DeliveryLine line : lines.all()) {
            DomainPolicy policy = next.policies().get(line.policyName());
            if (policy != null && !added.contains(line)) {
                for (String change : line.state().reconfigure(policy)) {
                    note(changes, line.vmta() + "/" + line.policyName() + ": " + change);
                }
                ActiveMQServer server = server();
                if (server != null) {
                    PacedQueues.follow(server, line.vmta(), policy);
                }
            }
        }
        // from here intake classifies by the new file: new queues exist, removed ones get no more mail
        classifier.reconfigure(next);
        stranded.reconfigure(next);
        MtaConfig before = current;
        current = next;
        for (DeliveryLine line : lines.all()) {
            if (!next.policies().containsKey(line.policyName())) {
                removeLine(line);
                note(changes, "policy " + line.policyName() + " removed: vmta " + line.vmta() + ", route stopped");
            }
        }
        if (before.policies().keySet().stream().anyMatch(p -> !next.policies().containsKey(p))) {
            Map<String, Integer> moved = stranded.moveUnowned();
            if (!moved.isEmpty()) {
                note(changes, "mail of removed policies moved: " + moved);
            }
        }
        return new Result(true, changes, null);
    }

    private DeliveryLine addLine(VirtualMta vmta, DomainPolicy policy) throws Exception {
        ActiveMQServer server = server();
        if (server != null) {
            PacedQueues.follow(server, vmta.name(), policy); // before any consumer starts on the queue
        }
        DeliveryLine line = lines.add(vmta, policy);
        try {
            routes.start(line);
        } catch (Exception e) {
            lines.remove(line);
            throw e;
        }
        return line;
    }

    private void removeLine(DeliveryLine line) {
        try {
            routes.stop(line);
        } catch (Exception e) {
            LOG.warn("{}: route did not stop cleanly: {}", DeliveryRoutes.routeId(line), e.toString());
        }
        lines.remove(line);
    }

    private static void note(List<String> changes, String change) {
        LOG.info("reload: {}", change);
        changes.add(change);
    }

    private ActiveMQServer server() {
        EmbeddedActiveMQ embedded = broker.getIfAvailable();
        return embedded == null ? null : embedded.getActiveMQServer();
    }

    /** The keys whose change only a restart applies: intake, pools, DKIM and SMTP sessions read them at start. */
    static List<String> restartOnly(MtaConfig was, MtaConfig next) {
        List<String> keys = new ArrayList<>();
        if (was.maxMessageSize() != next.maxMessageSize()) {
            keys.add("max-message-size");
        }
        if (was.maxRcptPerSubmission() != next.maxRcptPerSubmission()) {
            keys.add("max-rcpt-per-submission");
        }
        if (was.maxFanoutSize() != next.maxFanoutSize()) {
            keys.add("max-fanout-size");
        }
        for (String vmta : union(was.virtualMtas().keySet(), next.virtualMtas().keySet())) {
            if (!Objects.equals(was.virtualMtas().get(vmta), next.virtualMtas().get(vmta))) {
                keys.add("virtual-mtas." + vmta + (next.virtualMtas().containsKey(vmta)
                        ? (was.virtualMtas().containsKey(vmta) ? " (changed)" : " (added)") : " (removed)"));
            }
        }
        if (!was.virtualMtaPools().equals(next.virtualMtaPools())) {
            keys.add("virtual-mta-pools");
        }
        if (!dkim(was).equals(dkim(next))) {
            keys.add("dkim");
        }
        for (DomainPolicy policy : next.policies().values()) {
            DomainPolicy old = was.policies().get(policy.name());
            if (old == null) {
                continue;
            }
            String prefix = "domain-policies." + policy.name() + ".";
            if (!SmtpSettings.of(old).equals(SmtpSettings.of(policy))) {
                keys.add(prefix + "(timeouts, max-rcpt-per-transaction, max-reply-lines)");
            }
            if (!old.idleTimeout().equals(policy.idleTimeout())) {
                keys.add(prefix + "idle-timeout");
            }
            if (!old.tls().equals(policy.tls())) {
                keys.add(prefix + "(use-starttls, require-starttls, tls-verify, tls-fallback-for, mta-sts)");
            }
        }
        return keys;
    }

    /** DKIM keys as what they sign with, not where the file lists them (moved lines are no change). */
    private static Map<String, List<List<Object>>> dkim(MtaConfig config) {
        Map<String, List<List<Object>>> keys = new java.util.TreeMap<>();
        config.dkim().forEach((domain, specs) -> keys.put(domain, specs.stream()
                .map((DkimKeySpec k) -> List.<Object>of(k.selector(), String.valueOf(k.algorithm()), k.keyFile()))
                .toList()));
        return keys;
    }

    private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }
}
