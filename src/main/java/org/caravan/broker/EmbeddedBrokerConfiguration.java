package org.caravan.broker;

import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.caravan.console.AdminLogin;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Turns Spring Boot's embedded Artemis (in-VM only, no security, not persistent) into the engine's
 * broker: persistent journal, one network acceptor for every protocol, logins with roles
 * ({@link BrokerRoles}: engine, submitter, admin), mail addresses that page instead of filling
 * the heap and park poison messages on mail.dead.
 * Active unless spring.artemis.mode=native points the engine at an external broker.
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "spring.artemis.mode", havingValue = "embedded", matchIfMissing = true)
@EnableConfigurationProperties(BrokerSettings.class)
public class EmbeddedBrokerConfiguration {

    public static final String DEAD_LETTERS = "mail.dead";

    @Bean
    ArtemisConfigurationCustomizer caravanBroker(BrokerSettings settings) {
        return config -> customize(config, settings);
    }

    static void customize(Configuration config, BrokerSettings settings) {
        try {
            config.addAcceptorConfiguration("netty", settings.acceptorUrl());
        } catch (Exception e) {
            throw new IllegalStateException("bad acceptor " + settings.acceptorUrl(), e);
        }
        config.setSecurityEnabled(true);
        BrokerRoles.grant(config);
        config.setJournalBufferTimeout_NIO((int) settings.journalBufferTimeoutNs());
        config.setJournalBufferTimeout_AIO((int) settings.journalBufferTimeoutNs());
        config.setJMXManagementEnabled(true);
        config.addAddressSetting("mail.#", new AddressSettings()
                .setDeadLetterAddress(SimpleString.of(DEAD_LETTERS))
                .setMaxDeliveryAttempts(settings.maxDeliveryAttempts())
                .setRedeliveryDelay(1000)
                .setRedeliveryMultiplier(2)
                .setMaxRedeliveryDelay(60_000)
                .setMaxSizeBytes(settings.addressMaxSizeMb() * 1024 * 1024)
                .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE)
                .setAutoCreateQueues(true)
                .setAutoCreateAddresses(true)
                // mail queues are the spool: never dropped because they are empty for a moment
                .setAutoDeleteQueues(false)
                .setAutoDeleteAddresses(false));
        for (String queue : new String[] {"mail.submit", "mail.invalid", DEAD_LETTERS}) {
            config.addQueueConfiguration(QueueConfiguration.of(queue).setRoutingType(RoutingType.ANYCAST).setDurable(true));
        }
    }

    /** Gives Boot's EmbeddedActiveMQ a login module before it starts: the engine, admin and submitter users. */
    @Bean
    static BeanPostProcessor brokerSecurity(ObjectProvider<ArtemisProperties> properties,
            ObjectProvider<BrokerSettings> settings, ObjectProvider<AdminLogin> admin) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof EmbeddedActiveMQ broker) {
                    ArtemisProperties artemis = properties.getObject();
                    Submitters submitters = Submitters.read(settings.getObject().submitters(),
                            settings.getObject().submittersFile());
                    broker.setSecurityManager(BrokerLogins.securityManager(artemis.getUser(), artemis.getPassword(),
                            admin.getObject(), submitters));
                }
                return bean;
            }

            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                if (bean instanceof EmbeddedActiveMQ broker) {
                    AcceptorCheck.requireStarted(broker);
                }
                // Boot's in-VM connection factory carries no login; the broker now demands one
                ActiveMQConnectionFactory factory = EngineClient.artemis(bean);
                if (factory != null) {
                    login(factory, properties.getObject());
                }
                return bean;
            }
        };
    }

    private static void login(ActiveMQConnectionFactory factory, ArtemisProperties artemis) {
        if (factory.getUser() == null) {
            factory.setUser(artemis.getUser());
            factory.setPassword(artemis.getPassword());
        }
    }
}
