package org.caravan.intake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.nio.charset.StandardCharsets;

/**
 * A submission read: its envelope checked, split into one Delivery per recipient domain, and the
 * reasons for anything refused. Pure parsing, no Camel, so a unit test can feed it bytes.
 */
public final class Submission {

    /** The message properties a sender may set (the README's submission contract). */
    public record Properties(String rcptTo, String mailFrom, String vmta, String jobId, String envId) {
    }

    /**
     * What one submission may be: its size, its recipients (counted as listed, before parsing, so
     * a huge list costs no parsing), and its size times its domains (one stored copy per domain).
     */
    public record Limits(long maxMessageSize, int maxRecipients, long maxFanoutSize) {
    }

    /** One domain's share: normalized recipients, all in one domain. */
    public record DomainBatch(String domain, List<String> recipients) {
    }

    private final byte[] body;
    private final String messageId;
    private final String mailFrom;
    private final String vmta;
    private final List<DomainBatch> batches;
    private final List<Rejection> rejections;

    private Submission(byte[] body, String messageId, String mailFrom, String vmta, List<DomainBatch> batches,
            List<Rejection> rejections) {
        this.body = body;
        this.messageId = messageId;
        this.mailFrom = mailFrom;
        this.vmta = vmta;
        this.batches = batches;
        this.rejections = rejections;
    }

    /**
     * Reads a submission. A whole-message problem gives a Submission with no batches and one
     * rejection; bad recipients among good ones give a rejection each beside the batches.
     */
    public static Submission read(byte[] raw, Properties props, long maxSize, java.util.function.Predicate<String> knownVmta) {
        return read(raw, props, new Limits(maxSize, Integer.MAX_VALUE, Long.MAX_VALUE), knownVmta);
    }

    public static Submission read(byte[] raw, Properties props, Limits limits, java.util.function.Predicate<String> knownVmta) {
        long maxSize = limits.maxMessageSize();
        String crlf = firstWithLineBreak(props);
        if (crlf != null) {
            return refused(raw, RejectReason.CRLF_IN_PROPERTY, "property " + crlf + " contains CR or LF");
        }
        if (raw.length == 0 || isBlank(raw)) {
            return refused(raw, RejectReason.EMPTY_BODY, "empty message body");
        }
        if (raw.length > maxSize) {
            return refused(raw, RejectReason.OVERSIZE, raw.length + " bytes exceeds max-message-size " + maxSize);
        }
        String vmta = props.vmta() == null || props.vmta().isBlank() ? "default" : props.vmta().strip();
        if (!knownVmta.test(vmta)) {
            return refused(raw, RejectReason.UNKNOWN_VMTA, "no virtual-mta named '" + vmta + "'");
        }
        HeaderBlock headers;
        try {
            headers = HeaderBlock.scan(raw);
        } catch (MalformedMessageException e) {
            return refused(raw, RejectReason.UNPARSEABLE, e.getMessage());
        }
        HeaderBlock.TextFault fault = HeaderBlock.firstFault(raw);
        if (fault != null && fault.illegalAt() >= 0) {
            int illegal = fault.illegalAt();
            return refused(raw, RejectReason.UNPARSEABLE, (raw[illegal] == 0 ? "NUL byte" : "bare CR")
                    + " at byte " + illegal + " (binary content needs MIME encoding)");
        }
        if (fault != null) {
            return refused(raw, RejectReason.LINE_TOO_LONG, "line " + fault.line() + " has " + fault.length()
                    + " octets; RFC 5322 allows " + HeaderBlock.MAX_LINE_OCTETS + " (encode long lines, e.g. quoted-printable)");
        }
        String mailFrom = sender(props, headers);
        if (mailFrom == null) {
            return refused(raw, RejectReason.NO_SENDER, "no mailFrom property and no From header");
        }
        if (!mailFrom.isEmpty() && Addresses.normalize(mailFrom) == null) {
            return refused(raw, RejectReason.MALFORMED_SENDER, mailFrom);
        }
        return split(raw, headers, props, mailFrom.isEmpty() ? "" : Addresses.normalize(mailFrom), vmta, limits);
    }

