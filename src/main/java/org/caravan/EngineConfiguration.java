package org.caravan;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.component.jms.JmsComponent;
import org.caravan.broker.CommitBatching;
import org.caravan.broker.JournalDiskGuard;
import org.caravan.broker.KnownDestinations;
import org.caravan.broker.QueueDepths;
import org.caravan.broker.QueuePacing;
import org.caravan.broker.WaitForecast;
import org.caravan.config.EngineSettings;
import org.caravan.config.MtaConfig;
import org.caravan.config.MtaConfigLoader;
import org.caravan.delivery.DeliveryAttempt;
import org.caravan.delivery.DeliveryLines;
import org.caravan.delivery.DeliveryRoutes;
import org.caravan.delivery.PacedQueues;
import org.caravan.delivery.StrandedMailHealth;
import org.caravan.delivery.StrandedQueues;
import org.caravan.intake.IntakeProcessor;
import org.caravan.outcome.AccountingHealthIndicator;
import org.caravan.outcome.AccountingLog;
import org.caravan.outcome.OutcomeRecorder;
import org.caravan.routing.DnsSettings;
import org.caravan.routing.DomainClassifier;
import org.caravan.routing.HttpMtaStsFetcher;
import org.caravan.routing.MtaStsFetcher;
import org.caravan.routing.MtaStsPolicies;
import org.caravan.routing.MxResolver;
import org.caravan.smtp.TlsTrust;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;

/** Wires the stages together; the routes in routes/*.yaml meet these beans by name. */
@Configuration(proxyBeanMethods = false)
public class EngineConfiguration {

    @Bean
    MtaConfig mtaConfig(@Value("${caravan.config}") String path) {
        return MtaConfigLoader.load(Path.of(path));
    }

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    DomainClassifier domainClassifier(MtaConfig config, MxResolver mx) {
        return new DomainClassifier(config, mx);
    }

    /** The classification route's bean (routes/classify.yaml): policies by MX host, looked up off intake's path. */
    @Bean("classify")
    org.caravan.routing.ClassificationStage classify(DomainClassifier classifier, Clock clock,
            @Value("${caravan.classify.retry-after}") String retryAfter,
            @Value("${caravan.classify.give-up-after}") String giveUpAfter) {
        java.time.Duration retry = EngineSettings.duration("caravan.classify.retry-after", retryAfter);
        if (retry.isZero()) {
            throw new IllegalStateException("caravan.classify.retry-after: must be positive");
        }
        return new org.caravan.routing.ClassificationStage(classifier, clock, retry,
                EngineSettings.duration("caravan.classify.give-up-after", giveUpAfter));
    }

    /** The system resolver (reads resolv.conf, sends nothing): asked only for policies without route:. */
    @Bean
    @ConditionalOnMissingBean
    MxResolver mxResolver(@Value("${caravan.dns.timeout}") String timeout,
            @Value("${caravan.dns.transient-failure-ttl}") String transientFailureTtl,
            @Value("${caravan.dns.cache-size}") int cacheSize,
            @Value("${caravan.dns.permitted-next-hops:}") String permitted,
            @Value("${caravan.dns.servers:}") String servers) {
        return MxResolver.systemDefault(DnsSettings.of(timeout, transientFailureTtl, cacheSize, permitted, servers));
    }

    @Bean(destroyMethod = "close")
    AccountingLog accountingLog(@Value("${caravan.accounting.directory}") String dir,
            @Value("${caravan.accounting.max-file-size}") String maxSize, Clock clock) {
        return new AccountingLog(Path.of(dir), EngineSettings.size("caravan.accounting.max-file-size", maxSize), clock);
    }

    @Bean
    KnownDestinations knownDestinations() {
        return new KnownDestinations();
    }

    @Bean
    OutcomeRecorder outcomeRecorder(AccountingLog accounting, ConnectionFactory connectionFactory,
            KnownDestinations destinations, ObjectProvider<EmbeddedActiveMQ> broker) {
        OutcomeRecorder recorder = new OutcomeRecorder(accounting, connectionFactory, destinations);
        EmbeddedActiveMQ embedded = broker.getIfAvailable();
        if (embedded != null) {
            recorder.watchedWhen(new org.caravan.broker.EventSubscribers(embedded, OutcomeRecorder.EVENTS_TOPIC));
        }
        return recorder;
    }

