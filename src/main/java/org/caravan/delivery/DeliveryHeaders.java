package org.caravan.delivery;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

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
    /**
     * The delivery's priority, as the JMS priority of the message (the broker orders a queue by
     * it): camel-jms sets it from this header on endpoints with preserveMessageQos.
     */
    public static final String PRIORITY = "JMSPriority";
    /** With preserveMessageQos the delivery mode comes from the headers too: always persistent. */
    static final String DELIVERY_MODE = "JMSDeliveryMode";
    /**
     * The queue a route's static jms endpoint sends the message to instead of its own (camel-jms
     * reads and drops it; Camel* headers never reach JMS). One endpoint for every policy queue: a
     * toD would normalise and look up an endpoint URI per message (14% of intake's CPU samples).
     */
    public static final String DESTINATION = "CamelJmsDestinationName";
    /** Artemis' scheduled delivery time: epoch millis, and it must be a Long (a String is ignored). */
    public static final String SCHEDULED_AT = "_AMQ_SCHED_DELIVERY";

    /** Streaming, not data binding: a list of strings needs no serializer lookup per message. */
    private static final JsonFactory JSON = new JsonFactory();

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
        headers.put(PRIORITY, d.priority());
        headers.put(DELIVERY_MODE, jakarta.jms.DeliveryMode.PERSISTENT);
    }

    public static Delivery read(byte[] body, Map<String, Object> headers) {
        return read(body, (Function<String, Object>) headers::get);
    }

    /**
     * Straight off the JMS message: a Camel header lookup would first copy every JMS property and
     * field into a header map, per message (1.6% of the engine's CPU in the benchmark).
     */
    public static Delivery read(byte[] body, jakarta.jms.Message jms) {
        return read(body, (Function<String, Object>) name -> {
            try {
                return PRIORITY.equals(name) ? Integer.valueOf(jms.getJMSPriority()) : jms.getObjectProperty(name);
            } catch (jakarta.jms.JMSException e) {
                throw new IllegalArgumentException("delivery message with unreadable " + name, e);
            }
        });
    }

    private static Delivery read(byte[] body, Function<String, Object> headers) {
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
                num(headers, ATTEMPT).intValue(),
                priority(headers));
    }

    /** A message queued before priorities were carried, or sent without one, has JMS' default. */
    private static int priority(Function<String, Object> headers) {
        Object v = headers.apply(PRIORITY);
        int p = v instanceof Number n ? n.intValue() : v == null ? Delivery.NORMAL_PRIORITY : Integer.parseInt(v.toString());
        return p < 0 || p > 9 ? Delivery.NORMAL_PRIORITY : p;
    }

    static String recipientsJson(List<String> recipients) {
        StringWriter out = new StringWriter(recipients.size() * 32 + 2);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (String r : recipients) {
                g.writeString(r);
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write recipients as JSON", e);
        }
        return out.toString();
    }

    private static List<String> recipients(Function<String, Object> headers) {
        String rcptTo = str(headers, RCPT_TO);
        if (rcptTo == null) {
            throw new IllegalArgumentException("delivery message without " + RCPT_TO);
        }
        Object format = headers.apply(FORMAT);
        if (format == null) {
            return legacyRecipients(rcptTo);
        }
        int version = format instanceof Number n ? n.intValue() : Integer.parseInt(format.toString());
        if (version != CURRENT_FORMAT) {
            // thrown, the message is redelivered and then parked on mail.dead, never misread
            throw new IllegalArgumentException("delivery message in unknown format " + version);
        }
        return parseRecipients(rcptTo);
    }

    static List<String> parseRecipients(String rcptTo) {
        try (JsonParser p = JSON.createParser(rcptTo)) {
            List<String> out = new ArrayList<>();
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
                    out.add(p.getText());
                }
                if (t == JsonToken.END_ARRAY && p.nextToken() == null) {
                    return out;
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("delivery message with unreadable " + RCPT_TO, e);
        }
        throw new IllegalArgumentException("delivery message with unreadable " + RCPT_TO + ": not a JSON array of strings");
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

    private static String str(Function<String, Object> headers, String name) {
        Object v = headers.apply(name);
        return v == null ? null : v.toString();
    }

    private static Number num(Function<String, Object> headers, String name) {
        Object v = headers.apply(name);
        if (v instanceof Number n) {
            return n;
        }
        if (v == null) {
            throw new IllegalArgumentException("delivery message without " + name);
        }
        return Long.parseLong(v.toString());
    }
}
