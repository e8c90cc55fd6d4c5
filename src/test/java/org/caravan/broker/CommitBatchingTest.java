package org.caravan.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batched commits on a real, persistent embedded Artemis and camel-jms: every message is handled
 * once, a failure rolls back only its batch and then isolates the poison message, and stopping the
 * route commits the finished work instead of replaying it.
 */
class CommitBatchingTest {

    private static final int MAX_ATTEMPTS = 4;

    @TempDir
    Path dir;

    private EmbeddedActiveMQ broker;
    private ActiveMQConnectionFactory factory;
    private CamelContext camel;
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    private CommitBatching batching;

    @BeforeEach
    void start() throws Exception {
        ConfigurationImpl config = new ConfigurationImpl();
        config.setPersistenceEnabled(true);
        config.setSecurityEnabled(false);
        config.setJournalDirectory(dir.resolve("journal").toString());
        config.setBindingsDirectory(dir.resolve("bindings").toString());
        config.setPagingDirectory(dir.resolve("paging").toString());
        config.setLargeMessagesDirectory(dir.resolve("large").toString());
        config.addAcceptorConfiguration("in-vm", "vm://7");
        config.addAddressSetting("#", new AddressSettings()
                .setMaxDeliveryAttempts(MAX_ATTEMPTS)
                .setRedeliveryDelay(0)
                .setDeadLetterAddress(SimpleString.of("dead")));
        for (String q : List.of("in", "out", "dead")) {
            config.addQueueConfiguration(QueueConfiguration.of(q).setRoutingType(RoutingType.ANYCAST));
        }
        broker = new EmbeddedActiveMQ().setConfiguration(config);
        broker.start();
        factory = new ActiveMQConnectionFactory("vm://7");
    }

    @AfterEach
    void stop() throws Exception {
        if (camel != null) {
            camel.close();
        }
        factory.close();
        broker.stop();
    }

    /** The route under test: in -> (fails on "poison") -> out, in one transaction per batch. */
    private void startRoute(int maxMessages) throws Exception {
        startRoute(new CommitBatching(maxMessages, Duration.ofSeconds(5)), 2);
    }

    private void startRoute(CommitBatching batches, int consumers) throws Exception {
        batching = batches;
        camel = new DefaultCamelContext();
        JmsComponent jms = JmsComponent.jmsComponent(factory);
        jms.setLazyCreateTransactionManager(false); // as EngineConfiguration: the listener's session carries the sends
        camel.addComponent("jms", jms);
        camel.getRegistry().bind("batches", batching);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("jms:queue:in?transacted=true&cacheLevelName=CACHE_CONSUMER&concurrentConsumers=" + consumers
                        + "&consumerType=Custom&messageListenerContainerFactory=#batches").routeId("batched")
                        .process(e -> {
                            String body = e.getMessage().getBody(String.class);
                            handled.computeIfAbsent(body, b -> new AtomicInteger()).incrementAndGet();
                            if (body.startsWith("poison")) {
                                throw new IllegalStateException("poison message " + body);
                            }
                        })
                        .to("jms:queue:out");
            }
        });
        camel.start();
    }

    @Test
    void commitsManyMessagesAtOnceAndHandlesEachOnce() throws Exception {
        send(numbered(500));
        startRoute(50);

        List<String> out = drain("out", 500);

        assertThat(out).hasSize(500).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(numbered(500));
        assertThat(handled.values()).allMatch(n -> n.get() == 1);
        assertThat(batching.messagesCommitted()).isEqualTo(500);
        // two consumers on a full queue: batches fill up, far fewer commits than messages
        assertThat(batching.commits()).isLessThanOrEqualTo(500 / 10);
    }

    @Test
    void aPoisonMessageGoesToTheDeadLettersAloneAndItsBatchIsReplayedOnce() throws Exception {
        List<String> bodies = numbered(200);
        bodies.add(100, "poison-1");
        send(bodies);
        startRoute(50);

        List<String> out = drain("out", 200);
        List<String> dead = drain("dead", 1);

        assertThat(out).hasSize(200).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(numbered(200));
        assertThat(dead).containsExactly("poison-1");
        assertThat(handled.get("poison-1").get()).isEqualTo(MAX_ATTEMPTS);
        // batch-mates rolled back with it are replayed, but committed singly before they run out of attempts
        assertThat(handled.entrySet().stream().filter(e -> !e.getKey().startsWith("poison"))
                .mapToInt(e -> e.getValue().get()).max().orElse(0)).isLessThan(MAX_ATTEMPTS);
    }

    @Test
    void stoppingTheRouteCommitsFinishedWorkInsteadOfReplayingIt() throws Exception {
        send(numbered(2000));
        startRoute(1000);

        while (count("out") < 300) {
            Thread.sleep(5);
        }
        camel.getRouteController().stopRoute("batched");
        camel.getRouteController().startRoute("batched");
        List<String> out = drain("out", 2000);

        assertThat(out).hasSize(2000).doesNotHaveDuplicates();
        assertThat(handled).hasSize(2000);
        assertThat(handled.values()).as("messages handled twice (replayed after the stop)")
                .allMatch(n -> n.get() == 1);
    }

    @Test
    void theStepBeforeCommitRunsOncePerBatchBeforeItsMessagesAreCommitted() throws Exception {
        List<Long> outAtStep = new ArrayList<>();
        List<Long> committedAtStep = new ArrayList<>();
        CommitBatching[] self = new CommitBatching[1];
        self[0] = new CommitBatching(50, Duration.ofSeconds(5), () -> {
            outAtStep.add(count("out"));
            committedAtStep.add(self[0].messagesCommitted());
        }, WaitForecast.NEVER);
        send(numbered(500));
        startRoute(self[0], 1);

        assertThat(drain("out", 500)).hasSize(500).doesNotHaveDuplicates();
        assertThat(outAtStep).as("steps before commit").hasSize((int) batching.commits());
        assertThat(batching.commits()).isLessThanOrEqualTo(500 / 10);
        // one consumer: when the step runs, only earlier batches have reached the out queue
        assertThat(outAtStep).isEqualTo(committedAtStep);
    }

    @Test
    void aBatchCommitsBeforeAMessageTheForecastSaysWouldWait() throws Exception {
        send(numbered(100));
        startRoute(new CommitBatching(50, Duration.ofSeconds(5), () -> { }, queue -> "in".equals(queue)), 1);

        assertThat(drain("out", 100)).hasSize(100).doesNotHaveDuplicates();
        assertThat(batching.commits()).as("one commit per message").isEqualTo(100);
    }

    private static List<String> numbered(int n) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            bodies.add("m" + i);
        }
        return bodies;
    }

    private void send(List<String> bodies) throws JMSException {
        try (Connection c = factory.createConnection()) {
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = s.createProducer(s.createQueue("in"));
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            for (String body : bodies) {
                p.send(s.createTextMessage(body));
            }
            s.commit();
        }
    }

    /** Messages committed to a queue so far, without taking them. */
    private long count(String queue) {
        return broker.getActiveMQServer().locateQueue(queue).getMessageCount();
    }

    /** Waits for exactly `expected` messages on the queue (and a moment for any extra), then takes them. */
    private List<String> drain(String queue, int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (count(queue) < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(300);
        List<String> bodies = new ArrayList<>();
        try (Connection c = factory.createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = s.createConsumer(s.createQueue(queue));
            for (TextMessage m; (m = (TextMessage) consumer.receive(500)) != null; ) {
                bodies.add(m.getText());
            }
        }
        return bodies;
    }
}
