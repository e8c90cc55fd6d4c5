package org.caravan.demo;

import java.time.Clock;

import org.caravan.config.EngineSettings;
import org.caravan.config.MtaConfig;
import org.caravan.config.Rate;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.ContextClosedEvent;

/**
 * The demo profile's beans: the fake providers (started with the context, before any delivery
 * route runs) and the traffic generator (once the engine is ready, stopped before the broker).
 * Nothing here exists outside the demo profile.
 */
@Configuration(proxyBeanMethods = false)
@Profile("demo")
public class DemoConfiguration {

    @Bean(destroyMethod = "close")
    DemoProviders demoProviders(MtaConfig config, Clock clock,
            @Value("${caravan.demo.gmail.accepts}") String gmail,
            @Value("${caravan.demo.yahoo.accepts}") String yahoo,
            @Value("${caravan.demo.yahoo.deferred-for}") String yahooDeferredFor,
            @Value("${caravan.demo.microsoft.accepts}") String microsoft) {
        return DemoProviders.start(config, new DemoProviders.Limits(rate("caravan.demo.gmail.accepts", gmail),
                rate("caravan.demo.yahoo.accepts", yahoo),
                EngineSettings.duration("caravan.demo.yahoo.deferred-for", yahooDeferredFor),
                rate("caravan.demo.microsoft.accepts", microsoft)), clock);
    }

    @Bean(destroyMethod = "close")
    TrafficGenerator trafficGenerator(@Value("${caravan.broker.host}") String host,
            @Value("${caravan.broker.port}") int port,
            @Value("${caravan.broker.submitters}") String submitters,
            @Value("${caravan.demo.generator.interval}") String interval,
            @Value("${caravan.demo.generator.campaign-every}") String campaignEvery,
            @Value("${caravan.demo.generator.campaign-size}") int campaignSize,
            @Value("${caravan.demo.generator.campaign-vmta:}") String campaignVmta) {
        // the first submitter login, as an application would be given one
        String first = submitters.split(",")[0].strip();
        int colon = first.indexOf(':');
        if (colon < 1) {
            throw new org.caravan.config.ConfigException("caravan.broker.submitters: the demo's traffic generator"
                    + " needs a submitter login name:password");
        }
        return new TrafficGenerator(new TrafficGenerator.Settings("tcp://" + host + ":" + port,
                first.substring(0, colon), first.substring(colon + 1),
                positive("caravan.demo.generator.interval", interval),
                positive("caravan.demo.generator.campaign-every", campaignEvery), campaignSize, campaignVmta));
    }

    @Bean(destroyMethod = "close")
    DemoSummary demoSummary(DemoProviders providers, org.caravan.delivery.DeliveryLines lines,
            org.caravan.broker.QueueDepths depths, @Value("${caravan.demo.summary-every}") String every) {
        return new DemoSummary(providers, lines, depths, positive("caravan.demo.summary-every", every));
    }

    @Bean
    ApplicationListener<ApplicationReadyEvent> demoTrafficStarts(TrafficGenerator generator, DemoSummary summary) {
        return event -> {
            generator.start();
            summary.start();
        };
    }

    /** Before the routes and the broker stop: no submission meets a closing broker. */
    @Bean
    ApplicationListener<ContextClosedEvent> demoTrafficStops(TrafficGenerator generator) {
        return event -> generator.close();
    }

    private static Rate rate(String key, String value) {
        try {
            return Rate.parse(value);
        } catch (IllegalArgumentException e) {
            throw new org.caravan.config.ConfigException(key + ": " + e.getMessage(), e);
        }
    }

    private static java.time.Duration positive(String key, String value) {
        java.time.Duration d = EngineSettings.duration(key, value);
        if (d.isZero() || d.isNegative()) {
            throw new org.caravan.config.ConfigException(key + ": must be positive");
        }
        return d;
    }
}
