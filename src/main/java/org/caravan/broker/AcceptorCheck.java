package org.caravan.broker;

import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;

/**
 * Artemis only logs a failed bind (AMQ224104) and starts anyway; an MTA whose port is taken
 * by another process must not pretend to be up, so the start and the health check ask here.
 */
public final class AcceptorCheck {

    private AcceptorCheck() {
    }

    /** Names the first acceptor that is not listening, or returns null when all are. */
    public static String firstDown(ActiveMQServer server) {
        if (server == null || !server.isActive()) {
            return "broker not active";
        }
        for (Acceptor acceptor : server.getRemotingService().getAcceptors().values()) {
            if (!acceptor.isStarted()) {
                Object host = acceptor.getConfiguration().get("host");
                Object port = acceptor.getConfiguration().get("port");
                return "acceptor " + acceptor.getName() + " is not listening on " + host + ":" + port + " (port in use?)";
            }
        }
        return null;
    }

    /**
     * Fails the start when an acceptor is down, after stopping the broker: a broker left running
     * keeps the journal lock, and Spring's retry of the bean would wait on that lock forever.
     */
    static void requireStarted(EmbeddedActiveMQ broker) {
        String down = firstDown(broker.getActiveMQServer());
        if (down != null) {
            StringBuilder configured = new StringBuilder();
            for (var acceptor : broker.getConfiguration().getAcceptorConfigurations()) {
                if (acceptor.getParams().containsKey("port")) {
                    configured.append(", acceptor ").append(acceptor.getName()).append(" configured on ")
                            .append(acceptor.getParams().get("host")).append(':').append(acceptor.getParams().get("port"));
                }
            }
            down += configured;
            try {
                broker.stop();
            } catch (Exception e) {
                // failing anyway; the reason that matters is the acceptor
            }
            throw new IllegalStateException("embedded broker failed to start: " + down);
        }
    }
}
