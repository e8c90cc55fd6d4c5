package org.caravan.broker;

import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.settings.impl.PageFullMessagePolicy;
import org.caravan.config.EngineSettings;
import org.caravan.config.MtaConfig;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * What the embedded broker itself enforces on submissions and on the set-aside queues: the size
 * limit of mail.submit (SubmissionGate), and bounds on mail.invalid and mail.dead, which nobody
 * consumes automatically and would otherwise grow until the disk is full.
 *
 * <p>mail.invalid and mail.dead keep a message for caravan.broker.set-aside-expiry, then drop it
 * (the rejected event and the accounting record stay the durable trace). Past
 * caravan.broker.set-aside-max-size of paged messages, new arrivals are dropped: failing them
 * instead would roll back the intake transaction, so one flood of bad input would stop good mail.
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "spring.artemis.mode", havingValue = "embedded", matchIfMissing = true)
public class SubmissionGuards {

    static final String INVALID = "mail.invalid";

    @Bean
    ArtemisConfigurationCustomizer submissionGuardsCustomizer(MtaConfig mta,
            @Value("${caravan.broker.set-aside-expiry}") String expiry,
            @Value("${caravan.broker.set-aside-max-size}") String maxSize,
            @Value("${caravan.broker.address-max-size-mb}") long memoryMb) {
        long expiryMillis = EngineSettings.duration("caravan.broker.set-aside-expiry", expiry).toMillis();
        long pageLimit = EngineSettings.size("caravan.broker.set-aside-max-size", maxSize);
        return config -> apply(config, new SubmissionGate(mta.maxMessageSize()), expiryMillis, pageLimit, memoryMb << 20);
    }

    static void apply(Configuration config, SubmissionGate gate, long expiryMillis, long pageLimit, long memoryBytes) {
        config.registerBrokerPlugin(gate);
        for (String queue : new String[] {INVALID, EmbeddedBrokerConfiguration.DEAD_LETTERS}) {
            // merged over the mail.# settings: only these keys differ
            config.addAddressSetting(queue, new AddressSettings()
                    .setExpiryDelay(expiryMillis)
                    .setMaxSizeBytes(Math.min(memoryBytes, pageLimit))
                    .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE)
                    .setPageLimitBytes(pageLimit)
                    .setPageFullMessagePolicy(PageFullMessagePolicy.DROP));
        }
    }
}
