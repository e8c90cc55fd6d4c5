package org.caravan.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.mail.Session;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.caravan.config.Defaults;
import org.caravan.config.MtaConfig;
import org.caravan.config.MtaConfigLoader;
import org.caravan.config.Rate;
import org.caravan.config.TlsLevel;
import org.caravan.routing.Cidr;
import org.caravan.routing.DnsSettings;
import org.caravan.routing.MtaStsFetcher;
import org.caravan.routing.MtaStsPolicies;
import org.caravan.routing.MtaStsPolicy;
import org.caravan.routing.MxResolver;
import org.caravan.routing.NextHop;
import org.caravan.routing.NextHopFilter;
import org.caravan.smtp.OutboundMessage;
import org.caravan.smtp.Pacer;
import org.caravan.smtp.PooledSmtpSender;
import org.caravan.smtp.SmtpConnectionPool;
import org.caravan.smtp.SmtpReply;
import org.caravan.smtp.SmtpSessions;
import org.caravan.smtp.StartTls;
import org.caravan.smtp.TlsTrust;
import org.caravan.testsupport.MutableClock;
import org.caravan.testsupport.ScriptedDnsServer;
import org.caravan.testsupport.TestCertificates;
import org.caravan.testsupport.TlsSmtpServer;
import org.caravan.testsupport.TlsSmtpServer.Mode;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * MTA-STS from the TXT record (a scripted name server) and a policy file (an injected fetcher; no
 * network) to the SMTP session: enforce demands a verified certificate naming the MX, on a line
 * whose own policy is only opportunistic.
 */
class MtaStsEnforcementTest {

    private static final TestCertificates CA = TestCertificates.ca("Caravan STS CA");
    private static final byte[] MAIL = "From: a@example.net\r\nTo: b@sts.test\r\nMessage-ID: <s@t>\r\n\r\nhi\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final String ENFORCE = "version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n";

    private final MutableClock clock = new MutableClock();
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile String policyFile = ENFORCE;
    private final MtaStsFetcher fetcher = domain -> {
        fetches.incrementAndGet();
        assertThat(domain).isEqualTo("sts.test");
        return policyFile;
    };

    private MtaStsPolicies policies(ScriptedDnsServer dns) throws Exception {
        String[] hostPort = dns.address().split(":");
        SimpleResolver resolver = new SimpleResolver(InetAddress.getByName(hostPort[0]));
        resolver.setPort(Integer.parseInt(hostPort[1]));
        resolver.setTimeout(Duration.ofSeconds(2));
        return new MtaStsPolicies(resolver, Duration.ofSeconds(2), fetcher, clock);
    }

    /** Sends one message on an opportunistic line trusting the test CA, as the delivery bean would after MTA-STS. */
    private OutboundMessage send(StsEnforcement sts) throws Exception {
        Path dir = Files.createTempDirectory("caravan-sts");
        Session session = SmtpSessions.create("sts.local", null, Duration.ofSeconds(5), Duration.ofSeconds(5));
        SmtpSessions.startTls(session, new StartTls(Defaults.TLS,
                TlsTrust.of("trust", CA.trustStore(dir).toString(), TestCertificates.storePassword()), clock));
        try (SmtpConnectionPool pool = new SmtpConnectionPool(session, 2, 10, Rate.UNLIMITED, Duration.ofSeconds(30))) {
            OutboundMessage m = new OutboundMessage(session, MAIL, "<s@t>", "a@example.net", List.of("b@sts.test"),
                    sts.hops());
            m.tlsDemand(sts.demand());
            if (sts.settled() != null) {
                m.replyToRest(sts.settled());
            }
            new PooledSmtpSender(pool, session, Pacer.unlimited()).send(m);
            return m;
        }
    }