    private static Submission split(byte[] raw, HeaderBlock headers, Properties props, String mailFrom, String vmta,
            Limits limits) {
        List<String> wanted = props.rcptTo() != null
                ? Addresses.splitTopLevel(props.rcptTo())
                : headerRecipients(headers);
        if (wanted.size() > limits.maxRecipients()) {
            return refused(raw, RejectReason.TOO_MANY_RECIPIENTS, wanted.size()
                    + " recipients exceeds max-rcpt-per-submission " + limits.maxRecipients());
        }
        List<Rejection> rejections = new ArrayList<>();
        Map<String, LinkedHashSet<String>> byDomain = new LinkedHashMap<>();
        for (String candidate : wanted) {
            String rcpt = Addresses.normalize(candidate);
            if (rcpt == null) {
                rejections.add(new Rejection(RejectReason.MALFORMED_ADDRESS, candidate.strip(), List.of(candidate.strip())));
                continue;
            }
            byDomain.computeIfAbsent(Addresses.domainOf(rcpt), d -> new LinkedHashSet<>()).add(rcpt);
        }
        if (byDomain.isEmpty() && rejections.isEmpty()) {
            return refused(raw, RejectReason.NO_RECIPIENTS, "no rcptTo property and no To, Cc or Bcc recipients");
        }
        if ((double) raw.length * byDomain.size() > limits.maxFanoutSize()) {
            return refused(raw, RejectReason.FANOUT_TOO_LARGE, raw.length + " bytes x " + byDomain.size()
                    + " domains exceeds max-fanout-size " + limits.maxFanoutSize() + " (one queued copy per domain)");
        }
        // Resent-Bcc hides the recipients of a resent message as Bcc does those of the original
        byte[] body = headers.without("Bcc", "Resent-Bcc");
        String messageId = headers.first("Message-ID");
        if (messageId == null || messageId.isBlank()) {
            if (messageId != null) {
                body = HeaderBlock.scanUnchecked(body).without("Message-ID"); // one Message-ID field, per RFC 5322 3.6
            }
            messageId = "<" + UUID.randomUUID() + "@caravan.invalid>";
            body = prepend("Message-ID: " + messageId + "\r\n", body);
        }
        List<DomainBatch> batches = new ArrayList<>();
        byDomain.forEach((domain, rcpts) -> batches.add(new DomainBatch(domain, List.copyOf(rcpts))));
        return new Submission(body, messageId, mailFrom, vmta, batches, rejections);
    }

    private static List<String> headerRecipients(HeaderBlock headers) {
        List<String> out = new ArrayList<>();
        for (String field : new String[] {"To", "Cc", "Bcc"}) {
            for (String value : headers.all(field)) {
                out.addAll(Addresses.fromHeader(value));
            }
        }
        return out;
    }

    /** The envelope sender: the property, else the From header's first address; "" is the null sender. */
    private static String sender(Properties props, HeaderBlock headers) {
        if (props.mailFrom() != null) {
            String p = props.mailFrom().strip();
            return p.equals("<>") ? "" : p;
        }
        String from = headers.first("From");
        if (from == null) {
            return null;
        }
        List<String> addresses = Addresses.fromHeader(from);
        return addresses.isEmpty() ? from : addresses.get(0);
    }

    private static String firstWithLineBreak(Properties p) {
        String[][] named = {{"rcptTo", p.rcptTo()}, {"mailFrom", p.mailFrom()}, {"vmta", p.vmta()},
            {"jobId", p.jobId()}, {"envId", p.envId()}};
        for (String[] n : named) {
            if (n[1] != null && (n[1].indexOf('\r') >= 0 || n[1].indexOf('\n') >= 0)) {
                return n[0];
            }
        }
        return null;
    }

    private static boolean isBlank(byte[] raw) {
        for (byte b : raw) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    private static byte[] prepend(String line, byte[] body) {
        byte[] head = line.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /** This submission with other batches and rejections (recipients taken out at intake). */
    Submission with(List<DomainBatch> otherBatches, List<Rejection> otherRejections) {
        return new Submission(body, messageId, mailFrom, vmta, List.copyOf(otherBatches), List.copyOf(otherRejections));
    }

    /** A submission refused before its body was read (its type or size). */
    static Submission refusedUnread(Rejection why) {
        return new Submission(null, null, null, null, List.of(), List.of(why));
    }

    private static Submission refused(byte[] raw, RejectReason reason, String detail) {
        return new Submission(raw, null, null, null, List.of(), List.of(new Rejection(reason, detail, List.of())));
    }

    /** The bytes to send: as submitted, less Bcc, plus a Message-ID if it had none. */
    public byte[] body() {
        return body;
    }

    public String messageId() {
        return messageId;
    }

    public String mailFrom() {
        return mailFrom;
    }

    public String vmta() {
        return vmta;
    }

    public List<DomainBatch> batches() {
        return batches;
    }

    public List<Rejection> rejections() {
        return rejections;
    }
}
