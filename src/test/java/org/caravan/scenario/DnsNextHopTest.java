package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.caravan.testsupport.ScriptedDnsServer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** Next hops looked up over real DNS packets, from a scripted name server on 127.0.0.1. */
class DnsNextHopTest {

    private static final String NO_ROUTE = "domain-policies:\n  default:\n    max-smtp-out: 10\n";

    @Test
    void mailForADomainWhoseNameServerIsSilentWaitsOutOneTimeoutNotOnePerMessage() throws Exception {
        try (ScriptedDnsServer dns = ScriptedDnsServer.start().silent("dead.test");
                Engine engine = Engine.start(NO_ROUTE, "caravan.dns.servers=" + dns.address(),
                        "caravan.dns.timeout=2s", "caravan.dns.transient-failure-ttl=10m")) {
            List<byte[]> mails = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                mails.add(RoutingTest.mail("<dead" + i + "@test>", "user" + i + "@dead.test").getBytes());
            }
            engine.broker().submitAll(mails, Map.of());

            List<CSVRecord> deferred = engine.accounting().await("t", 30, Duration.ofSeconds(60));
            assertThat(deferred).hasSize(30).allSatisfy(r -> {
                assertThat(r.get("dsnStatus")).isEqualTo("4.4.3");
                assertThat(r.get("dsnDiag")).contains("NO_ANSWER");
            });
            assertThat(dns.queries("dead.test", Type.MX)).as("30 messages, one query").isEqualTo(1);
        }
    }

    @Test
    void anMxPointingAtTheLoopbackBouncesAndAPermittedBlockDoesNotOpenIt() throws Exception {
        try (ScriptedDnsServer dns = ScriptedDnsServer.start()
                .mx("inside.test", "mx.inside.test").a("mx.inside.test", "127.0.0.1");
                Engine engine = Engine.start(NO_ROUTE, "caravan.dns.servers=" + dns.address(),
                        "caravan.dns.permitted-next-hops=10.9.8.0/24", "caravan.dns.timeout=2s")) {
            engine.broker().submit(RoutingTest.mail("<inside@test>", "root@inside.test"), Map.of());

            List<CSVRecord> bounced = engine.accounting().await("b", 1, Duration.ofSeconds(30));
            assertThat(bounced).singleElement().satisfies(r -> {
                assertThat(r.get("rcpt")).isEqualTo("root@inside.test");
                assertThat(r.get("dsnStatus")).isEqualTo("5.4.4");
                assertThat(r.get("dsnDiag")).contains("no acceptable next hop").contains("127.0.0.1");
                assertThat(r.get("bounceCat")).isEqualTo("routing-errors");
            });
            assertThat(dns.queries("mx.inside.test", Type.A)).isEqualTo(1);
        }
    }
}
