package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.jms.Connection;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.caravan.testsupport.Engine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's two network surfaces are closed to strangers: the broker port (CORE, AMQP, STOMP,
 * OPENWIRE on one acceptor) demands a login, and the HTTP console opens only health and Prometheus.
 */
class BrokerSecurityTest {

    private static final byte[] AMQP_SASL_HEADER = {'A', 'M', 'Q', 'P', 3, 1, 0, 0};
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static Engine engine;
    private static HttpClient http;
    private static int httpPort;

    @BeforeAll
    static void startEngine() {
        // route: keeps the engine from asking DNS; this scenario sends no mail
        engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + Engine.freePort() + "\n");
        httpPort = Integer.parseInt(engine.context().getEnvironment().getProperty("local.server.port"));
        http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    @AfterAll
    static void stopEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    // ---- broker: CORE / JMS ------------------------------------------------------------------

    @Test
    void anonymousJmsConnectionIsRefused() {
        ActiveMQConnectionFactory anonymous = new ActiveMQConnectionFactory(brokerUrl());
        assertThatThrownBy(() -> {
            try (Connection c = anonymous.createConnection()) {
                c.start();
            }
        }).isInstanceOf(JMSSecurityException.class);
    }

    @Test
    void wrongPasswordIsRefused() {
        ActiveMQConnectionFactory wrong = new ActiveMQConnectionFactory(brokerUrl(), Engine.USER, "not-" + Engine.PASSWORD);
        assertThatThrownBy(() -> {
            try (Connection c = wrong.createConnection()) {
                c.start();
            }
        }).isInstanceOf(JMSSecurityException.class);
    }

    @Test
    void rightCredentialsAreAcceptedAndMayUseAQueue() throws Exception {
        ActiveMQConnectionFactory right = new ActiveMQConnectionFactory(brokerUrl(), Engine.USER, Engine.PASSWORD);
        try (Connection c = right.createConnection(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            Queue queue = s.createQueue("test.broker-security");
            s.createProducer(queue).send(s.createTextMessage("hello"));
            MessageConsumer consumer = s.createConsumer(queue);
            TextMessage received = (TextMessage) consumer.receive(TIMEOUT.toMillis());
            assertThat(received).isNotNull();
            assertThat(received.getText()).isEqualTo("hello");
        }
    }

    // ---- broker: STOMP, AMQP, OPENWIRE on the same port ---------------------------------------

    @Test
    void stompWithoutLoginGetsAnErrorFrame() throws IOException {
        String reply = stompConnect("");
        assertThat(reply).startsWith("ERROR");
    }

    @Test
    void stompWithWrongPasscodeGetsAnErrorFrame() throws IOException {
        String reply = stompConnect("login:" + Engine.USER + "\npasscode:not-" + Engine.PASSWORD + "\n");
        assertThat(reply).startsWith("ERROR");
    }

    @Test
    void stompWithLoginIsConnected() throws IOException {
        String reply = stompConnect("login:" + Engine.USER + "\npasscode:" + Engine.PASSWORD + "\n");
        assertThat(reply).startsWith("CONNECTED");
        assertThat(reply).contains("version:1.2");
    }

    @Test
    void amqpIsSpokenAndAsksForSasl() throws IOException {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(AMQP_SASL_HEADER);
            socket.getOutputStream().flush();
            byte[] reply = socket.getInputStream().readNBytes(8);
            // a broker without AMQP (or without SASL) closes the socket or answers another header
            assertThat(reply).as("AMQP header in reply").containsExactly(AMQP_SASL_HEADER);
        }
    }

