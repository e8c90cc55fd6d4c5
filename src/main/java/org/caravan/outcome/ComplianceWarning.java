package org.caravan.outcome;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A message sent although it breaks a rule its vmta is held to (bulk-compliance: warn): one
 * mail.events object of type "warning", beside the recipients' outcomes, so a sender's watcher
 * sees what to fix before the mailbox providers start refusing it.
 *
 * @param reason the rule broken, as the reject reason would name it (bulk-no-unsubscribe, ...)
 */
public record ComplianceWarning(String reason, String detail, String vmta, String jobId, String messageId,
        String mailFrom, long timestamp) {

    public static final String EVENT_TYPE = "warning";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final JsonFactory FACTORY = new JsonFactory();

    public String toJson() {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", EVENT_TYPE);
            g.writeStringField("reason", reason);
            g.writeStringField("detail", detail);
            g.writeStringField("vmta", vmta);
            g.writeStringField("jobId", jobId);
            g.writeStringField("messageId", messageId);
            g.writeStringField("mailFrom", mailFrom);
            g.writeStringField("timestamp", TIME.format(Instant.ofEpochMilli(timestamp)));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }
}
