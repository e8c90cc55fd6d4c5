package org.caravan.intake;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.caravan.config.MtaConfig;
import org.caravan.config.VirtualMta;
import org.caravan.outcome.ComplianceWarning;
import org.caravan.outcome.OutcomeRecorder;
import org.caravan.signing.DkimSigner;
import org.caravan.signing.EverySoOften;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What receivers check of the sender, at intake: a bulk vmta's mail must carry one-click
 * unsubscribe (RFC 2369 + RFC 8058) and be DKIM-signable by its From domain or a parent of it
 * (relaxed alignment), as Gmail and Yahoo require of bulk senders since 2024; and every message
 * gets its From domain's DKIM signatures once its headers are final.
 */
public final class SenderIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(SenderIdentity.class);
    private static final Pattern URI = Pattern.compile("<\\s*([^>]*?)\\s*>");
    private static final String ONE_CLICK = "List-Unsubscribe=One-Click";

    private final MtaConfig config;
    private final DkimSigner dkim;
    private final OutcomeRecorder outcomes;
    private final MeterRegistry metrics;
    private final Map<RejectReason, EverySoOften> logLines = new EnumMap<>(RejectReason.class);

    /** metrics may be null (no counter). */
    public SenderIdentity(MtaConfig config, DkimSigner dkim, OutcomeRecorder outcomes, MeterRegistry metrics) {
        this.config = config;
        this.dkim = dkim;
        this.outcomes = outcomes;
        this.metrics = metrics;
        logLines.put(RejectReason.BULK_NO_UNSUBSCRIBE, new EverySoOften(60_000));
        logLines.put(RejectReason.BULK_UNALIGNED_DKIM, new EverySoOften(60_000));
    }

    /**
     * The submission, or a refusal of the whole of it when its bulk vmta rejects what it lacks;
     * under bulk-compliance: warn, a warning event per rule broken and the submission as it was.
     * vmtaName is the vmta it leaves from (a pool's member already picked).
     */
    Submission comply(Submission s, String vmtaName, Submission.Properties props) {
        VirtualMta vmta = s.batches().isEmpty() ? null : config.virtualMtas().get(vmtaName);
        if (vmta == null || !vmta.bulk()) {
            return s;
        }
        List<Rejection> broken = bulkRulesBroken(s.body());
        if (broken.isEmpty()) {
            return s;
        }
        boolean reject = vmta.bulkCompliance() == VirtualMta.BulkCompliance.REJECT;
        for (Rejection r : broken) {
            count(r.reason(), vmta.name(), reject);
            logLines.get(r.reason()).run(() -> LOG.warn("bulk vmta {} {} mail that breaks a bulk-sender rule ({}), e.g. {}"
                    + " (logged at most once a minute)", vmta.name(), reject ? "rejects" : "sends", r.reasonText(), s.messageId()));
            if (!reject) {
                outcomes.warn(new ComplianceWarning(r.reason().code(), r.detail(), vmta.name(), props.jobId(),
                        s.messageId(), s.mailFrom(), System.currentTimeMillis()));
            }
        }
        return reject ? Submission.refusedUnread(broken.get(0)) : s;
    }

    /** The message with its DKIM signatures (see org.caravan.signing); itself when its From domain has no key. */
    byte[] sign(byte[] stamped, Submission s) {
        return stamped == null || !dkim.signsAnything() ? stamped : dkim.sign(stamped, fromDomain(s.body()));
    }

    private List<Rejection> bulkRulesBroken(byte[] body) {
        HeaderBlock h = HeaderBlock.scanUnchecked(body);
        List<Rejection> broken = new ArrayList<>(2);
        String unsubscribe = h.first("List-Unsubscribe");
        String post = h.first("List-Unsubscribe-Post");
        if (unsubscribe == null || !hasWebOrMailUri(unsubscribe)) {
            broken.add(new Rejection(RejectReason.BULK_NO_UNSUBSCRIBE,
                    "no List-Unsubscribe header with an https: or mailto: URI (RFC 2369)", List.of()));
        } else if (post == null || !post.strip().equalsIgnoreCase(ONE_CLICK)) {
            broken.add(new Rejection(RejectReason.BULK_NO_UNSUBSCRIBE,
                    "no 'List-Unsubscribe-Post: " + ONE_CLICK + "' header (RFC 8058 one-click unsubscribe)", List.of()));
        }
        String from = fromDomain(h);
        if (dkim.signingDomain(from) == null) {
            broken.add(new Rejection(RejectReason.BULK_UNALIGNED_DKIM, from == null ? "no From address to align a DKIM key with"
                    : "no DKIM key for the From domain " + from + " or a parent of it (dkim: block)", List.of()));
        }
        return broken;
    }

    private static boolean hasWebOrMailUri(String value) {
        Matcher m = URI.matcher(value);
        while (m.find()) {
            String uri = m.group(1).toLowerCase(Locale.ROOT);
            if (uri.startsWith("https://") || uri.startsWith("mailto:")) {
                return true;
            }
        }
        return false;
    }

    private static String fromDomain(byte[] body) {
        return body == null ? null : fromDomain(HeaderBlock.scanUnchecked(body));
    }

    /** The domain of the From header's first address, or null. */
    private static String fromDomain(HeaderBlock h) {
        String from = h.first("From");
        if (from == null) {
            return null;
        }
        List<String> addresses = Addresses.fromHeader(from);
        String first = addresses.isEmpty() ? null : Addresses.normalize(addresses.get(0));
        return first == null ? null : Addresses.domainOf(first);
    }

    private void count(RejectReason reason, String vmta, boolean rejected) {
        if (metrics != null) {
            Counter.builder("caravan.bulk.noncompliant").description("bulk mail that broke a bulk-sender rule at intake")
                    .tag("reason", reason.code()).tag("vmta", vmta).tag("action", rejected ? "rejected" : "warned")
                    .register(metrics).increment();
        }
    }
}
