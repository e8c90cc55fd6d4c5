package org.caravan.delivery;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Route;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.component.jms.JmsConsumer;
import org.apache.camel.component.jms.JmsEndpoint;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.caravan.broker.CommitBatching;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;

/**
 * Builds one delivery route per (vmta, policy) from the single 'delivery' template in
 * routes/delivery.yaml, so adding a policy to config/mta.yaml is all a new provider takes.
 * Built once Camel has loaded the template, from an ApplicationRunner so that a failure stops
 * the start (camel-spring-boot only logs failures of afterApplicationStart). A reload adds the
 * routes of new lines from the same template and removes those of lines gone from the file.
 * Each route's consumers follow its line's max-smtp-out, raised or lowered at run time.
 */
public class DeliveryRoutes implements CamelContextConfiguration, ApplicationRunner {

    public static final String TEMPLATE = "delivery";
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRoutes.class);

    private final DeliveryLines lines;
    private final CamelContext camel;

    public DeliveryRoutes(DeliveryLines lines, CamelContext camel) {
        this.lines = lines;
        this.camel = camel;
    }

    @Override
    public void beforeApplicationStart(CamelContext context) {
        for (DeliveryLine line : lines.all()) {
            bind(context, line);
        }
    }

    @Override
    public void afterApplicationStart(CamelContext context) {
        // routes are built in run(), where a failure is fatal
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        for (DeliveryLine line : lines.all()) {
            build(line);
        }
    }

    /** The route of a line added at run time (a reload): its beans bound, the route built and started. */
    public void start(DeliveryLine line) throws Exception {
        bind(camel, line);
        build(line);
    }

    /**
     * Stops the route of a line that leaves the config (in-flight deliveries finish first) and
     * removes it; its queue keeps whatever mail it holds.
     */
    public void stop(DeliveryLine line) throws Exception {
        String id = routeId(line);
        if (camel.getRoute(id) != null) {
            camel.getRouteController().stopRoute(id);
            camel.removeRoute(id);
        }
        camel.getRegistry().unbind("sender-" + line.key());
        camel.getRegistry().unbind("pace-" + line.key());
    }

    public static String routeId(DeliveryLine line) {
        return "delivery-" + line.key();
    }

    private static void bind(CamelContext context, DeliveryLine line) {
        context.getRegistry().bind("sender-" + line.key(), line.sender());
        context.getRegistry().bind("pace-" + line.key(), line.state().messages());
    }

    private void build(DeliveryLine line) throws Exception {
        TemplatedRouteBuilder.builder(camel, TEMPLATE)
                .routeId(routeId(line))
                .parameter("vmta", line.vmta())
                .parameter("policy", line.policyName())
                .parameter("consumers", line.state().getMaxSmtpOut())
                .add();
        line.state().consumersFollow(n -> consumers(line, n));
    }

    /** The route's consumer count follows max-smtp-out: its container now, its endpoint for a restart. */
    private void consumers(DeliveryLine line, int n) {
        Route route = camel.getRoute(routeId(line));
        if (route == null) {
            return;
        }
        if (route.getEndpoint() instanceof JmsEndpoint endpoint) {
            endpoint.setConcurrentConsumers(n);
            endpoint.setMaxConcurrentConsumers(n);
        }
        Consumer consumer = route.getConsumer();
        try {
            if (consumer instanceof JmsConsumer jms && CommitBatching.resize(jms.getListenerContainer(), n)) {
                return;
            }
        } catch (Exception e) {
            LOG.warn("{}: consumers not resized to {}: {}", routeId(line), n, e.toString());
            return;
        }
        LOG.warn("{}: consumers not resized to {}: not a batching listener", routeId(line), n);
    }
}