    @Test
    void anEnforcePolicyMakesAWrongNameCertificateDeferAndARightOneDeliverVerified() throws Exception {
        try (ScriptedDnsServer dns = ScriptedDnsServer.start().txt("_mta-sts.sts.test", "v=STSv1; id=20260101;");
                TlsSmtpServer wrong = TlsSmtpServer.start(CA.server("mx.elsewhere.test"), Mode.OFFER);
                TlsSmtpServer right = TlsSmtpServer.start(CA.server("mx.sts.test"), Mode.OFFER)) {
            MtaStsPolicies policies = policies(dns);
            MtaStsPolicy policy = policies.policyFor("sts.test");
            assertThat(policy.mode()).isEqualTo(MtaStsPolicy.Mode.ENFORCE);

            StsEnforcement toWrong = StsEnforcement.of(policy, "sts.test",
                    List.of(new NextHop("127.0.0.1", wrong.port(), "mx.sts.test")));
            assertThat(toWrong.demand()).isEqualTo(TlsLevel.VERIFY);
            SmtpReply deferred = send(toWrong).replies().get("b@sts.test");
            assertThat(deferred.code()).isEqualTo(451);
            assertThat(deferred.enhancedCode()).isEqualTo("4.7.5");
            assertThat(wrong.mailCommands()).as("MAIL commands the wrong-name server received").isZero();

            OutboundMessage delivered = send(StsEnforcement.of(policies.policyFor("sts.test"), "sts.test",
                    List.of(new NextHop("127.0.0.1", right.port(), "mx.sts.test"))));
            assertThat(delivered.replies().get("b@sts.test").code()).isEqualTo(250);
            assertThat(delivered.tls().verified()).isTrue();
            assertThat(right.messages()).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());
            assertThat(fetches.get()).as("policy fetched once, then cached").isEqualTo(1);
        }
    }

    @Test
    void anMxTheEnforcePolicyDoesNotNameIsNotUsedAndATestingPolicyOnlyLogs() throws Exception {
        try (ScriptedDnsServer dns = ScriptedDnsServer.start().txt("_mta-sts.sts.test", "v=STSv1; id=one");
                TlsSmtpServer wrong = TlsSmtpServer.start(CA.server("mx.elsewhere.test"), Mode.OFFER)) {
            MtaStsPolicies policies = policies(dns);
            List<NextHop> hops = List.of(new NextHop("127.0.0.1", wrong.port(), "mx.attacker.test"));
            StsEnforcement enforced = StsEnforcement.of(policies.policyFor("sts.test"), "sts.test", hops);
            assertThat(enforced.settled().enhancedCode()).isEqualTo("4.7.5");
            assertThat(enforced.settled().text()).contains("matches its MTA-STS policy");
            assertThat(send(enforced).replies().get("b@sts.test").code()).isEqualTo(451);
            assertThat(wrong.mailCommands()).isZero();

            // the domain publishes a new policy id: fetched again once the TXT answer is rechecked
            policyFile = ENFORCE.replace("enforce", "testing");
            dns.remove("_mta-sts.sts.test", Type.TXT).txt("_mta-sts.sts.test", "v=STSv1; id=two");
            clock.advance(MtaStsPolicies.TXT_RECHECK.plusSeconds(1));
            StsEnforcement testing = StsEnforcement.of(policies.policyFor("sts.test"), "sts.test", hops);
            assertThat(fetches.get()).isEqualTo(2);
            assertThat(testing.demand()).isEqualTo(TlsLevel.NONE);
            OutboundMessage m = send(testing);
            assertThat(m.replies().get("b@sts.test").code()).as("testing: delivered over opportunistic TLS").isEqualTo(250);
            assertThat(m.tls().verified()).isFalse();
        }
    }

    @Test
    void theDeliveryBeanAppliesTheDomainsEnforcePolicyOnALineWithMtaStsOn() throws Exception {
        try (TlsSmtpServer wrong = TlsSmtpServer.start(CA.server("mx.elsewhere.test"), Mode.OFFER);
                ScriptedDnsServer dns = ScriptedDnsServer.start().txt("_mta-sts.sts.test", "v=STSv1; id=one")
                        .mx("sts.test", "mx.sts.test").a("mx.sts.test", "127.0.0.1")) {
            Path dir = Files.createTempDirectory("caravan-sts");
            MtaConfig config = MtaConfigLoader.parse(
                    "domain-policies:\n  default:\n    mta-sts: yes\n", dir.resolve("mta.yaml"));
            String[] hostPort = dns.address().split(":");
            SimpleResolver resolver = new SimpleResolver(InetAddress.getByName(hostPort[0]));
            resolver.setPort(Integer.parseInt(hostPort[1]));
            MxResolver mx = new MxResolver(resolver, clock, wrong.port(),
                    new DnsSettings(Duration.ofSeconds(2), Duration.ofSeconds(30), 100,
                            new NextHopFilter(List.of(Cidr.parse("127.0.0.0/8")))));
            try (DeliveryLines lines = new DeliveryLines(config, clock,
                    TlsTrust.of("trust", CA.trustStore(dir).toString(), TestCertificates.storePassword()))) {
                DeliveryAttempt attempt = new DeliveryAttempt(lines, mx, null, policies(dns));
                Exchange exchange = new DefaultExchange(
                        new DefaultCamelContext());
                Delivery d = new Delivery(MAIL, "<s@t>", "a@example.net", List.of("b@sts.test"), "sts.test",
                        "default", "default", null, null, 1L, 1);
                DeliveryHeaders.write(d, exchange.getMessage().getHeaders());
                exchange.getMessage().setBody(MAIL);

                attempt.prepare(exchange);
                OutboundMessage m = exchange.getMessage().getBody(OutboundMessage.class);
                assertThat(m.tlsDemand()).isEqualTo(TlsLevel.VERIFY);
                lines.get("default", "default").sender().send(m);

                assertThat(m.replies().get("b@sts.test").enhancedCode()).isEqualTo("4.7.5");
                assertThat(wrong.mailCommands()).as("MAIL commands the wrong-name server received").isZero();
                assertThat(fetches.get()).isEqualTo(1);
            }
        }
    }
}
