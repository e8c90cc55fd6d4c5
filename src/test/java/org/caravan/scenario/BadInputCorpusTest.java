package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.apache.commons.csv.CSVRecord;
import org.assertj.core.api.SoftAssertions;
import org.caravan.testsupport.BadInputCorpus;
import org.caravan.testsupport.BadInputCorpus.Item;
import org.caravan.testsupport.Broker;
import org.caravan.testsupport.Broker.Taken;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.Received;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.Test;

/**
 * The bad-input corpus: more than a thousand malformed submissions, each tagged
 * with its reject reason, sent over JMS (bytes and text) and STOMP while good mail flows. Every
 * bad one lands on mail.invalid with its reason, its body and properties; a bad recipient among
 * good ones is refused alone; good mail (and the odd-but-deliverable part of the corpus) is
 * delivered exactly once and unchanged; the engine stays healthy and nothing goes to mail.dead.
 */
class BadInputCorpusTest {

    private static final long SEED = 5322;
    private static final int BAD = 1050;
    private static final int GOOD = 200;
    /** Above the 1 MB header limit, so a huge header block is judged by its headers, not its size. */
    private static final long MAX_MESSAGE_SIZE = 1536 << 10;
    /** How long the queues may stay quiet before what has not arrived is taken as never arriving. */
    private static final Duration QUIET = Duration.ofSeconds(4);
    private static final Duration WAIT = Duration.ofSeconds(40);

    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @Test
    void everyBadSubmissionIsSetAsideWithItsReasonWhileGoodMailFlows() throws Exception {
        List<Item> corpus = BadInputCorpus.generate(SEED, BAD, GOOD, MAX_MESSAGE_SIZE);
        List<Item> bad = corpus.stream().filter(Item::bad).toList();
        assertThat(bad).hasSizeGreaterThanOrEqualTo(1000);
        Map<String, Item> byId = corpus.stream().collect(Collectors.toMap(Item::id, i -> i));
        Map<String, Item> goodRecipients = new HashMap<>();
        corpus.forEach(i -> i.deliverTo().forEach(r -> goodRecipients.put(r, i)));

        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
                Engine engine = Engine.start("max-message-size: 1536K\n"
                        + "domain-policies:\n  default:\n    route: 127.0.0.1:" + smtp.port() + "\n    max-smtp-out: 8\n");
                EventWatcher events = engine.broker().watchEvents()) {
            long started = System.nanoTime();
            Map<BadInputCorpus.Transport, Integer> sent = send(engine, corpus);
            long sentMillis = (System.nanoTime() - started) / 1_000_000;

            List<Taken> invalid = drainInvalid(engine, bad.size());
            List<CSVRecord> deliveredRecords = awaitDeliveries(engine, goodRecipients.size());
            long doneMillis = (System.nanoTime() - started) / 1_000_000;
            List<CSVRecord> records = engine.accounting().records();

            SoftAssertions soft = new SoftAssertions();
            // ---- the engine is alive, nothing dead, nothing left ----
            int httpPort = Integer.parseInt(engine.context().getEnvironment().getProperty("local.server.port"));
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPort + "/actuator/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            soft.assertThat(health.statusCode()).as("health status code: %s", health.body()).isEqualTo(200);
            soft.assertThat(health.body()).as("health").contains("\"UP\"");
            Map<String, Long> depth = queueDepths();
            soft.assertThat(depth.get("mail.dead")).as("messages on mail.dead").isZero();
            soft.assertThat(depth.get("mail.submit")).as("messages left on mail.submit").isZero();
            soft.assertThat(depth.get("mail.deliver.default.default")).as("messages left to deliver").isZero();

            // ---- every bad one on mail.invalid, once, with its reason, body and properties ----
            Map<String, List<Taken>> invalidById = invalid.stream()
                    .collect(Collectors.groupingBy(t -> String.valueOf(t.properties().get(BadInputCorpus.CASE_ID))));
            Map<String, List<String>> accepted = new TreeMap<>();   // kind -> ids the engine let through
            Map<String, List<String>> wrongReason = new TreeMap<>(); // kind -> "id: reason"
            Map<String, Integer> expectedByCode = new TreeMap<>();
            Map<String, Integer> actualByCode = new TreeMap<>();
            for (Taken t : invalid) {
                actualByCode.merge(code(t.reason()), 1, Integer::sum);
            }
            for (Item item : bad) {
                expectedByCode.merge(item.expectedCode(), 1, Integer::sum);
                List<Taken> got = invalidById.getOrDefault(item.id(), List.of());
                if (got.isEmpty()) {
                    accepted.computeIfAbsent(item.kind(), k -> new ArrayList<>()).add(item.id());
                    continue;
                }
                soft.assertThat(got).as("mail.invalid copies of %s (%s)", item.id(), item.kind()).hasSize(1);
                Taken t = got.get(0);
                String expected = item.expectedCode() + ": " + (item.expectedDetail() == null ? "" : item.expectedDetail());
                boolean reasonOk = item.expectedDetail() == null ? t.reason().startsWith(expected) : t.reason().equals(expected);
                if (!reasonOk) {
                    wrongReason.computeIfAbsent(item.kind(), k -> new ArrayList<>()).add(item.id() + " got '"
                            + abbreviate(t.reason()) + "' expected '" + abbreviate(expected) + "'");
                }
                soft.assertThat(t.body()).as("original body of %s (%s) on mail.invalid", item.id(), item.kind())
                        .isEqualTo(item.keptBody());
                soft.assertThat(t.properties()).as("original properties of %s (%s) on mail.invalid", item.id(), item.kind())
                        .containsAllEntriesOf(item.properties());
            }
            List<String> unknown = invalidById.keySet().stream()
                    .filter(id -> !byId.containsKey(id) || !byId.get(id).bad()).sorted().toList();

            // ---- good mail: delivered exactly once, unchanged; nothing else delivered ----
            Map<String, Integer> dRecords = new HashMap<>();
            deliveredRecords.forEach(r -> dRecords.merge(r.get("rcpt"), 1, Integer::sum));
            Map<String, Integer> copies = new HashMap<>();
            List<String> altered = new ArrayList<>();
            for (Received r : smtp.received()) {
                for (String rcpt : r.rcptTo()) {
                    copies.merge(rcpt, 1, Integer::sum);
                    Item item = goodRecipients.get(rcpt);
                    if (item != null && item.expectedCode() == null && !java.util.Arrays.equals(BadInputCorpus.withoutTrace(r.data()), item.body())) {
                        altered.add(item.id() + " (" + item.kind() + ")");
                    }
                }
            }
            List<String> notOnce = new ArrayList<>();
            goodRecipients.forEach((rcpt, item) -> {
                int d = dRecords.getOrDefault(rcpt, 0);
                int c = copies.getOrDefault(rcpt, 0);
                if (d != 1 || c != 1) {
                    notOnce.add(rcpt + " (" + item.kind() + " " + item.id() + "): d=" + d + " copies=" + c);
                }
            });
            List<String> strayDeliveries = copies.keySet().stream().filter(r -> !goodRecipients.containsKey(r)).sorted()
                    .map(r -> r + " x" + copies.get(r)).toList();
            List<String> otherOutcomes = records.stream().filter(r -> r.get("type").equals("b") || r.get("type").equals("t"))
                    .map(r -> r.get("type") + " " + r.get("rcpt") + " " + r.get("dsnDiag")).toList();
            long rejectedRecords = records.stream().filter(r -> r.get("type").equals("r")).count();
            int rejectedEvents = events.await("rejected", bad.size(), Duration.ofSeconds(5)).size();

            // ---- report ----
            Map<String, Integer> kinds = new TreeMap<>();
            corpus.forEach(i -> kinds.merge((i.bad() ? "bad " : "good ") + i.kind(), 1, Integer::sum));
            System.out.printf("BadInputCorpus: %d submissions (%d bad, %d good incl. %d plain) sent in %d ms via %s; "
                            + "settled in %d ms%n", corpus.size(), bad.size(), corpus.size() - bad.size(), GOOD, sentMillis,
                    sent, doneMillis);
            System.out.println("BadInputCorpus: items by kind " + kinds);
            System.out.println("BadInputCorpus: mail.invalid by reason, expected " + expectedByCode);
            System.out.println("BadInputCorpus: mail.invalid by reason, actual   " + actualByCode);
            System.out.printf("BadInputCorpus: mail.invalid=%d (expected %d), rejected records=%d, rejected events=%d, "
                            + "good recipients=%d, delivered records=%d, copies at the server=%d, dead=%s%n",
                    invalid.size(), bad.size(), rejectedRecords, rejectedEvents, goodRecipients.size(),
                    deliveredRecords.size(), copies.values().stream().mapToInt(Integer::intValue).sum(), depth.get("mail.dead"));
            List<Received> received = smtp.received();
            accepted.forEach((kind, ids) -> {
                System.out.printf("BadInputCorpus: ACCEPTED bad %s x%d: %s%n", kind, ids.size(),
                        ids.stream().limit(3).map(id -> id + " " + preview(byId.get(id))).toList());
                // what the next hop got for the first of them: is it what was submitted?
                Item first = byId.get(ids.get(0));
                received.stream().filter(r -> first.messageId().equals(r.messageId())).findFirst().ifPresent(r ->
                        System.out.printf("BadInputCorpus:   %s as delivered: %d bytes, identical to the submission: %s, "
                                + "longest line %d octets, NULs %d, header '%s'%n", first.id(), r.data().length,
                                java.util.Arrays.equals(r.data(), first.body()), longestLine(r.data()), nuls(r.data()),
                                abbreviate(headerOf(r.data()), 400)));
            });
            wrongReason.forEach((kind, list) -> System.out.printf("BadInputCorpus: WRONG REASON %s x%d: %s%n", kind,
                    list.size(), list.stream().limit(5).toList()));
            if (!notOnce.isEmpty()) {
                System.out.println("BadInputCorpus: good recipients not delivered exactly once: "
                        + notOnce.stream().limit(20).toList());
            }
            if (!altered.isEmpty()) {
                System.out.println("BadInputCorpus: good mail altered on the way: " + altered.stream().limit(20).toList());
            }

            soft.assertThat(accepted).as("bad submissions the engine accepted (kind -> ids)").isEmpty();
            soft.assertThat(wrongReason).as("bad submissions refused for the wrong reason (kind -> ids)").isEmpty();
            soft.assertThat(unknown).as("mail.invalid entries that are good mail or not from the corpus").isEmpty();
            soft.assertThat(invalid.size()).as("messages on mail.invalid").isEqualTo(bad.size());
            soft.assertThat(rejectedRecords).as("rejected accounting records").isEqualTo(bad.size());
            soft.assertThat(rejectedEvents).as("rejected events").isEqualTo(bad.size());
            soft.assertThat(notOnce).as("good recipients not delivered exactly once").isEmpty();
            soft.assertThat(altered).as("good mail altered on the way").isEmpty();
            soft.assertThat(strayDeliveries).as("deliveries to recipients of bad submissions").isEmpty();
            soft.assertThat(otherOutcomes).as("bounces or deferrals on a healthy server").isEmpty();
            soft.assertAll();
        }
    }

    // ---- sending ----

    private static Map<BadInputCorpus.Transport, Integer> send(Engine engine, List<Item> corpus) throws Exception {
        Map<BadInputCorpus.Transport, Integer> counts = new TreeMap<>();
        try (Connection c = engine.broker().connect();
                Session s = c.createSession(true, Session.SESSION_TRANSACTED);
                Stomp stomp = new Stomp(engine.brokerPort())) {
            MessageProducer producer = s.createProducer(s.createQueue("mail.submit"));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            int pending = 0;
            for (Item item : corpus) {
                counts.merge(item.transport(), 1, Integer::sum);
                switch (item.transport()) {
                    case STOMP -> stomp.send(item.body(), item.properties(), item.id().hashCode() % 2 == 0);
                    case JMS_TEXT, JMS_BYTES -> {
                        Message m;
                        if (item.transport() == BadInputCorpus.Transport.JMS_TEXT) {
                            m = s.createTextMessage(new String(item.body(), StandardCharsets.UTF_8));
                        } else {
                            BytesMessage b = s.createBytesMessage();
                            b.writeBytes(item.body());
                            m = b;
                        }
                        for (Map.Entry<String, String> e : item.properties().entrySet()) {
                            m.setStringProperty(e.getKey(), e.getValue());
                        }
                        producer.send(m);
                        if (++pending % 20 == 0) {
                            s.commit();
                        }
                    }
                }
            }
            s.commit();
        }
        return counts;
    }

    /** A STOMP 1.2 producer on one connection; a receipt for every frame, so nothing is in flight at the end. */
    private static final class Stomp implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private int receipts;

        Stomp(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(15_000);
            out = socket.getOutputStream();
            in = socket.getInputStream();
            write("CONNECT\naccept-version:1.2\nhost:127.0.0.1\nlogin:" + Engine.USER + "\npasscode:" + Engine.PASSWORD
                    + "\n\n", new byte[0]);
            String connected = readFrame();
            if (!connected.startsWith("CONNECTED\n")) {
                throw new IOException("STOMP login failed: " + connected);
            }
        }

        /** Sends to mail.submit; with content-length the broker makes a bytes message, without it a text one. */
        void send(byte[] body, Map<String, String> headers, boolean asText) throws IOException {
            boolean text = asText && textSafe(body);
            String receipt = "r-" + (++receipts);
            StringBuilder f = new StringBuilder("SEND\ndestination:mail.submit\ndestination-type:ANYCAST\npersistent:true\n")
                    .append("receipt:").append(receipt).append('\n');
            if (!text) {
                f.append("content-length:").append(body.length).append('\n');
            }
            headers.forEach((k, v) -> f.append(escape(k)).append(':').append(escape(v)).append('\n'));
            write(f.append('\n').toString(), body);
            String reply = readFrame();
            if (!reply.startsWith("RECEIPT\n") || !reply.contains("receipt-id:" + receipt)) {
                throw new IOException("STOMP send not acknowledged: " + reply);
            }
        }

        /** A frame without content-length ends at the first NUL, and its body is read as UTF-8 text. */
        private static boolean textSafe(byte[] body) {
            for (byte b : body) {
                if (b == 0) {
                    return false;
                }
            }
            return BadInputCorpus.isUtf8(body);
        }

        /** STOMP 1.2 header escaping: backslash, CR, LF and colon. */
        private static String escape(String s) {
            return s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace(":", "\\c");
        }

        private void write(String head, byte[] body) throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream(head.length() + body.length + 1);
            frame.writeBytes(head.getBytes(StandardCharsets.UTF_8));
            frame.writeBytes(body);
            frame.write(0);
            out.write(frame.toByteArray());
            out.flush();
        }

        private String readFrame() throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != 0) {
                if (b < 0) {
                    throw new IOException("STOMP connection closed after " + frame);
                }
                if (frame.size() == 0 && (b == '\n' || b == '\r')) {
                    continue; // heart-beat or padding between frames
                }
                frame.write(b);
            }
            return frame.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            try {
                write("DISCONNECT\nreceipt:bye\n\n", new byte[0]);
                readFrame();
            } finally {
                socket.close();
            }
        }
    }

    // ---- waiting ----

    /** Takes mail.invalid until the expected count arrived, or intake is done and nothing came for a while. */
    private List<Taken> drainInvalid(Engine engine, int expected) throws Exception {
        List<Taken> out = new ArrayList<>();
        try (Connection c = engine.broker().connect(); Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            c.start();
            MessageConsumer consumer = s.createConsumer(s.createQueue("mail.invalid"));
            long deadline = System.nanoTime() + WAIT.toNanos();
            long lastArrival = System.nanoTime();
            while (System.nanoTime() < deadline) {
                Message m = consumer.receive(200);
                if (m != null) {
                    out.add(Broker.taken(m));
                    lastArrival = System.nanoTime();
                    continue;
                }
                boolean quiet = System.nanoTime() - lastArrival > QUIET.toNanos();
                if (out.size() >= expected && System.nanoTime() - lastArrival > 500_000_000L) {
                    break; // all there, and nothing more came in half a second
                }
                if (quiet && queueDepths().getOrDefault("mail.submit", 1L) == 0) {
                    break;
                }
            }
        }
        return out;
    }

    /** Waits for the 'd' records of the good recipients, or until delivery is idle for a while. */
    private List<CSVRecord> awaitDeliveries(Engine engine, int expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long lastChange = System.nanoTime();
        List<CSVRecord> found = engine.accounting().ofType("d");
        while (found.size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(200);
            List<CSVRecord> now = engine.accounting().ofType("d");
            if (now.size() != found.size()) {
                lastChange = System.nanoTime();
            }
            found = now;
            if (System.nanoTime() - lastChange > QUIET.toNanos()
                    && queueDepths().getOrDefault("mail.deliver.default.default", 1L) == 0) {
                break;
            }
        }
        Thread.sleep(300); // a late duplicate would show up now
        return engine.accounting().ofType("d");
    }

    /** MessageCount of the mail.* queues, over JMX (the engine's broker runs in this JVM). */
    private Map<String, Long> queueDepths() throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (ObjectName name : jmx.queryNames(
                new ObjectName("org.apache.activemq.artemis:component=addresses,subcomponent=queues,*"), null)) {
            String queue = ObjectName.unquote(name.getKeyProperty("queue"));
            if (queue.startsWith("mail.")) {
                out.put(queue, ((Number) jmx.getAttribute(name, "MessageCount")).longValue());
            }
        }
        return out;
    }

    private static String code(String reason) {
        int colon = reason.indexOf(':');
        return colon < 0 ? reason : reason.substring(0, colon);
    }

    private static String abbreviate(String s) {
        return abbreviate(s, 90);
    }

    private static String abbreviate(String s, int max) {
        String t = s.replace("\r", "\\r").replace("\n", "\\n");
        return t.length() > max ? t.substring(0, max) + "..." : t;
    }

    /** The header block (up to the first empty line), decoded octet for octet. */
    private static String headerOf(byte[] data) {
        String all = new String(data, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        return end < 0 ? all : all.substring(0, end);
    }

    private static int longestLine(byte[] data) {
        int longest = 0;
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                longest = Math.max(longest, i - start);
                start = i + 1;
            }
        }
        return Math.max(longest, data.length - start);
    }

    private static int nuls(byte[] data) {
        int n = 0;
        for (byte b : data) {
            n += b == 0 ? 1 : 0;
        }
        return n;
    }

    private static String preview(Item item) {
        String head = new String(item.body(), 0, Math.min(item.body().length, 120), StandardCharsets.ISO_8859_1);
        return "[" + item.transport() + " " + item.body().length + " bytes, props " + abbreviate(item.properties().toString())
                + ", body '" + abbreviate(head) + "']";
    }
}
