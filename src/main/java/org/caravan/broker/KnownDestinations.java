package org.caravan.broker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import org.springframework.jms.support.destination.DestinationResolver;

/**
 * Resolves each queue or topic name once. Artemis' session.createQueue/createTopic asks the
 * broker whether the destination exists, a blocking round trip; Spring's default resolver calls
 * it for every send, so every submission paid one for its delivery queue and one per event
 * (seen in the profile). Artemis destinations are plain values, valid in any session.
 */
public final class KnownDestinations implements DestinationResolver {

    private final Map<String, Destination> queues = new ConcurrentHashMap<>();
    private final Map<String, Destination> topics = new ConcurrentHashMap<>();

    @Override
    public Destination resolveDestinationName(Session session, String name, boolean pubSubDomain) throws JMSException {
        Map<String, Destination> known = pubSubDomain ? topics : queues;
        Destination destination = known.get(name);
        if (destination == null) {
            destination = pubSubDomain ? session.createTopic(name) : session.createQueue(name);
            known.put(name, destination);
        }
        return destination;
    }
}
