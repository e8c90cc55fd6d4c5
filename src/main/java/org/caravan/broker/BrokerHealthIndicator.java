package org.caravan.broker;

import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/** DOWN when the embedded broker or one of its acceptors is not serving. */
@Component("broker")
public class BrokerHealthIndicator implements HealthIndicator {

    private final ObjectProvider<EmbeddedActiveMQ> broker;

    public BrokerHealthIndicator(ObjectProvider<EmbeddedActiveMQ> broker) {
        this.broker = broker;
    }

    @Override
    public Health health() {
        EmbeddedActiveMQ embedded = broker.getIfAvailable();
        if (embedded == null) {
            return Health.unknown().withDetail("mode", "external").build();
        }
        String down = AcceptorCheck.firstDown(embedded.getActiveMQServer());
        return down == null ? Health.up().build() : Health.down().withDetail("reason", down).build();
    }
}
