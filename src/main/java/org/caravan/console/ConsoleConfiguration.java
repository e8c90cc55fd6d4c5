package org.caravan.console;

import java.time.Clock;

import jakarta.jms.ConnectionFactory;
import org.caravan.broker.QueueDepths;
import org.caravan.delivery.DeliveryLines;
import org.caravan.outcome.AccountingLog;
import org.caravan.outcome.OutcomeRecorder;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The queue console's beans: its memory of outcomes, its actions, its rows (the page and API are scanned). */
@Configuration(proxyBeanMethods = false)
public class ConsoleConfiguration {

    @Bean
    QueueActivity queueActivity(OutcomeRecorder outcomes, Clock clock) {
        QueueActivity activity = new QueueActivity(clock);
        outcomes.listen(activity);
        return activity;
    }

    @Bean
    QueuePurge queuePurge(QueueDepths depths, ConnectionFactory connectionFactory, OutcomeRecorder outcomes,
            AccountingLog accounting) {
        return new QueuePurge(depths, connectionFactory, outcomes, accounting);
    }

    @Bean
    QueueActions queueActions(DeliveryLines lines, QueueDepths depths, QueuePurge purge, Clock clock) {
        return new QueueActions(lines, depths, purge, clock);
    }

    @Bean
    QueueRows queueRows(QueueDepths depths, QueueActivity activity) {
        return new QueueRows(depths, activity);
    }

    /** A purge the engine stopped in the middle of is finished at start, as the operator asked for it. */
    @Bean
    ApplicationRunner interruptedPurges(QueuePurge purge) {
        return args -> purge.finishInterrupted();
    }
}
