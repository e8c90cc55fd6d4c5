package org.caravan;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.jms.activemq.ActiveMQAutoConfiguration;

/**
 * Boots the engine; everything else is wired by configuration and routes. The OpenWire protocol
 * jar brings ActiveMQ Classic's client, whose auto-configuration would shadow Artemis': excluded.
 */
@SpringBootApplication(exclude = ActiveMQAutoConfiguration.class)
public class CaravanApplication {
    public static void main(String[] args) {
        SpringApplication.run(CaravanApplication.class, args);
    }
}
