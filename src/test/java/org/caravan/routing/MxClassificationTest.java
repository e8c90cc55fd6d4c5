package org.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Random;

import org.caravan.config.MtaConfig;
import org.caravan.config.MtaConfigLoader;
import org.caravan.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** DomainClassifier with mx-match, over an in-memory zone through the resolver delivery uses. */
class MxClassificationTest {

    private static final MtaConfig CONFIG = MtaConfigLoader.parse("""
            domain-policies:
              gmail:
                match: [gmail.com, "*.corp.example"]
                mx-match: ["*.google.com", "*.googlemail.com"]
              office365:
                mx-match: ["*.mail.protection.outlook.com"]
              microsoft:
                match: [hotmail.com]
                mx-match: ["*.protection.outlook.com"]
              default: {}
            """, Path.of("mta.yaml"));

    private final MxResolverTest.FakeDns dns = new MxResolverTest.FakeDns();
    private final MutableClock clock = new MutableClock();
    private final MxResolver mx = new MxResolver(dns, clock, 25, new Random(1));
    private final DomainClassifier classifier = new DomainClassifier(CONFIG, mx);

    @Test
    void namesWinOverMxHostsAndAskNoDns() throws Exception {
        dns.mx("sales.corp.example", 300, 10, "mx.elsewhere.test");
        dns.mx("hotmail.com", 300, 10, "hotmail-com.olc.protection.outlook.com");

        assertThat(classifier.atIntake("gmail.com")).isEqualTo("gmail");
        assertThat(classifier.atIntake("sales.corp.example")).as("suffix before MX").isEqualTo("gmail");
        assertThat(classifier.resolving("hotmail.com")).isEqualTo("microsoft");
        assertThat(dns.queries).isZero();
    }

    @Test
    void anUncachedDomainWaitsForTheClassificationStageWhichLooksItUpOnce() throws Exception {
        dns.mx("workspace.test", 300, 10, "aspmx.l.google.com", 20, "alt1.aspmx.l.google.com");

        assertThat(classifier.atIntake("workspace.test")).as("intake never waits: not decided yet").isNull();
        assertThat(dns.queries).isZero();
        assertThat(classifier.resolving("workspace.test")).isEqualTo("gmail");
        int asked = dns.queries;
        assertThat(classifier.atIntake("workspace.test")).as("cached now").isEqualTo("gmail");
        assertThat(dns.queries).isEqualTo(asked);
    }

    @Test
    void theMostSpecificPatternDecidesEachHostAndAllHostsMustAgree() throws Exception {
        dns.mx("tenant.test", 300, 10, "tenant-test.mail.protection.outlook.com");
        dns.mx("consumer.test", 300, 10, "consumer-test.olc.protection.outlook.com");
        dns.mx("mixed.test", 300, 10, "aspmx.l.google.com", 20, "backup.mixed.test");
        dns.mx("split.test", 300, 10, "aspmx.l.google.com", 20, "split-test.mail.protection.outlook.com");

        assertThat(classifier.resolving("tenant.test")).isEqualTo("office365");
        assertThat(classifier.resolving("consumer.test")).isEqualTo("microsoft");
        assertThat(classifier.resolving("mixed.test")).isEqualTo("default");
        assertThat(classifier.resolving("split.test")).isEqualTo("default");
    }

    @Test
    void mxNamesCountEvenWhenTheHostsHaveNoAddresses() throws Exception {
        dns.mx("noaddr.test", 300, 10, "aspmx.l.google.com");
        dns.timeout("aspmx.l.google.com", Type.A);
        dns.timeout("aspmx.l.google.com", Type.AAAA);

        assertThat(classifier.resolving("noaddr.test")).isEqualTo("gmail");
        assertThatThrownBy(() -> mx.resolve("noaddr.test")).as("delivery still defers")
                .isInstanceOfSatisfying(MxLookupException.class, e -> assertThat(e.permanent()).isFalse());
    }

    @Test
    void aTemporaryFailureOfTheMxQueryIsThrownAndANonexistentDomainGoesToDefault() throws Exception {
        dns.timeout("flaky.test", Type.MX);
        dns.nxdomain("gone.test");
        dns.mx("nullmx.test", 300, 0, ".");

        assertThatThrownBy(() -> classifier.resolving("flaky.test"))
                .isInstanceOfSatisfying(MxLookupException.class, e -> assertThat(e.permanent()).isFalse());
        assertThat(classifier.atIntake("flaky.test")).as("a cached failure is not an answer").isNull();
        assertThat(classifier.resolving("gone.test")).isEqualTo("default");
        assertThat(classifier.atIntake("gone.test")).isEqualTo("default");
        assertThat(classifier.resolving("nullmx.test")).isEqualTo("default");
    }

    @Test
    void withoutMxMatchOrForAddressLiteralsNothingWaits() throws Exception {
        DomainClassifier byName = new DomainClassifier(MtaConfigLoader.parse("domain-policies:\n  default: {}\n",
                Path.of("mta.yaml")), mx);

        assertThat(byName.atIntake("anything.test")).isEqualTo("default");
        assertThat(classifier.atIntake("[192.0.2.1]")).isEqualTo("default");
        assertThat(dns.queries).isZero();
    }
}
