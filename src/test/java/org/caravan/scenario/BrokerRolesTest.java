package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.jms.Message;
import jakarta.jms.QueueConnection;
import jakarta.jms.QueueRequestor;
import jakarta.jms.QueueSession;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.apache.activemq.artemis.api.jms.management.JMSManagementHelper;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ProtocolClient;
import org.caravan.testsupport.ProtocolClient.Protocol;
import org.caravan.testsupport.ProtocolClient.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An application's login (a submitter) may put mail into mail.submit and watch mail.events, and
 * nothing else, over every protocol of the acceptor: no reading others' mail, no feeding the
 * delivery queues past intake, no forged events, no management. The admin login browses and
 * manages; the engine's own login keeps every right.
 */
class BrokerRolesTest {

    private static final String DELIVER = "mail.deliver.default.default";
    private static final String NO_RECIPIENTS = "From: News <news@example.net>\r\nSubject: no recipients\r\n"
            + "Message-ID: <roles@example.net>\r\n\r\nHello.\r\n";

    private static Engine engine;

    @BeforeAll
    static void startEngineWithMailOnInvalid() throws Exception {
        // route: keeps the engine from asking DNS; the closed port defers anything that slips through
        engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + Engine.freePort() + "\n");
        // someone else's refused mail waits on mail.invalid, for a submitter to try to read
        ProtocolClient owner = client(Protocol.CORE, Engine.USER, Engine.PASSWORD);
        try (Subscription events = owner.subscribe("mail.events")) {
            owner.send("mail.submit", false, NO_RECIPIENTS, Map.of("jobId", "others-mail"));
            assertThat(events.await("others-mail")).as("rejected event of the seed message").isTrue();
        }
        assertThat(queue("mail.invalid").getMessageCount()).isPositive();
    }

    @AfterAll
    static void stopEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void submitterMaySubmitAndWatchEvents(Protocol protocol) throws Exception {
        String job = "submitted-" + protocol + "-" + UUID.randomUUID();
        ProtocolClient app = submitter(protocol);
        try (Subscription events = app.subscribe("mail.events")) {
            app.send("mail.submit", false, NO_RECIPIENTS, Map.of("jobId", job));
            assertThat(events.await(job)).as("the submission's event, seen by its submitter").isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void submitterCannotSendPastIntakeNorCreateAddresses(Protocol protocol) {
        long added = queue(DELIVER).getMessagesAdded();
        String stray = "mail.stray-" + protocol;

        assertRefused(() -> submitter(protocol).send(DELIVER, false, NO_RECIPIENTS, Map.of("rcptTo", "a@example.com")));
        assertRefused(() -> submitter(protocol).send(stray, false, NO_RECIPIENTS, Map.of()));
        assertRefused(() -> submitter(protocol).send("stray-" + protocol, false, NO_RECIPIENTS, Map.of()));

        assertThat(queue(DELIVER).getMessagesAdded()).as("messages that reached the delivery queue").isEqualTo(added);
        assertThat(server().getAddressInfo(SimpleString.of(stray))).as("address created by a submitter").isNull();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void submitterCannotForgeEvents(Protocol protocol) throws Exception {
        String forged = "forged-" + protocol + "-" + UUID.randomUUID();
        String sentinel = "sentinel-" + protocol + "-" + UUID.randomUUID();
        ProtocolClient engineUser = client(Protocol.CORE, Engine.USER, Engine.PASSWORD);
        try (Subscription events = engineUser.subscribe("mail.events")) {
            assertRefused(() -> submitter(protocol).send("mail.events", true,
                    "{\"type\":\"delivered\",\"jobId\":\"" + forged + "\"}", Map.of()));
            // the forged send had returned before this one was sent: had it passed, it is seen first
            engineUser.send("mail.events", true, sentinel, Map.of());
            assertThat(events.await(sentinel)).isTrue();
            assertThat(events.received()).noneMatch(m -> m.contains(forged));
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void submitterCannotReadOrTakeMail(Protocol protocol) {
        long waiting = queue("mail.invalid").getMessageCount();

        assertRefused(() -> submitter(protocol).browse("mail.invalid"));
        assertRefused(() -> submitter(protocol).take("mail.invalid"));
        assertRefused(() -> submitter(protocol).take("mail.submit"));
        assertRefused(() -> submitter(protocol).take(DELIVER));

        assertThat(queue("mail.invalid").getMessageCount()).isEqualTo(waiting);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void submitterCannotUseTheManagementAddress(Protocol protocol) {
        long waiting = queue("mail.invalid").getMessageCount();
        Map<String, String> destroy = Map.of("_AMQ_ResourceName", "broker", "_AMQ_OperationName", "destroyQueue");
        Map<String, String> purge = Map.of("_AMQ_ResourceName", "queue.mail.invalid",
                "_AMQ_OperationName", "removeAllMessages");

        assertRefused(() -> submitter(protocol).send("activemq.management", false, "[]", purge));
        assertRefused(() -> submitter(protocol).send("activemq.management", false, "[\"mail.invalid\"]", destroy));

        assertThat(server().locateQueue(SimpleString.of("mail.invalid"))).as("mail.invalid still there").isNotNull();
        assertThat(queue("mail.invalid").getMessageCount()).isEqualTo(waiting);
    }

    @Test
    void coreSubmitterCannotDeleteOrCreateQueues() throws Exception {
        try (ServerLocator locator = ActiveMQClient.createServerLocator("tcp://127.0.0.1:" + engine.brokerPort());
                ClientSessionFactory factory = locator.createSessionFactory();
                ClientSession session = factory.createSession(Engine.SUBMITTER, Engine.SUBMITTER_PASSWORD,
                        false, true, true, false, 0)) {
            assertRefused(() -> session.deleteQueue("mail.invalid"));
            assertRefused(() -> session.createQueue(QueueConfiguration.of("mail.stray-queue").setAddress("mail.submit")
                    .setRoutingType(RoutingType.ANYCAST).setDurable(true)));
        }
        assertThat(server().locateQueue(SimpleString.of("mail.invalid"))).isNotNull();
        assertThat(server().locateQueue(SimpleString.of("mail.stray-queue"))).isNull();
    }

    @Test
    void adminMayBrowseAndManageButNotFeedTheSpool() throws Exception {
        ProtocolClient admin = client(Protocol.CORE, Engine.ADMIN, Engine.ADMIN_PASSWORD);
        long waiting = queue("mail.invalid").getMessageCount();

        List<String> browsed = admin.browse("mail.invalid");
        assertThat(browsed).hasSize((int) waiting);
        assertThat(managedMessageCount("mail.invalid")).isEqualTo(waiting);

        assertRefused(() -> admin.send("mail.submit", false, NO_RECIPIENTS, Map.of()));
        assertRefused(() -> admin.send(DELIVER, false, NO_RECIPIENTS, Map.of()));
        assertRefused(() -> admin.take("mail.invalid"));
        assertThat(queue("mail.invalid").getMessageCount()).isEqualTo(waiting);
    }

    /** Asks the broker's management address, as the Artemis CLI does, for a queue's depth. */
    private static long managedMessageCount(String queue) throws Exception {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + engine.brokerPort(),
                Engine.ADMIN, Engine.ADMIN_PASSWORD);
        try (QueueConnection c = factory.createQueueConnection();
                QueueSession s = c.createQueueSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            QueueRequestor requestor = new QueueRequestor(s, s.createQueue("activemq.management"));
            Message request = s.createMessage();
            JMSManagementHelper.putAttribute(request, "queue." + queue, "messageCount");
            Message reply = requestor.request(request);
            assertThat(JMSManagementHelper.hasOperationSucceeded(reply)).as("management reply").isTrue();
            return ((Number) JMSManagementHelper.getResult(reply)).longValue();
        }
    }

    /** Refused by the broker's security: its permission error, or a STOMP ERROR frame (which names none). */
    private static void assertRefused(ThrowingCallable action) {
        assertThatThrownBy(action).satisfies(e -> assertThat(causes(e)).containsAnyOf("permission", "STOMP refused"));
    }

    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append(" / ");
        }
        return all.toString();
    }

    private static ProtocolClient submitter(Protocol protocol) {
        return client(protocol, Engine.SUBMITTER, Engine.SUBMITTER_PASSWORD);
    }

    private static ProtocolClient client(Protocol protocol, String user, String password) {
        return ProtocolClient.of(protocol, engine.brokerPort(), user, password);
    }

    private static ActiveMQServer server() {
        return engine.bean(EmbeddedActiveMQ.class).getActiveMQServer();
    }

    private static Queue queue(String name) {
        Queue queue = server().locateQueue(SimpleString.of(name));
        assertThat(queue).as("queue %s", name).isNotNull();
        return queue;
    }
}
