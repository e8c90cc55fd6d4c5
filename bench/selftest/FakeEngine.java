/*
 * FakeEngine: a stand-in for Caravan, used ONLY to test the benchmark harness itself
 * (`bench/run.sh --engine fake`): it honours the same command line, environment, broker port,
 * health endpoint and accounting CSV as the real engine, so run.sh, the producer and the
 * analysis can be checked end to end without target/caravan.jar. Its figures mean nothing
 * about Caravan. It is deliberately naive: embedded persistent Artemis (CORE only, no security),
 * 16 transacted JMS consumers on mail.submit, one reused raw SMTP connection per consumer.
 *
 *   MTA_CONFIG=... java -cp "$(cat bench/work/classpath.txt)" bench/selftest/FakeEngine.java \
 *       --caravan.data-dir=DIR --server.port=HTTP --caravan.broker.port=PORT
 */

import com.sun.net.httpserver.HttpServer;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

public class FakeEngine {
    static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);
    static BufferedWriter acct;

    public static void main(String[] args) throws Exception {
        String dataDir = "data";
        int httpPort = 8080, brokerPort = 61616;
        for (String a : args) {
            if (a.startsWith("--caravan.data-dir=")) dataDir = a.substring(19);
            else if (a.startsWith("--server.port=")) httpPort = Integer.parseInt(a.substring(14));
            else if (a.startsWith("--caravan.broker.port=")) brokerPort = Integer.parseInt(a.substring(22));
        }
        String yaml = Files.readString(Path.of(System.getenv("MTA_CONFIG")));
        Matcher m = Pattern.compile("route:\\s*127\\.0\\.0\\.1:(\\d+)").matcher(yaml);
        if (!m.find()) throw new IllegalStateException("no 127.0.0.1 route in MTA_CONFIG");
        int sinkPort = Integer.parseInt(m.group(1));

        ConfigurationImpl cfg = new ConfigurationImpl();
        cfg.setPersistenceEnabled(true);
        cfg.setSecurityEnabled(false);
        cfg.setJournalType(JournalType.NIO);
        cfg.setJournalDirectory(dataDir + "/journal");
        cfg.setBindingsDirectory(dataDir + "/bindings");
        cfg.setPagingDirectory(dataDir + "/paging");
        cfg.setLargeMessagesDirectory(dataDir + "/large");
        cfg.addAcceptorConfiguration("netty", "tcp://127.0.0.1:" + brokerPort + "?protocols=CORE");
        cfg.addAcceptorConfiguration("invm", "vm://0");
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
        broker.setConfiguration(cfg);
        broker.start();

        Path acctDir = Path.of(dataDir, "accounting");
        Files.createDirectories(acctDir);
        acct = Files.newBufferedWriter(acctDir.resolve("acct-fake.csv"));
        acct.write("type,timeLogged,timeQueued,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,"
                + "vmta,jobId,envId,policy,domain,messageId,attempt\n");
        acct.flush();

        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("vm://0");
        for (int i = 0; i < 16; i++) {
            Thread t = new Thread(() -> consume(cf, sinkPort), "fake-consumer-" + i);
            t.setDaemon(true);
            t.start();
        }

        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", httpPort), 16);
        http.createContext("/actuator/health", ex -> {
            byte[] b = "{\"status\":\"UP\"}".getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            http.stop(0);
            try { broker.stop(); } catch (Exception ignored) { }
        }));
        System.out.println("FakeEngine started: broker " + brokerPort + " http " + httpPort + " sink " + sinkPort);
        Thread.currentThread().join();
    }

    static void consume(ActiveMQConnectionFactory cf, int sinkPort) {
        try (Connection c = cf.createConnection()) {
            c.start();
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer consumer = s.createConsumer(s.createQueue("mail.submit"));
            Smtp smtp = new Smtp(sinkPort);
            while (true) {
                Message msg = consumer.receive();
                String body;
                if (msg instanceof TextMessage tm) body = tm.getText();
                else {
                    BytesMessage bm = (BytesMessage) msg;
                    byte[] b = new byte[(int) bm.getBodyLength()];
                    bm.readBytes(b);
                    body = new String(b, StandardCharsets.US_ASCII);
                }
                Matcher to = Pattern.compile("(?m)^To: <([^>]+)>").matcher(body);
                Matcher id = Pattern.compile("(?m)^Message-ID: (<[^>]+>)").matcher(body);
                String rcpt = to.find() ? to.group(1) : "nobody@bench.test";
                String reply = smtp.send("sender@bench.test", rcpt, body);
                String now = TS.format(Instant.now());
                String queued = TS.format(Instant.ofEpochMilli(msg.getJMSTimestamp()));
                String job = msg.getStringProperty("jobId");
                synchronized (FakeEngine.class) {
                    acct.write((reply.startsWith("2") ? "d" : "t") + "," + now + "," + queued
                            + ",sender@bench.test," + rcpt + ",relayed," + reply.substring(0, 3)
                            + ",smtp;" + reply.replace(',', ' ') + ",127.0.0.1,,default,"
                            + (job == null ? "" : job) + ",,bench,bench.test,"
                            + (id.find() ? id.group(1) : "") + ",1\n");
                    acct.flush();
                }
                s.commit();
            }
        } catch (Exception e) {
            e.printStackTrace();
        }
    }

    /** Just enough SMTP client for smtp-sink: one connection, reused. */
    static final class Smtp {
        final Socket sock;
        final InputStream in;
        final OutputStream out;

        Smtp(int port) throws IOException {
            sock = new Socket("127.0.0.1", port);
            sock.setSoTimeout(30000);
            in = new BufferedInputStream(sock.getInputStream());
            out = sock.getOutputStream();
            read();
            cmd("EHLO fake.bench.test");
        }

        String send(String from, String rcpt, String body) throws IOException {
            cmd("MAIL FROM:<" + from + ">");
            cmd("RCPT TO:<" + rcpt + ">");
            cmd("DATA");
            StringBuilder sb = new StringBuilder(body.length() + 64);
            for (String line : body.split("\r\n", -1)) {
                if (line.startsWith(".")) sb.append('.');
                sb.append(line).append("\r\n");
            }
            sb.append(".\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return read();
        }

        String cmd(String c) throws IOException {
            out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return read();
        }

        String read() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                int ch = in.read();
                if (ch < 0) throw new IOException("connection closed");
                if (ch == '\n') {
                    String l = line.toString().trim();
                    if (l.length() >= 4 && l.charAt(3) == '-') { line.setLength(0); continue; }
                    return l;
                }
                line.append((char) ch);
            }
        }
    }
}
