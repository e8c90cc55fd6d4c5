package org.caravan.intake;

import java.util.ArrayList;
import java.util.List;

import jakarta.jms.Message;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;
import org.apache.camel.Exchange;
import org.apache.camel.component.jms.MessageCreatedStrategy;

/**
 * Puts a rejected submission's property names back as the sender wrote them. camel-jms encodes
 * '-' and '.' (x-campaign becomes x_HYPHEN_campaign) because JMS only allows Java identifiers;
 * the core message accepts any name, and mail.invalid promises the original properties.
 */
public class KeepPropertyNames implements MessageCreatedStrategy {

    @Override
    public void onMessageCreated(Message message, Session session, Exchange exchange, Throwable cause) {
        if (!(message instanceof ActiveMQMessage artemis)) {
            return;
        }
        ClientMessage core = artemis.getCoreMessage();
        List<SimpleString> encoded = new ArrayList<>();
        for (SimpleString name : core.getPropertyNames()) {
            String n = name.toString();
            if (n.contains("_HYPHEN_") || n.contains("_DOT_")) {
                encoded.add(name);
            }
        }
        for (SimpleString name : encoded) {
            String original = name.toString().replace("_HYPHEN_", "-").replace("_DOT_", ".");
            core.putObjectProperty(SimpleString.of(original), core.removeProperty(name));
        }
    }
}
