package org.caravan.broker;

import java.util.function.BooleanSupplier;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.postoffice.Bindings;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;

/**
 * Whether an address of the embedded broker has any queue bound to it now, i.e. whether a message
 * published there would reach anyone: a map lookup in the broker's post office, cheap enough to
 * ask per message. True while the broker is not up or cannot say, so nothing is withheld by doubt.
 */
public final class EventSubscribers implements BooleanSupplier {

    private final EmbeddedActiveMQ broker;
    private final SimpleString address;

    public EventSubscribers(EmbeddedActiveMQ broker, String address) {
        this.broker = broker;
        this.address = SimpleString.of(address);
    }

    @Override
    public boolean getAsBoolean() {
        ActiveMQServer server = broker.getActiveMQServer();
        if (server == null || server.getPostOffice() == null) {
            return true;
        }
        try {
            Bindings bindings = server.getPostOffice().lookupBindingsForAddress(address);
            return bindings != null && bindings.size() > 0;
        } catch (Exception e) {
            return true;
        }
    }
}