    /** Only the embedded broker stamps submissions with their client (SubmissionGate); elsewhere a sender could forge it. */
    @Bean("intake")
    IntakeProcessor intake(MtaConfig config, DomainClassifier classifier, OutcomeRecorder outcomes,
            @Value("${spring.artemis.mode:embedded}") String brokerMode, org.caravan.intake.SenderIdentity senders) {
        return new IntakeProcessor(config, classifier, outcomes, "embedded".equals(brokerMode), senders);
    }

    /** DKIM keys read and test-signed here, at start: a bad one stops it. */
    @Bean
    org.caravan.signing.DkimSigner dkimSigner(MtaConfig config) {
        return org.caravan.signing.DkimSigner.load(config.dkim());
    }

    @Bean
    org.caravan.intake.SenderIdentity senderIdentity(MtaConfig config, org.caravan.signing.DkimSigner dkim,
            OutcomeRecorder outcomes, MeterRegistry registry) {
        return new org.caravan.intake.SenderIdentity(config, dkim, outcomes, registry);
    }

    @Bean("keepPropertyNames")
    org.caravan.intake.KeepPropertyNames keepPropertyNames() {
        return new org.caravan.intake.KeepPropertyNames();
    }

    /** Intake's broker transactions: several submissions per commit (see application.properties). */
    @Bean("intakeCommits")
    CommitBatching intakeCommits(@Value("${caravan.intake.commit-batch}") int maxMessages,
            @Value("${caravan.intake.commit-max-age}") String maxAge, AccountingLog accounting) {
        return commitBatching("caravan.intake", maxMessages, maxAge, accounting, WaitForecast.NEVER,
                QueuePacing.NONE);
    }

    /** Delivery's broker transactions: finished deliveries per commit; a paced line takes a message when its slot comes. */
    @Bean("deliveryCommits")
    CommitBatching deliveryCommits(@Value("${caravan.delivery.commit-batch}") int maxMessages,
            @Value("${caravan.delivery.commit-max-age}") String maxAge, AccountingLog accounting,
            DeliveryAttempt delivery, MtaConfig config) {
        return commitBatching("caravan.delivery", maxMessages, maxAge, accounting, delivery, delivery).bulkShare(config.priority());
    }

    /** DOWN while accounting cannot be written (health component "accounting"). */
    @Bean
    AccountingHealthIndicator accountingHealthIndicator(AccountingLog accounting) {
        return new AccountingHealthIndicator(accounting);
    }

    /** Published before the routes stop: consumers waiting for the accounting disk give up, so the stop does not hang. */
    @Bean
    ApplicationListener<ContextClosedEvent> accountingStopsWaiting(AccountingLog accounting) {
        return event -> accounting.stopWaiting();
    }

    /**
     * Accounting is fsynced before every commit (once per batch), so no message is acked before
     * its record is on disk. A bad value stops the start naming its key, as a bad mta.yaml does.
     */
    private static CommitBatching commitBatching(String prefix, int maxMessages, String maxAge,
            AccountingLog accounting, WaitForecast forecast, QueuePacing pacing) {
        if (maxMessages < 1) {
            throw new IllegalStateException(prefix + ".commit-batch: must be at least 1, not " + maxMessages);
        }
        return new CommitBatching(maxMessages, EngineSettings.duration(prefix + ".commit-max-age", maxAge),
                accounting::awaitDurable, forecast, pacing);
    }

    /** The embedded broker prefetches nothing for paced delivery queues: their mail waits on the queue. */
    @Bean
    ArtemisConfigurationCustomizer pacedQueuesPrefetchNothing(MtaConfig config) {
        return broker -> PacedQueues.noPrefetch(broker, config);
    }

    @Bean(destroyMethod = "close")
    DeliveryLines deliveryLines(MtaConfig config, Clock clock,
            @Value("${caravan.tls.trust-store:}") String trustStore,
            @Value("${caravan.tls.trust-store-password:}") String trustStorePassword) {
        return new DeliveryLines(config, clock, TlsTrust.of("caravan.tls.trust-store", trustStore, trustStorePassword));
    }

