package org.caravan.intake;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;

/**
 * The body of a submission, read off the JMS message only once its type and size allow it. A
 * bytes body larger than max-message-size is never read past its header block (the broker says
 * how long it is), so a huge submission costs intake no more heap than its headers. Anything but
 * bytes or text (an ObjectMessage above all: reading it means deserializing the sender's classes)
 * is refused unread.
 *
 * @param bytes    the message to parse, or null when it is refused here
 * @param original what mail.invalid gets if it is refused: the body as submitted, text as a String,
 *                 bytes as byte[] (only the header block of an oversize one; empty for an unsupported one)
 * @param refusal  why it is refused before any parsing, or null
 */
record SubmittedBody(byte[] bytes, Object original, Rejection refusal) {

    /** Reads as much of the message as its type and size allow. */
    static SubmittedBody read(Message message, long maxSize) throws JMSException {
        if (message instanceof BytesMessage b) {
            return bytes(b, maxSize);
        }
        if (message instanceof TextMessage t) {
            return text(t, maxSize);
        }
        String type = message == null ? "no message" : jmsType(message);
        return new SubmittedBody(null, new byte[0], new Rejection(RejectReason.UNSUPPORTED_BODY,
                type + " (send the RFC 5322 message as a bytes or text message); body not kept", List.of()));
    }

    private static SubmittedBody bytes(BytesMessage b, long maxSize) throws JMSException {
        long length = b.getBodyLength();
        if (length > maxSize) {
            byte[] head = headerBlock(b);
            return new SubmittedBody(null, head, oversize(length, maxSize));
        }
        byte[] all = new byte[(int) length];
        b.readBytes(all);
        return new SubmittedBody(all, all, null);
    }

    /**
     * The JMS client has the whole text in memory once it hands the message over, so the bound on
     * a text submission is the broker's; intake measures its UTF-8 size and keeps only the header
     * block of an oversize one.
     */
    private static SubmittedBody text(TextMessage t, long maxSize) throws JMSException {
        String text = t.getText();
        if (text == null) {
            return new SubmittedBody(new byte[0], "", null);
        }
        // more chars than allowed bytes is oversize unencoded; else the encoding (at most 3 bytes
        // a char, so bounded) is the measure, with no pass of its own
        byte[] all = text.length() > maxSize ? null : text.getBytes(StandardCharsets.UTF_8);
        long length = all == null ? text.length() : all.length;
        if (length > maxSize) {
            String head = new String(headerBlockOf(text), StandardCharsets.UTF_8);
            return new SubmittedBody(null, head, oversize(length, maxSize));
        }
        return new SubmittedBody(all, text, null);
    }

    private static Rejection oversize(long length, long maxSize) {
        return new Rejection(RejectReason.OVERSIZE, length + " bytes exceeds max-message-size " + maxSize
                + "; body not read, header block only kept", List.of());
    }

    /** Reads up to and including the blank line that ends the header block, at most MAX_HEADER_BYTES. */
    private static byte[] headerBlock(BytesMessage b) throws JMSException {
        byte[] head = new byte[(int) Math.min(b.getBodyLength(), HeaderBlock.MAX_HEADER_BYTES)];
        byte[] chunk = new byte[8192];
        int filled = 0;
        int n;
        while (filled < head.length && (n = b.readBytes(chunk, Math.min(chunk.length, head.length - filled))) > 0) {
            System.arraycopy(chunk, 0, head, filled, n);
            int end = HeaderBlock.headerEnd(head, Math.max(0, filled - 2), filled + n);
            filled += n;
            if (end >= 0) {
                return Arrays.copyOf(head, end);
            }
        }
        return Arrays.copyOf(head, filled);
    }

    private static byte[] headerBlockOf(String text) {
        byte[] start = text.substring(0, Math.min(text.length(), HeaderBlock.MAX_HEADER_BYTES)).getBytes(StandardCharsets.UTF_8);
        int end = HeaderBlock.headerEnd(start, 0, start.length);
        return end < 0 ? start : Arrays.copyOf(start, end);
    }

    private static String jmsType(Message m) {
        for (Class<?> type : new Class<?>[] {jakarta.jms.ObjectMessage.class, jakarta.jms.MapMessage.class,
            jakarta.jms.StreamMessage.class}) {
            if (type.isInstance(m)) {
                return type.getSimpleName();
            }
        }
        return "a message without a body";
    }
}
