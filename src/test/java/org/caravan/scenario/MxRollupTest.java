package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedDnsServer;
import org.caravan.testsupport.ScriptedSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * MX rollup: a domain whose every MX host matches a policy's mx-match is delivered under that
 * policy's queue and limits; each policy has its own SMTP server, so the server that got the mail
 * says which policy sent it. MX records come from a scripted name server.
 */
class MxRollupTest {

    private static ScriptedDnsServer dns;
    private static ScriptedSmtpServer gmail;
    private static ScriptedSmtpServer office365;
    private static ScriptedSmtpServer fallback;
    private static Engine engine;

    @BeforeAll
    static void start() {
        dns = ScriptedDnsServer.start()
                .mx("workspace.test", "aspmx.l.google.com").mx("workspace.test", "alt1.aspmx.l.google.com")
                .mx("contoso.test", "contoso-test.mail.protection.outlook.com")
                .mx("mixed.test", "aspmx.l.google.com").mx("mixed.test", "mx.mixed.test");
        gmail = ScriptedSmtpServer.start().stall(org.caravan.testsupport.SmtpStage.DATA_END, Duration.ofMillis(100));
        office365 = ScriptedSmtpServer.start();
        fallback = ScriptedSmtpServer.start();
        engine = Engine.start("""
                domain-policies:
                  gmail:
                    match: [gmail.com]
                    mx-match: ["*.google.com", "*.googlemail.com"]
                    max-smtp-out: 1
                    route: 127.0.0.1:%d
                  office365:
                    mx-match: ["*.mail.protection.outlook.com"]
                    route: 127.0.0.1:%d
                  default:
                    max-smtp-out: 10
                    route: 127.0.0.1:%d
                """.formatted(gmail.port(), office365.port(), fallback.port()),
                "caravan.dns.servers=" + dns.address(), "caravan.dns.timeout=2s");
    }

    @AfterAll
    static void stop() {
        engine.close();
        gmail.close();
        office365.close();
        fallback.close();
        dns.close();
    }

    @Test
    void aWorkspaceDomainIsDeliveredUnderTheGmailPolicyAndItsLimits() throws Exception {
        List<byte[]> mails = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            mails.add(RoutingTest.mail("<ws" + i + "@test>", "user" + i + "@workspace.test").getBytes());
        }
        engine.broker().submitAll(mails, Map.of());

        assertThat(gmail.awaitMessages(6, Duration.ofSeconds(30))).isTrue();
        assertThat(records("workspace.test", 6)).extracting(r -> r.get("policy")).containsOnly("gmail");
        assertThat(gmail.peakConcurrentSessions()).as("gmail's max-smtp-out: 1").isEqualTo(1);
        assertThat(fallback.received()).noneMatch(r -> r.rcptTo().get(0).endsWith("@workspace.test"));
        assertThat(dns.queries("workspace.test", Type.MX)).as("one lookup for six messages").isEqualTo(1);
    }

    @Test
    void anOffice365DomainIsDeliveredUnderTheOffice365Policy() throws Exception {
        engine.broker().submit(RoutingTest.mail("<o365@test>", "ceo@contoso.test"), Map.of());

        assertThat(office365.awaitMessages(1, Duration.ofSeconds(30))).isTrue();
        assertThat(office365.received().get(0).rcptTo()).containsExactly("ceo@contoso.test");
        assertThat(records("contoso.test", 1)).extracting(r -> r.get("policy")).containsOnly("office365");
    }

    @Test
    void aDomainWithOneMatchingAndOneOtherMxFallsToDefault() throws Exception {
        engine.broker().submit(RoutingTest.mail("<mixed@test>", "someone@mixed.test"), Map.of());

        assertThat(records("mixed.test", 1)).extracting(r -> r.get("policy")).containsOnly("default");
        assertThat(fallback.received()).anyMatch(r -> r.rcptTo().contains("someone@mixed.test"));
        assertThat(gmail.received()).noneMatch(r -> r.rcptTo().contains("someone@mixed.test"));
    }

    @Test
    void aDomainThatDoesNotExistIsClassifiedDefaultAndLeftToDelivery() throws Exception {
        engine.broker().submit(RoutingTest.mail("<nx@test>", "nobody@nowhere.test"), Map.of());

        // the default policy here has a fixed route, so delivery asks no DNS and sends it there
        assertThat(records("nowhere.test", 1)).extracting(r -> r.get("policy")).containsOnly("default");
    }

    private static List<CSVRecord> records(String domain, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<CSVRecord> found = List.of();
        while (System.nanoTime() < deadline) {
            found = engine.accounting().ofType("d").stream().filter(r -> r.get("domain").equals(domain)).toList();
            if (found.size() >= n) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(found).as("delivered to " + domain).hasSize(n);
        return found;
    }
}
