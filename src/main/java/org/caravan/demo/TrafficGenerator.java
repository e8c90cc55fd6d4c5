package org.caravan.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.caravan.config.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's sending application: over the broker's TCP acceptor, with a submitter login, as any
 * real submitter does, it sends a steady trickle of transactional mail (one message each
 * interval, round the providers' domains) and every so often a newsletter campaign, a burst that
 * pushes the providers past their limits so that deferrals, backoff and recovery show.
 */
public final class TrafficGenerator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrafficGenerator.class);

    /** Round the domains in turn: most traffic goes to the big providers, some to everyone else. */
    private static final List<String> TRICKLE = List.of("gmail.com", "yahoo.com", "outlook.com", "example.org",
            "googlemail.com", "aol.com", "hotmail.com", "example.net");
    /** A campaign's list: half Gmail, as a consumer list usually is. */
    private static final List<String> CAMPAIGN = List.of("gmail.com", "gmail.com", "yahoo.com", "gmail.com",
            "outlook.com", "gmail.com", "aol.com", "hotmail.com", "gmail.com", "example.com");

    /**
     * @param brokerUrl     tcp://host:port of the engine's acceptor
     * @param interval      one transactional message each interval
     * @param campaignEvery one campaign each this long, the first right after the start
     * @param campaignSize  recipients of a campaign (one message each)
     * @param campaignVmta  the vmta or pool campaigns name ("" for the default vmta)
     */
    public record Settings(String brokerUrl, String user, String password, Duration interval,
            Duration campaignEvery, int campaignSize, String campaignVmta) {}

    private final Settings settings;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-traffic");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private Connection connection;
    private Session session;
    private MessageProducer producer;
    private long campaigns;
    private boolean failing;

    public TrafficGenerator(Settings settings) {
        this.settings = settings;
    }

    /** Starts sending; call once the broker takes logins. */
    public void start() {
        LOG.info("demo: traffic generator submitting to mail.submit at {} as '{}': one message each {}, a campaign"
                + " of {} each {}", settings.brokerUrl(), settings.user(), Durations.format(settings.interval()),
                settings.campaignSize(), Durations.format(settings.campaignEvery()));
        timer.scheduleWithFixedDelay(this::trickle, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::campaign, Math.min(2000, settings.campaignEvery().toMillis()),
                settings.campaignEvery().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Messages submitted so far (recipients of campaigns included, one message each). */
    public long submitted() {
        return submitted.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        disconnect();
    }

    private void trickle() {
        long n = sequence.incrementAndGet();
        String domain = TRICKLE.get((int) (n % TRICKLE.size()));
        String rcpt = "customer" + n + "@" + domain;
        // every fifth receipt has a copy to a second domain: one submission, two delivery queues
        String cc = n % 5 == 0 ? "accounts" + n + "@example.net" : null;
        send("shop@demo.test", rcpt, cc, "Your order " + n, "demo-receipts", "");
    }

    private void campaign() {
        long c = ++campaigns;
        for (int i = 0; i < settings.campaignSize() && !Thread.currentThread().isInterrupted(); i++) {
            String domain = CAMPAIGN.get(i % CAMPAIGN.size());
            send("news@demo.test", "reader" + c + "x" + i + "@" + domain, null, "Newsletter " + c,
                    "demo-newsletter-" + c, settings.campaignVmta());
        }
    }

    private synchronized void send(String from, String to, String cc, String subject, String job, String vmta) {
        try {
            if (producer == null) {
                connect();
            }
            BytesMessage m = session.createBytesMessage();
            m.writeBytes(message(from, to, cc, subject).getBytes(StandardCharsets.UTF_8));
            m.setStringProperty("jobId", job);
            if (!vmta.isEmpty()) {
                m.setStringProperty("vmta", vmta);
            }
            producer.send(m);
            submitted.incrementAndGet();
            if (failing) {
                LOG.info("demo: traffic generator submitting again");
                failing = false;
            }
        } catch (JMSException | RuntimeException e) {
            if (!failing) {
                LOG.warn("demo: traffic generator cannot submit ({}); trying again", e.toString());
                failing = true;
            }
            disconnect();
        }
    }

    private void connect() throws JMSException {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(settings.brokerUrl(), settings.user(),
                settings.password());
        connection = factory.createConnection();
        session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        producer = session.createProducer(session.createQueue("mail.submit"));
        producer.setDeliveryMode(DeliveryMode.PERSISTENT);
    }

    private synchronized void disconnect() {
        Connection c = connection;
        connection = null;
        session = null;
        producer = null;
        if (c != null) {
            try {
                c.close();
            } catch (JMSException ignored) {
                // closing a broken connection
            }
        }
    }

    private static String message(String from, String to, String cc, String subject) {
        return "From: Demo Shop <" + from + ">\r\n"
                + "To: <" + to + ">\r\n"
                + (cc == null ? "" : "Cc: <" + cc + ">\r\n")
                + "Subject: " + subject + "\r\n"
                + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@demo.test>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "\r\n"
                + "This is Caravan's demo traffic: it never leaves 127.0.0.1.\r\n";
    }
}
