package org.caravan.broker;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.jms.connection.SingleConnectionFactory;

/**
 * The engine's own JMS client never deserializes an ObjectMessage: no class is trusted. Artemis
 * treats an EMPTY allow list as "trust everything", so the deny list "*" is what closes it.
 * Intake refuses ObjectMessages unread anyway; this covers every other consumer, and any code
 * that might call getObject() on a message from a queue a submitter could write to.
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
public class NoDeserialization {

    public static final String DENY_ALL = "*";

    @Bean
    static BeanPostProcessor denyObjectMessageClasses() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                if (bean instanceof ActiveMQConnectionFactory factory) {
                    denyAll(factory);
                } else if (bean instanceof SingleConnectionFactory delegating
                        && delegating.getTargetConnectionFactory() instanceof ActiveMQConnectionFactory factory) {
                    denyAll(factory);
                }
                return bean;
            }
        };
    }

    static void denyAll(ActiveMQConnectionFactory factory) {
        factory.setDeserializationDenyList(DENY_ALL);
    }
}
