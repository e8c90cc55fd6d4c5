package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLSession;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.EventWatcher;
import org.caravan.testsupport.TestCertificates;
import org.caravan.testsupport.TlsSmtpServer;
import org.caravan.testsupport.TlsSmtpServer.Mode;
import org.junit.jupiter.api.Test;

/** STARTTLS per policy against a real SMTP server on 127.0.0.1 with certificates made here. */
class StartTlsTest {

    private static final TestCertificates CA = TestCertificates.ca("Caravan Test CA");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String config(int port, String tlsKeys) {
        return "domain-policies:\n  default:\n    route: 127.0.0.1:" + port + "\n    max-msg-per-connection: 1\n"
                + tlsKeys.indent(4);
    }

    private static String mail(String id) {
        return RoutingTest.mail("<" + id + "@tls.test>", "user@tls.test");
    }

    @Test
    void startTlsIsUsedWhenOfferedAndTheOutcomeSaysWithWhat() throws Exception {
        try (TlsSmtpServer server = TlsSmtpServer.start(CA.server("mx.elsewhere.test"), Mode.OFFER);
                Engine engine = Engine.start(config(server.port(), ""));
                EventWatcher events = engine.broker().watchEvents()) {
            engine.broker().submit(mail("offered"), Map.of());

            assertThat(server.awaitMessages(1, WAIT)).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());
            Map<String, Object> delivered = events.await("delivered", 1, WAIT).get(0);
            @SuppressWarnings("unchecked")
            Map<String, Object> tls = (Map<String, Object>) delivered.get("tls");
            SSLSession seen = server.sessions().get(0);
            assertThat(tls).containsEntry("protocol", seen.getProtocol()).containsEntry("cipher", seen.getCipherSuite())
                    .containsEntry("verified", false);
            assertThat(seen.getProtocol()).isEqualTo("TLSv1.3");
            CSVRecord record = engine.accounting().await("d", 1, WAIT).get(0);
            assertThat(record.get("tlsProtocol")).isEqualTo("TLSv1.3");
            assertThat(record.get("tlsCipher")).isEqualTo(seen.getCipherSuite());
            assertThat(record.get("tlsVerified")).isEqualTo("false");
        }
    }

    @Test
    void requireStartTlsDefersWhenTheServerDoesNotOfferIt() throws Exception {
        try (TlsSmtpServer server = TlsSmtpServer.start(null, Mode.PLAIN);
                Engine engine = Engine.start(config(server.port(), "require-starttls: yes"))) {
            engine.broker().submit(mail("not-offered"), Map.of());

            CSVRecord deferred = engine.accounting().await("t", 1, WAIT).get(0);
            assertThat(deferred.get("dsnStatus")).isEqualTo("4.7.4");
            assertThat(deferred.get("dsnDiag")).contains("TLS is required, but was not offered");
            assertThat(server.mailCommands()).as("MAIL commands the server received").isZero();
        }
    }

    @Test
    void hostnameVerificationDefersOnAWrongNameAndDeliversWithTheRightOneSignedByTheTrustedCa() throws Exception {
        Path dir = Files.createTempDirectory("caravan-tls");
        String trust = CA.trustStore(dir).toString();
        try (TlsSmtpServer wrong = TlsSmtpServer.start(CA.server("mx.wrong.test"), Mode.OFFER);
                TlsSmtpServer right = TlsSmtpServer.start(CA.server("127.0.0.1"), Mode.OFFER);
                Engine engine = Engine.start("domain-policies:\n"
                        + "  wrong:\n    match: [wrong.test]\n    route: 127.0.0.1:" + wrong.port() + "\n"
                        + "  right:\n    match: [right.test]\n    route: 127.0.0.1:" + right.port() + "\n"
                        + "  default:\n    tls-verify: hostname\n",
                        "caravan.tls.trust-store=" + trust,
                        "caravan.tls.trust-store-password=" + TestCertificates.storePassword());
                EventWatcher events = engine.broker().watchEvents()) {
            engine.broker().submit(RoutingTest.mail("<w@tls.test>", "user@wrong.test"), Map.of());
            engine.broker().submit(RoutingTest.mail("<r@tls.test>", "user@right.test"), Map.of());

            CSVRecord deferred = engine.accounting().await("t", 1, WAIT).get(0);
            assertThat(deferred.get("rcpt")).isEqualTo("user@wrong.test");
            assertThat(deferred.get("dsnStatus")).isEqualTo("4.7.5");
            assertThat(wrong.mailCommands()).isZero();
            Map<String, Object> delivered = events.await("delivered", 1, WAIT).get(0);
            assertThat(delivered.get("recipient")).isEqualTo("user@right.test");
            assertThat(delivered.get("tls")).asInstanceOf(
                    org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("verified", true);
            assertThat(right.messages()).singleElement().satisfies(m -> assertThat(m.tls()).isTrue());
        }
    }

    @Test
    void opportunisticTlsFallsBackToPlainAfterAFailedHandshakeAndRemembersTheMx() throws Exception {
        try (TlsSmtpServer server = TlsSmtpServer.start(CA.server("mx.tls.test"), Mode.BREAK_HANDSHAKE);
                Engine engine = Engine.start(config(server.port(), ""))) {
            engine.broker().submit(mail("first"), Map.of());
            assertThat(server.awaitMessages(1, WAIT)).hasSize(1);
            engine.broker().submit(mail("second"), Map.of());

            List<TlsSmtpServer.Message> got = server.awaitMessages(2, WAIT);
            assertThat(got).hasSize(2).allSatisfy(m -> assertThat(m.tls()).isFalse());
            assertThat(server.handshakesBroken()).as("handshakes tried: the second session went plain at once")
                    .isEqualTo(1);
            assertThat(engine.accounting().await("d", 2, WAIT)).allSatisfy(r ->
                    assertThat(r.get("tlsProtocol")).isEmpty());
        }
    }

    @Test
    void theNextSessionToTheSameMxResumesTheTlsSession() throws Exception {
        try (TlsSmtpServer server = TlsSmtpServer.start(CA.server("mx.tls.test"), Mode.OFFER_TLS12);
                Engine engine = Engine.start(config(server.port(), ""))) {
            engine.broker().submit(mail("one"), Map.of());
            assertThat(server.awaitMessages(1, WAIT)).hasSize(1);
            engine.broker().submit(mail("two"), Map.of());
            assertThat(server.awaitMessages(2, WAIT)).hasSize(2);

            List<SSLSession> sessions = server.sessions();
            assertThat(sessions).hasSize(2);
            assertThat(sessions.get(1).getId()).as("TLS 1.2 session id of the second session")
                    .isEqualTo(sessions.get(0).getId());
        }
    }
}