    @Test
    void openWireIsSpokenAndAnswersWithItsWireFormat() throws IOException {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(openWireWireFormatInfo());
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int size = in.readInt();
            assertThat(size).as("frame size").isBetween(9, 64 * 1024);
            byte[] frame = in.readNBytes(size);
            assertThat(frame[0]).as("WireFormatInfo data structure type").isEqualTo((byte) 1);
            assertThat(new String(frame, StandardCharsets.ISO_8859_1)).contains("ActiveMQ");
        }
    }

    // ---- HTTP: health and Prometheus open, console behind a login -----------------------------

    @Test
    void healthIsOpenAndUpAndShowsTheBrokerOnlyToOperators() throws Exception {
        HttpResponse<String> anonymous = get("/actuator/health", false);
        assertThat(anonymous.statusCode()).isEqualTo(200);
        JsonNode open = new ObjectMapper().readTree(anonymous.body());
        assertThat(open.path("status").asText()).isEqualTo("UP");
        assertThat(open.has("components")).as("components hidden from anonymous callers").isFalse();

        HttpResponse<String> operator = get("/actuator/health", true);
        assertThat(operator.statusCode()).isEqualTo(200);
        JsonNode full = new ObjectMapper().readTree(operator.body());
        assertThat(full.path("status").asText()).isEqualTo("UP");
        assertThat(full.path("components").path("broker").path("status").asText())
                .as("broker component in %s", operator.body()).isEqualTo("UP");
    }

    @Test
    void prometheusIsOpenAndHasMetrics() throws Exception {
        HttpResponse<String> response = get("/actuator/prometheus", false);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).containsAnyOf("camel", "jvm_");
    }

    @Test
    void jolokiaNeedsALogin() throws Exception {
        String read = "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\"}";
        assertThat(post("/actuator/jolokia", read, false).statusCode()).isEqualTo(401);

        HttpResponse<String> operator = post("/actuator/jolokia", read, true);
        assertThat(operator.statusCode()).isEqualTo(200);
        assertThat(operator.body()).contains("HeapMemoryUsage");
    }

    @Test
    void hawtioNeedsALogin() throws Exception {
        String path = "/actuator/hawtio/";
        assertThat(get(path, false).statusCode()).isEqualTo(401);
        assertThat(get(path, true).statusCode()).isEqualTo(200);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static String brokerUrl() {
        return "tcp://127.0.0.1:" + engine.brokerPort();
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", engine.brokerPort()), (int) TIMEOUT.toMillis());
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        return socket;
    }

    /** Sends a STOMP 1.2 CONNECT with the given header lines and returns the broker's first frame. */
    private static String stompConnect(String loginHeaders) throws IOException {
        try (Socket socket = connect()) {
            String frame = "CONNECT\naccept-version:1.2\nhost:127.0.0.1\nheart-beat:0,0\n" + loginHeaders + "\n\0";
            socket.getOutputStream().write(frame.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            for (int b = in.read(); b > 0; b = in.read()) { // a frame ends at NUL; -1 = closed
                reply.write(b);
            }
            return reply.toString(StandardCharsets.UTF_8).stripLeading();
        }
    }

    /** The first frame an OpenWire client sends, loosely encoded: size, type 1, magic, version, no properties. */
    private static byte[] openWireWireFormatInfo() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeByte(1);                                          // WireFormatInfo
        out.write("ActiveMQ".getBytes(StandardCharsets.US_ASCII)); // magic
        out.writeInt(12);                                          // OpenWire version
        out.writeBoolean(false);                                   // no marshalled properties
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        DataOutputStream framed = new DataOutputStream(frame);
        framed.writeInt(body.size());
        framed.write(body.toByteArray());
        return frame.toByteArray();
    }

    private static HttpResponse<String> get(String path, boolean withLogin) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).GET(), withLogin);
    }

    private static HttpResponse<String> post(String path, String body, boolean withLogin)
            throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)), withLogin);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, boolean withLogin)
            throws IOException, InterruptedException {
        request.timeout(TIMEOUT);
        if (withLogin) {
            String token = Base64.getEncoder()
                    .encodeToString((Engine.ADMIN + ":" + Engine.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
            request.header("Authorization", "Basic " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
