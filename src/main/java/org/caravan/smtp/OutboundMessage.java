package org.caravan.smtp;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import org.caravan.config.TlsLevel;
import org.caravan.routing.NextHop;
import org.eclipse.angus.mail.smtp.SMTPMessage;

/**
 * One SMTP transaction to send: the submitted bytes as they are (never re-parsed into MIME, which
 * would cost a header parse and could alter the message), the envelope, where to connect, and
 * the reply each recipient got. It travels through camel-mail as the exchange body.
 */
public class OutboundMessage extends SMTPMessage {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final byte[] raw;
    private final String messageId;
    private final List<String> recipients;
    private final List<NextHop> nextHops;
    private final Map<String, SmtpReply> replies = new LinkedHashMap<>();
    /** Where in the dialogue each reply came; what a reply means may depend on it. */
    private final Map<String, SmtpStage> stages = new java.util.HashMap<>();
    private SmtpStage at = SmtpStage.CONNECT;
    private String answeredBy = "";
    private Boolean eightBit;
    private TlsLevel tlsDemand = TlsLevel.NONE;
    private TlsDetails tls;

    public OutboundMessage(Session session, byte[] raw, String messageId, String mailFrom,
            List<String> recipients, List<NextHop> nextHops) {
        super(session);
        this.raw = raw;
        this.messageId = messageId;
        this.recipients = List.copyOf(recipients);
        this.nextHops = List.copyOf(nextHops);
        setEnvelopeFrom(mailFrom == null || mailFrom.isEmpty() ? "<>" : mailFrom);
    }

    /** The envelope recipients as addresses for RCPT TO; the parse is lenient because intake validated them. */
    InternetAddress[] envelopeRecipients() {
        InternetAddress[] out = new InternetAddress[recipients.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new InternetAddress();
            out[i].setAddress(recipients.get(i));
        }
        return out;
    }

    /** The message as submitted, sent as it is. */
    byte[] raw() {
        return raw;
    }

    /** True when the raw bytes hold any octet above 127: such a body needs BODY=8BITMIME (RFC 6152). */
    boolean eightBit() {
        if (eightBit == null) {
            eightBit = anyHighBit(raw);
        }
        return eightBit;
    }

    /** Eight bytes per step: this runs over every delivery's whole body. */
    private static boolean anyHighBit(byte[] b) {
        int i = 0;
        for (; i + 8 <= b.length; i += 8) {
            if (((long) LONGS.get(b, i) & 0x8080808080808080L) != 0) {
                return true;
            }
        }
        for (; i < b.length; i++) {
            if (b[i] < 0) {
                return true;
            }
        }
        return false;
    }

    public List<String> recipients() {
        return recipients;
    }

    public List<NextHop> nextHops() {
        return nextHops;
    }

    /** Replies per recipient, in envelope order; empty until the sender ran. */
    public Map<String, SmtpReply> replies() {
        return replies;
    }

    /** The host that gave the replies ("127.0.0.1:2525"), empty when none answered. */
    public String answeredBy() {
        return answeredBy;
    }

    void answeredBy(String hop) {
        this.answeredBy = hop;
    }

    /** The least TLS this message's sessions must have beyond its line's own (raised by MTA-STS). */
    public TlsLevel tlsDemand() {
        return tlsDemand;
    }

    public void tlsDemand(TlsLevel level) {
        this.tlsDemand = level;
    }

    /** What protected the session that gave the replies; null when plain or none answered. */
    public TlsDetails tls() {
        return tls;
    }

    void tls(TlsDetails details) {
        this.tls = details;
    }

    /** Sets one reply for every recipient that has none yet. */
    public void replyToRest(SmtpReply reply) {
        for (String r : recipients) {
            if (replies.putIfAbsent(r, reply) == null) {
                stages.put(r, at);
            }
        }
    }

    void reply(String recipient, SmtpReply reply) {
        replies.put(recipient, reply);
        stages.put(recipient, at);
    }

    /** The dialogue has reached this stage: replies from now on were given at it. */
    void at(SmtpStage stage) {
        this.at = stage;
    }

    /** The stage at which the recipient's reply came (connect for one settled before any command). */
    public SmtpStage stageOf(String recipient) {
        return stages.getOrDefault(recipient, SmtpStage.CONNECT);
    }

    void clearReplies() {
        replies.clear();
        stages.clear();
        at = SmtpStage.CONNECT;
    }

    @Override
    public void writeTo(OutputStream os, String[] ignoreList) throws IOException {
        os.write(raw);
    }

    @Override
    public void writeTo(OutputStream os) throws IOException {
        os.write(raw);
    }

    @Override
    public String getMessageID() {
        return messageId;
    }

    @Override
    public int getSize() {
        return raw.length;
    }
}
