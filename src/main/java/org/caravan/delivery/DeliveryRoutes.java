package org.caravan.delivery;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * Builds one delivery route per (vmta, policy) from the single 'delivery' template in
 * routes/delivery.yaml, so adding a policy to config/mta.yaml is all a new provider takes.
 * Built once Camel has loaded the template, from an ApplicationRunner so that a failure stops
 * the start (camel-spring-boot only logs failures of afterApplicationStart).
 */
public class DeliveryRoutes implements CamelContextConfiguration, ApplicationRunner {

    public static final String TEMPLATE = "delivery";

    private final DeliveryLines lines;
    private final CamelContext camel;

    public DeliveryRoutes(DeliveryLines lines, CamelContext camel) {
        this.lines = lines;
        this.camel = camel;
    }

    @Override
    public void beforeApplicationStart(CamelContext context) {
        for (DeliveryLine line : lines.all()) {
            context.getRegistry().bind("sender-" + line.key(), line.sender());
            context.getRegistry().bind("pace-" + line.key(), line.state().messages());
        }
    }

    @Override
    public void afterApplicationStart(CamelContext context) {
        // routes are built in run(), where a failure is fatal
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        CamelContext context = camel;
        for (DeliveryLine line : lines.all()) {
            TemplatedRouteBuilder.builder(context, TEMPLATE)
                    .routeId("delivery-" + line.key())
                    .parameter("vmta", line.vmta())
                    .parameter("policy", line.policyName())
                    .parameter("consumers", line.state().policy().maxSmtpOut())
                    .add();
        }
    }
}
