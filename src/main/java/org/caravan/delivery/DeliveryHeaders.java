package org.caravan.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How a Delivery is carried as JMS message properties: the on-queue format of mail.deliver.*,
 * read back by whatever engine version is running when the message comes due (days later,
 * perhaps after an upgrade). Names have no '.' or '-' so camel-jms passes them unencoded and
 * operators see them as written in the Artemis console.
 *
 * <p>Format 2 carries the recipients as a JSON array of strings: a quoted local part may hold
 * commas, so no separator character can delimit addresses. A message without {@link #FORMAT}
 * was queued by an engine before format 2 and lists them comma-separated.
 */
public final class DeliveryHeaders {

    public static final String RCPT_TO = "rcptTo";
    /** The on-queue format version; absent on messages queued before it existed (format 1). */
    public static final String FORMAT = "caravanFormat";
    public static final int CURRENT_FORMAT = 2;
    public static final String MAIL_FROM = "mailFrom";
    public static final String VMTA = "vmta";
    public static final String POLICY = "policy";
    public static final String DOMAIN = "domain";
    public static final String JOB_ID = "jobId";
    public static final String ENV_ID = "envId";
    public static final String MESSAGE_ID = "messageId";
    public static final String ATTEMPT = "attempt";
    public static final String QUEUED_AT = "queuedAt";
    /** Artemis' scheduled delivery time: epoch millis, and it must be a Long (a String is ignored). */
    public static final String SCHEDULED_AT = "_AMQ_SCHED_DELIVERY";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private DeliveryHeaders() {
    }

    public static void write(Delivery d, Map<String, Object> headers) {
        headers.put(FORMAT, CURRENT_FORMAT);
        headers.put(RCPT_TO, recipientsJson(d.recipients()));
        headers.put(MAIL_FROM, d.mailFrom());
        headers.put(VMTA, d.vmta());
        headers.put(POLICY, d.policy());
        headers.put(DOMAIN, d.domain());
        if (d.jobId() != null) {
            headers.put(JOB_ID, d.jobId());
        }
        if (d.envId() != null) {
            headers.put(ENV_ID, d.envId());
        }
        headers.put(MESSAGE_ID, d.messageId());
        headers.put(ATTEMPT, d.attempt());
        headers.put(QUEUED_AT, d.queuedAt());
    }

    public static Delivery read(byte[] body, Map<String, Object> headers) {
        return new Delivery(body,
                str(headers, MESSAGE_ID),
                str(headers, MAIL_FROM),
                recipients(headers),
                str(headers, DOMAIN),
                str(headers, POLICY),
                str(headers, VMTA),
                str(headers, JOB_ID),
                str(headers, ENV_ID),
                num(headers, QUEUED_AT).longValue(),
                num(headers, ATTEMPT).intValue());
    }

    static String recipientsJson(List<String> recipients) {
        try {
            return JSON.writeValueAsString(recipients);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write recipients as JSON", e);
        }
    }

    private static List<String> recipients(Map<String, Object> headers) {
        String rcptTo = str(headers, RCPT_TO);
        if (rcptTo == null) {
            throw new IllegalArgumentException("delivery message without " + RCPT_TO);
        }
        Object format = headers.get(FORMAT);
        if (format == null) {
            return legacyRecipients(rcptTo);
        }
        int version = format instanceof Number n ? n.intValue() : Integer.parseInt(format.toString());
        if (version != CURRENT_FORMAT) {
            // thrown, the message is redelivered and then parked on mail.dead, never misread
            throw new IllegalArgumentException("delivery message in unknown format " + version);
        }
        try {
            return JSON.readValue(rcptTo, STRINGS);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("delivery message with unreadable " + RCPT_TO, e);
        }
    }

    /**
     * Format 1: comma-separated. Split only at commas outside double quotes, so that even a
     * queued message with a quoted local part is read as the one address it was.
     */
    static List<String> legacyRecipients(String rcptTo) {
        List<String> out = new ArrayList<>();
        boolean quoted = false;
        int from = 0;
        for (int i = 0; i < rcptTo.length(); i++) {
            char c = rcptTo.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(rcptTo.substring(from, i));
                from = i + 1;
            }
        }
        out.add(rcptTo.substring(from));
        out.removeIf(String::isBlank);
        return out;
    }

    private static String str(Map<String, Object> headers, String name) {
        Object v = headers.get(name);
        return v == null ? null : v.toString();
    }

    private static Number num(Map<String, Object> headers, String name) {
        Object v = headers.get(name);
        if (v instanceof Number n) {
            return n;
        }
        if (v == null) {
            throw new IllegalArgumentException("delivery message without " + name);
        }
        return Long.parseLong(v.toString());
    }
}
