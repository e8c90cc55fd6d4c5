package org.caravan.delivery;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.spring.boot.CamelContextConfiguration;

/**
 * Builds one delivery route per (vmta, policy) from the single 'delivery' template in
 * routes/delivery.yaml, so adding a policy to config/mta.yaml is all a new provider takes.
 */
public class DeliveryRoutes implements CamelContextConfiguration {

    public static final String TEMPLATE = "delivery";

    private final DeliveryLines lines;

    public DeliveryRoutes(DeliveryLines lines) {
        this.lines = lines;
    }

    @Override
    public void beforeApplicationStart(CamelContext context) {
        for (DeliveryLine line : lines.all()) {
            context.getRegistry().bind("sender-" + line.key(), line.sender());
            context.getRegistry().bind("policy-" + line.key(), line.state());
        }
    }

    @Override
    public void afterApplicationStart(CamelContext context) {
        for (DeliveryLine line : lines.all()) {
            TemplatedRouteBuilder.builder(context, TEMPLATE)
                    .routeId("delivery-" + line.key())
                    .parameter("vmta", line.vmta())
                    .parameter("policy", line.policyName())
                    .parameter("consumers", line.state().policy().maxSmtpOut())
                    .parameter("throttlePeriod", line.state().getThrottlePeriodMillis())
                    .add();
        }
    }
}
