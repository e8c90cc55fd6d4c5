package org.caravan.console;

import java.nio.file.Path;
import java.time.Clock;

import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.caravan.config.MtaConfig;
import org.caravan.delivery.ConfigReload;
import org.caravan.delivery.DeliveryLines;
import org.caravan.delivery.DeliveryRoutes;
import org.caravan.delivery.StrandedQueues;
import org.caravan.routing.DomainClassifier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Steering without a restart: reload of mta.yaml over JMX (org.caravan:type=Engine) and POST /api/reload. */
@Configuration(proxyBeanMethods = false)
public class SteeringConfiguration {

    @Bean
    ConfigReload configReload(@Value("${caravan.config}") String path, MtaConfig started, DeliveryLines lines,
            DeliveryRoutes routes, DomainClassifier classifier, StrandedQueues stranded,
            ObjectProvider<EmbeddedActiveMQ> broker, Clock clock) {
        return new ConfigReload(Path.of(path), started, lines, routes, classifier, stranded, broker, clock);
    }

    /**
     * The Engine MBean registers itself as org.caravan:type=Engine. The bean is only its closer:
     * as a bean of its own class, Spring's MBean exporter would register it a second time under a
     * name of its making (which then collided between engines in one JVM).
     */
    @Bean(destroyMethod = "close")
    AutoCloseable engineControl(ConfigReload reload) {
        return new EngineControl(reload)::close;
    }
}
