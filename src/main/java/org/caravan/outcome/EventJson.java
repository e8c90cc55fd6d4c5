package org.caravan.outcome;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.caravan.smtp.SmtpReply;

/**
 * Writes one DeliveryOutcome as the mail.events JSON object. Streams through a JsonGenerator
 * instead of an ObjectMapper: the field order is part of the contract and no reflection runs
 * per event. Thread-safe: the factory and the formatter are shared and immutable.
 */
public final class EventJson {

    /** ISO-8601 UTC, always with milliseconds, so that consumers can parse one fixed shape. */
    private static final TimeText TIME = new TimeText("uuuu-MM-dd'T'HH:mm:ss", "Z");

    private static final JsonFactory FACTORY = new JsonFactory();

    /** What writes the fields of one event object between its braces. */
    @FunctionalInterface
    public interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    /** An event time (epoch millis) in the one shape every event uses. */
    public static String time(long epochMillis) {
        return TIME.format(epochMillis);
    }

    /** One JSON object of the given fields, no trailing newline (events that are no outcome: warnings, modes). */
    public static String object(Fields fields) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** The event as one JSON object, no trailing newline. */
    public String toJson(DeliveryOutcome o) {
        SmtpReply reply = o.reply();
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", o.type().eventType());
            g.writeStringField("recipient", o.recipient());
            g.writeStringField("domain", o.domain());
            g.writeStringField("policy", o.policy());
            g.writeStringField("vmta", o.vmta());
            g.writeStringField("jobId", o.jobId());
            g.writeStringField("messageId", o.messageId());
            g.writeNumberField("attempt", o.attempt());
            g.writeNumberField("smtpCode", reply.code());
            g.writeStringField("enhancedCode", reply.enhancedCode());
            g.writeStringField("smtpText", reply.text());
            g.writeStringField("mx", o.mx());
            g.writeStringField("bounceCategory", o.bounceCategory() == null ? null : o.bounceCategory().label());
            g.writeStringField("queuedAt", TIME.format(o.queuedAt()));
            g.writeStringField("timestamp", TIME.format(o.timestamp()));
            g.writeStringField("envId", o.envId());
            g.writeStringField("mailFrom", o.mailFrom());
            if (o.tls() != null) {
                g.writeObjectFieldStart("tls");
                g.writeStringField("protocol", o.tls().protocol());
                g.writeStringField("cipher", o.tls().cipher());
                g.writeBooleanField("verified", o.tls().verified());
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            // A StringWriter does not fail; this would be a bug in the generator.
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
