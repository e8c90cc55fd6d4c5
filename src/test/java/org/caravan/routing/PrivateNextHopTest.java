package org.caravan.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.caravan.routing.MxLookupException.Reason;
import org.caravan.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Next hops from DNS and from address literals never reach internal hosts unless the operator permits them. */
class PrivateNextHopTest {

    private static final int PORT = 2525;

    private final MxResolverTest.FakeDns dns = new MxResolverTest.FakeDns();
    private final MutableClock clock = new MutableClock();
    private final MxResolver resolver = new MxResolver(dns, clock, PORT, new Random(7));

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "100.64.0.1", "100.127.255.254", "169.254.169.254", "0.0.0.0", "0.1.2.3",
        "224.0.0.1", "239.255.255.250", "255.255.255.255"})
    void privateIpv4AddressesOfAnMxHostAreRefused(String address) {
        dns.mx("inside.test", 300, 10, "mx.inside.test");
        dns.a("mx.inside.test", 300, address);

        assertRefused("inside.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1", "::", "fe80::1", "febf::1", "fc00::1", "fd12:3456::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::10.0.0.1", "::10.0.0.1"})
    void privateIpv6AddressesAndIpv4InsideIpv6AreRefused(String address) {
        dns.nodata("implicit.test", org.xbill.DNS.Type.MX);
        dns.aaaa("implicit.test", 300, address);

        assertRefused("implicit.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1",
        "64:ff9b::8.8.8.8"})
    void publicAddressesAreUsed(String address) throws Exception {
        boolean v6 = address.contains(":");
        dns.mx("outside.test", 300, 10, "mx.outside.test");
        if (v6) {
            dns.aaaa("mx.outside.test", 300, address);
        } else {
            dns.a("mx.outside.test", 300, address);
        }

        assertThat(resolver.resolve("outside.test")).hasSize(1);
    }

    @Test
    void refusedHostsAreDroppedAndThePublicOnesKept() throws Exception {
        dns.mx("mixed.test", 300, 10, "internal.mixed.test", 20, "public.mixed.test");
        dns.a("internal.mixed.test", 300, "192.168.0.25");
        dns.aaaa("internal.mixed.test", 300, "fd00::25");
        dns.a("public.mixed.test", 300, "192.0.2.25");

        assertThat(resolver.resolve("mixed.test")).containsExactly(new NextHop("192.0.2.25", PORT));
    }

    @Test
    void permittedBlocksMayBeNextHops() throws Exception {
        MxResolver intranet = new MxResolver(dns, clock, PORT,
                DnsSettings.of("5s", "30s", 100, "10.20.0.0/16, 127.0.0.1"), new Random(7));
        dns.mx("corp.test", 300, 10, "relay.corp.test", 20, "other.corp.test");
        dns.a("relay.corp.test", 300, "10.20.1.1");
        dns.a("other.corp.test", 300, "10.21.1.1");

        assertThat(intranet.resolve("corp.test")).containsExactly(new NextHop("10.20.1.1", PORT));
        assertThat(intranet.resolve("[127.0.0.1]")).containsExactly(new NextHop("127.0.0.1", PORT));
    }

    @Test
    void addressLiteralsAreTheirOwnNextHopWithoutDns() throws Exception {
        assertThat(resolver.resolve("[192.0.2.1]")).containsExactly(new NextHop("192.0.2.1", PORT));
        assertThat(resolver.resolve("[ipv6:2001:db8::1]")).containsExactly(new NextHop("2001:db8:0:0:0:0:0:1", PORT));
        assertThat(resolver.resolve("[IPv6:2001:DB8::2]")).containsExactly(new NextHop("2001:db8:0:0:0:0:0:2", PORT));
        assertThat(dns.queries).isZero();
    }

    @Test
    void refusedOrMalformedAddressLiteralsFailPermanently() {
        for (String literal : List.of("[127.0.0.1]", "[10.0.0.1]", "[ipv6:::1]", "[ipv6:fe80::1]", "[ipv6:::ffff:127.0.0.1]")) {
            assertRefused(literal);
        }
        assertThatThrownBy(() -> resolver.resolve("[not-an-address]"))
                .isInstanceOfSatisfying(MxLookupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_DOMAIN);
                    assertThat(e.permanent()).isTrue();
                });
        assertThat(dns.queries).isZero();
    }

    @Test
    void badPermittedBlockStopsTheStartNamingTheKey() {
        assertThatThrownBy(() -> DnsSettings.of("5s", "30s", 100, "10.0.0.0/33"))
                .hasMessageStartingWith("caravan.dns.permitted-next-hops: ");
        assertThatThrownBy(() -> DnsSettings.of("5s", "30s", 100, "intranet.example"))
                .hasMessageStartingWith("caravan.dns.permitted-next-hops: ");
        assertThatThrownBy(() -> DnsSettings.of("soon", "30s", 100, ""))
                .hasMessageStartingWith("caravan.dns.timeout: ");
        assertThatThrownBy(() -> DnsSettings.of("5s", "30s", 100, "", "dns.example"))
                .hasMessageStartingWith("caravan.dns.servers: ");
        assertThat(DnsSettings.of("2s", "0s", 1, "").timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(DnsSettings.of("2s", "0s", 1, "", "127.0.0.1, 192.0.2.53:5353, ::1, [2001:db8::53]:5300").servers())
                .extracting(a -> a.getAddress().getHostAddress() + " " + a.getPort())
                .containsExactly("127.0.0.1 53", "192.0.2.53 5353", "0:0:0:0:0:0:0:1 53", "2001:db8:0:0:0:0:0:53 5300");
    }

    private void assertRefused(String domain) {
        assertThatThrownBy(() -> resolver.resolve(domain))
                .isInstanceOfSatisfying(MxLookupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NO_ACCEPTABLE_NEXT_HOP);
                    assertThat(e.permanent()).isTrue();
                    assertThat(e.reason().enhancedCode()).isEqualTo("5.4.4");
                });
    }
}