    /** A reply rule's disable-source-ip takes the line's vmta out of its pools for the rule's duration. */
    @Bean("delivery")
    DeliveryAttempt delivery(DeliveryLines lines, MxResolver mx, OutcomeRecorder outcomes, MtaStsPolicies mtaSts,
            IntakeProcessor intake) {
        lines.follow(line -> line.state().onModeChange(change -> {
            if (change.mode() == org.caravan.delivery.ModeChange.Mode.SOURCE_IP_DISABLED) {
                intake.pools().disable(change.vmta(), change.until());
            }
        }), line -> { });
        return new DeliveryAttempt(lines, mx, outcomes, mtaSts);
    }

    /** How policy files are fetched (policies with mta-sts: yes); a test puts its own in place. */
    @Bean
    @ConditionalOnMissingBean
    MtaStsFetcher mtaStsFetcher(@Value("${caravan.mta-sts.fetch-timeout:10s}") String timeout) {
        return new HttpMtaStsFetcher(EngineSettings.duration("caravan.mta-sts.fetch-timeout", timeout));
    }

    /** Recipient domains' MTA-STS policies, asked of the same name servers as MX lookups. */
    @Bean
    MtaStsPolicies mtaStsPolicies(MtaStsFetcher fetcher, Clock clock, @Value("${caravan.dns.timeout}") String timeout,
            @Value("${caravan.dns.transient-failure-ttl}") String transientFailureTtl,
            @Value("${caravan.dns.cache-size}") int cacheSize,
            @Value("${caravan.dns.permitted-next-hops:}") String permitted,
            @Value("${caravan.dns.servers:}") String servers) {
        DnsSettings dns = DnsSettings.of(timeout, transientFailureTtl, cacheSize, permitted, servers);
        return new MtaStsPolicies(MxResolver.systemResolver(dns), dns.timeout(), fetcher, clock);
    }

    @Bean
    DeliveryRoutes deliveryRoutes(DeliveryLines lines, org.apache.camel.CamelContext camel) {
        return new DeliveryRoutes(lines, camel);
    }

    /** Moves mail off delivery queues whose policy left mta.yaml, at start. */
    @Bean
    StrandedQueues strandedQueues(MtaConfig config, DomainClassifier classifier, ConnectionFactory connectionFactory,
            ObjectProvider<EmbeddedActiveMQ> broker) {
        return new StrandedQueues(config, classifier, connectionFactory, broker);
    }

    /** Depths of the embedded broker's queues, for metrics and the queue console. */
    @Bean
    QueueDepths queueDepths(ObjectProvider<EmbeddedActiveMQ> broker) {
        return new QueueDepths(broker);
    }

    @Bean("strandedMail")
    StrandedMailHealth strandedMailHealth(StrandedQueues queues, MeterRegistry registry) {
        return new StrandedMailHealth(queues, registry);
    }

    /** Stops intake before the embedded broker's journal disk reaches max-disk-usage. */
    @Bean(name = "journalDisk", destroyMethod = "close")
    @ConditionalOnProperty(name = "spring.artemis.mode", havingValue = "embedded", matchIfMissing = true)
    JournalDiskGuard journalDisk(EmbeddedActiveMQ broker, org.apache.camel.CamelContext camel, MeterRegistry registry,
            @Value("${caravan.disk.stop-at:}") String stopAt) {
        return new JournalDiskGuard(broker.getActiveMQServer(), camel, registry, JournalDiskGuard.parseStopAt(stopAt));
    }

    /** Starts the disk checks once the routes run (the guard suspends the intake route). */
    @Bean
    ApplicationRunner journalDiskChecks(ObjectProvider<JournalDiskGuard> guard,
            @Value("${caravan.disk.check-interval}") String interval) {
        Duration every = EngineSettings.duration("caravan.disk.check-interval", interval);
        if (every.isZero()) {
            throw new IllegalStateException("caravan.disk.check-interval: must be positive");
        }
        return args -> guard.ifAvailable(g -> g.start(every));
    }

    /**
     * camel-jms over Spring Boot's connection factory. No transaction manager: the listener's own
     * transacted session is exposed to the route, so the sends (deliveries, retries, events) and
     * the acknowledgement commit as ONE transaction. With the manager camel-jms creates by default
     * the container acks on its session and the sends commit on another: a kill between the two
     * lost submissions (DurabilityTest).
     */
    @Bean("jms")
    JmsComponent jms(ConnectionFactory connectionFactory, KnownDestinations destinations) {
        JmsComponent jms = JmsComponent.jmsComponent(connectionFactory);
        jms.setLazyCreateTransactionManager(false);
        jms.setDestinationResolver(destinations);
        return jms;
    }
}
