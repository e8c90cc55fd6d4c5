package org.caravan.broker;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.jms.connection.SingleConnectionFactory;

/**
 * The engine's own JMS client, whichever factory Boot builds (in-VM for the embedded broker,
 * netty for a native one, bare or inside its caching wrapper).
 *
 * <p>It never deserializes an ObjectMessage: no class is trusted. Artemis treats an EMPTY allow
 * list as "trust everything", so the deny list "*" is what closes it. Intake refuses
 * ObjectMessages unread anyway; this covers every other consumer, and any code that might call
 * getObject() on a message from a queue a submitter could write to.
 *
 * <p>What it sends below {@link #MIN_LARGE_MESSAGE_SIZE} travels as one packet and one journal
 * record. Artemis's default threshold (100 KiB) would make every larger delivery copy a "large
 * message": a file of its own, created, synced and deleted per message, sent in chunks, and on
 * Artemis 2.40 copied into the consumer's buffer one byte at a time (a 100 KB mail cost the
 * engine ~19 ms of CPU, mostly that copy). 256 KiB keeps ordinary mail in the journal and stays
 * clear of the journal's record limit (its buffer, 490 KiB by default); past that limit the
 * broker would turn the message into a large one itself.
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
public class EngineClient {

    public static final String DENY_ALL = "*";
    public static final int MIN_LARGE_MESSAGE_SIZE = 256 * 1024;

    @Bean
    static BeanPostProcessor engineClientSettings() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                ActiveMQConnectionFactory factory = artemis(bean);
                if (factory != null) {
                    factory.setDeserializationDenyList(DENY_ALL);
                    factory.setMinLargeMessageSize(MIN_LARGE_MESSAGE_SIZE);
                }
                return bean;
            }
        };
    }

    /** The Artemis factory a bean is or wraps; null for any other bean. */
    static ActiveMQConnectionFactory artemis(Object bean) {
        if (bean instanceof ActiveMQConnectionFactory factory) {
            return factory;
        }
        if (bean instanceof SingleConnectionFactory delegating
                && delegating.getTargetConnectionFactory() instanceof ActiveMQConnectionFactory factory) {
            return factory;
        }
        return null;
    }
}
