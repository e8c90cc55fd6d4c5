package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVRecord;
import org.caravan.testsupport.Engine;
import org.junit.jupiter.api.Test;

/**
 * Recipients at an address literal go to that address, under the same filter as DNS answers: a
 * literal naming the engine's own host or network bounces at once, without a DNS query (the
 * engine here has no route:, so any lookup would leave the machine).
 */
class AddressLiteralTest {

    @Test
    void literalsOfInternalAddressesBounceAsNoAcceptableNextHop() throws Exception {
        try (Engine engine = Engine.start("domain-policies:\n  default:\n    max-smtp-out: 1\n")) {
            engine.broker().submit(RoutingTest.mail("<literal@test>", "alice@[127.0.0.1], bob@[IPv6:::1]"), Map.of());

            List<CSVRecord> bounced = engine.accounting().await("b", 2, Duration.ofSeconds(30));
            assertThat(bounced).extracting(r -> r.get("rcpt")).containsExactlyInAnyOrder(
                    "alice@[127.0.0.1]", "bob@[ipv6:::1]");
            assertThat(bounced).allSatisfy(r -> {
                assertThat(r.get("dsnStatus")).isEqualTo("5.4.4");
                assertThat(r.get("dsnDiag")).contains("no acceptable next hop");
                assertThat(r.get("bounceCat")).isEqualTo("routing-errors");
                assertThat(r.get("attempt")).as("at the first attempt, not retried").isEqualTo("1");
            });
        }
    }
}
