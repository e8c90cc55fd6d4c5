package org.caravan.warmup;

import java.nio.file.Path;
import java.time.Clock;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.caravan.config.MtaConfig;
import org.caravan.delivery.DeliveryAttempt;
import org.caravan.delivery.DeliveryLine;
import org.caravan.delivery.DeliveryLines;
import org.caravan.outcome.OutcomeRecorder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The warm-up: its state under the data directory, its caps on the delivery turns, its counts from outcomes. */
@Configuration(proxyBeanMethods = false)
public class WarmUpConfiguration {

    @Bean(destroyMethod = "close")
    WarmUp warmUp(MtaConfig config, Clock clock, @Value("${caravan.data-dir}") String dataDir, DeliveryLines lines,
            DeliveryAttempt delivery, OutcomeRecorder outcomes, ObjectProvider<MeterRegistry> registry,
            org.caravan.intake.IntakeProcessor intake, org.caravan.routing.ClassificationStage classify) {
        WarmUp warmUp = new WarmUp(config.warmUp(), clock, Path.of(dataDir, "warm-up"), lines);
        delivery.turnsThrough(warmUp::turns);
        intake.overflowWith(warmUp::vmtaFor);
        classify.overflowWith(warmUp::vmtaFor);
        outcomes.listen(warmUp);
        MeterRegistry meters = registry.getIfAvailable();
        for (DeliveryLine line : lines.all()) {
            WarmUpLine w = warmUp.line(line.vmta(), line.policyName());
            if (w != null && meters != null) {
                Gauge.builder("caravan.warmup.day", w, WarmUpLine::getDay).description("warm-up day of the line")
                        .tag("vmta", w.vmta()).tag("policy", w.policy()).register(meters);
                Gauge.builder("caravan.warmup.sent.today", w, WarmUpLine::getSentToday)
                        .description("attempts the line made this warm-up day")
                        .tag("vmta", w.vmta()).tag("policy", w.policy()).register(meters);
            }
        }
        return warmUp;
    }
}
