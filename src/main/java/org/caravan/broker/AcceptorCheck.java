package org.caravan.broker;

import org.apache.activemq.artemis.core.server.ActiveMQServer;
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
                return "acceptor " + acceptor.getName() + " is not listening (port in use?)";
            }
        }
        return null;
    }

    static void requireStarted(ActiveMQServer server) {
        String down = firstDown(server);
        if (down != null) {
            throw new IllegalStateException("embedded broker failed to start: " + down);
        }
    }
}
