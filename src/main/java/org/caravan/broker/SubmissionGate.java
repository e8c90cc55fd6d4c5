package org.caravan.broker;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;

/**
 * The embedded broker's check on what enters mail.submit, for every protocol: a message larger
 * than the limit is refused to its sender (a JMS exception, a STOMP ERROR frame, an AMQP
 * rejection) instead of being journalled and handed to intake, and every accepted submission is
 * stamped with how it came in, for the Received: trace field intake adds.
 */
public final class SubmissionGate implements ActiveMQServerMessagePlugin {

    public static final String SUBMIT = "mail.submit";
    /** Stamped by the broker: the submitting client's IP address. Whatever a sender set there is replaced. */
    public static final String CLIENT = "caravanClient";
    /** Stamped by the broker: the protocol the submission came in over (CORE, AMQP, STOMP, OPENWIRE). */
    public static final String PROTOCOL = "caravanProtocol";
    /**
     * Room above max-message-size: Artemis stores a text body as UTF-16 (two bytes a character) and
     * the message's properties and headers come on top; intake measures the body exactly.
     */
    static final long HEADROOM = 64 * 1024;

    private final long maxBytes;

    /** maxMessageSize: mta.yaml's max-message-size; the broker allows twice that plus headroom. */
    public SubmissionGate(long maxMessageSize) {
        this.maxBytes = Math.multiplyExact(maxMessageSize, 2) + HEADROOM;
    }

    public long maxBytes() {
        return maxBytes;
    }

    @Override
    public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct,
            boolean noAutoCreateQueue) throws ActiveMQException {
        if (!SUBMIT.equals(message.getAddress())) {
            return;
        }
        long size = message.getWholeMessageSize();
        if (size > maxBytes) {
            ActiveMQException refused = new ActiveMQException(ActiveMQExceptionType.ILLEGAL_STATE, "submission of "
                    + size + " bytes refused: mail.submit takes at most " + maxBytes + " bytes (max-message-size)");
            if (tx != null) {
                // a transacted sender must learn it at commit: the broker only logs a failed send there
                tx.markAsRollbackOnly(refused);
            }
            throw refused;
        }
        if (session != null && session.getRemotingConnection() != null) {
            message.putStringProperty(CLIENT, clientAddress(session.getRemotingConnection().getRemoteAddress()));
            message.putStringProperty(PROTOCOL, session.getRemotingConnection().getProtocolName());
        }
    }

    /** "/127.0.0.1:54321", "host/192.0.2.1:54321" or "/[::1]:54321" -> the IP address alone. */
    static String clientAddress(String remote) {
        if (remote == null) {
            return "";
        }
        String a = remote.substring(remote.lastIndexOf('/') + 1);
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            return close < 0 ? a : a.substring(1, close);
        }
        int colon = a.lastIndexOf(':');
        return colon > 0 && a.indexOf(':') == colon ? a.substring(0, colon) : a;
    }
}
