package org.caravan.routing;

import org.caravan.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.caravan.routing.MxLookupException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;

/** MxResolver against an in-memory zone: no packet leaves the JVM. */
class MxResolverTest {

    private static final int PORT = 2525;
    private static final Duration TRANSIENT_TTL = Duration.ofSeconds(30);

    private final FakeDns dns = new FakeDns();
    private final MutableClock clock = new MutableClock();
    private final MxResolver resolver = new MxResolver(dns, clock, PORT, new Random(42));

    @Test
    void mxHostsInPreferenceOrderExpandedToAddresses() throws Exception {
        dns.mx("example.test", 300, 20, "mx2.example.test", 10, "mx1.example.test");
        dns.a("mx1.example.test", 300, "192.0.2.1");
        dns.aaaa("mx1.example.test", 300, "2001:db8::1");
        dns.a("mx2.example.test", 300, "192.0.2.2");

        assertThat(resolver.resolve("example.test")).containsExactly(
                hop("192.0.2.1"), hop(v6("2001:db8::1")), hop("192.0.2.2"));
    }

    @Test
    void equalPreferencesAreShuffledButStayAheadOfWorseOnes() throws Exception {
        dns.mx("spread.test", 300, 10, "a.spread.test", 10, "b.spread.test", 10, "c.spread.test",
                20, "d.spread.test");
        dns.a("a.spread.test", 300, "192.0.2.1");
        dns.a("b.spread.test", 300, "192.0.2.2");
        dns.a("c.spread.test", 300, "192.0.2.3");
        dns.a("d.spread.test", 300, "192.0.2.4");

        Set<List<NextHop>> orders = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            List<NextHop> hops = resolver.resolve("spread.test");
            assertThat(hops.subList(0, 3)).containsExactlyInAnyOrder(
                    hop("192.0.2.1"), hop("192.0.2.2"), hop("192.0.2.3"));
            assertThat(hops.get(3)).isEqualTo(hop("192.0.2.4"));
            orders.add(hops);
        }
        assertThat(orders).as("shuffled per call, also from cache").hasSizeGreaterThan(1);
    }

    @Test
    void noMxFallsBackToTheDomainsOwnAddresses() throws Exception {
        dns.nodata("implicit.test", Type.MX);
        dns.a("implicit.test", 300, "192.0.2.9");
        dns.aaaa("implicit.test", 300, "2001:db8::9");

        assertThat(resolver.resolve("implicit.test"))
                .containsExactly(hop("192.0.2.9"), hop(v6("2001:db8::9")));
    }

    @Test
    void mxTargetWithoutAddressIsSkippedOthersRemain() throws Exception {
        dns.mx("partial.test", 300, 10, "gone.partial.test", 20, "bare.partial.test",
                30, "ok.partial.test");
        dns.nxdomain("gone.partial.test");
        dns.nodata("bare.partial.test", Type.A);
        dns.a("ok.partial.test", 300, "192.0.2.7");

        assertThat(resolver.resolve("partial.test")).containsExactly(hop("192.0.2.7"));
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("nxdomain.test", Reason.NO_SUCH_DOMAIN, true),
                Arguments.of("nullmx.test", Reason.NULL_MX, true),
                Arguments.of("nohosts.test", Reason.MX_RESOLVED_TO_ZERO_HOSTS, true),
                Arguments.of("noaddress.test", Reason.MX_RESOLVED_TO_ZERO_HOSTS, true),
                Arguments.of("bad..name", Reason.INVALID_DOMAIN, true),
                Arguments.of("servfail.test", Reason.SERVER_FAILURE, false),
                Arguments.of("timeout.test", Reason.NO_ANSWER, false),
                Arguments.of("hostfail.test", Reason.SERVER_FAILURE, false));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("failures")
    void failuresAreClassifiedPermanentOrTransient(String domain, Reason reason, boolean permanent) {
        dns.nxdomain("nxdomain.test");
        dns.mx("nullmx.test", 300, 0, ".");
        dns.mx("nohosts.test", 300, 10, "missing.nohosts.test");
        dns.nxdomain("missing.nohosts.test");
        dns.nodata("noaddress.test", Type.MX);
        dns.nodata("noaddress.test", Type.A);
        dns.rcode("servfail.test", Type.MX, Rcode.SERVFAIL);
        dns.timeout("timeout.test", Type.MX);
        dns.mx("hostfail.test", 300, 10, "mx.hostfail.test");
        dns.rcode("mx.hostfail.test", Type.A, Rcode.SERVFAIL);
        dns.rcode("mx.hostfail.test", Type.AAAA, Rcode.SERVFAIL);

        assertThatThrownBy(() -> resolver.resolve(domain))
                .isInstanceOfSatisfying(MxLookupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.permanent()).isEqualTo(permanent);
                });
    }

    @Test
    void nullMxNeedsNoAddressLookups() {
        dns.mx("nullmx.test", 300, 0, ".");

        assertThatThrownBy(() -> resolver.resolve("nullmx.test")).isInstanceOf(MxLookupException.class);
        assertThat(dns.queries).isEqualTo(1);
    }

    @Test
    void answersAreCachedUntilTheSmallestTtlExpires() throws Exception {
        dns.mx("cached.test", 600, 10, "mx.cached.test");
        dns.a("mx.cached.test", 120, "192.0.2.5");
        resolver.resolve("cached.test");
        int first = dns.queries;

        clock.advance(Duration.ofSeconds(119));
        assertThat(resolver.resolve("Cached.TEST.")).containsExactly(hop("192.0.2.5"));
        assertThat(dns.queries).as("served from cache").isEqualTo(first);

        clock.advance(Duration.ofSeconds(1));
        resolver.resolve("cached.test");
        assertThat(dns.queries).as("expired after the A record's TTL").isEqualTo(2 * first);
    }

    @Test
    void ttlIsCappedAtOneHour() throws Exception {
        dns.mx("long.test", 86_400, 10, "mx.long.test");
        dns.a("mx.long.test", 86_400, "192.0.2.6");
        resolver.resolve("long.test");
        int first = dns.queries;

        clock.advance(MxResolver.MAX_TTL);
        resolver.resolve("long.test");
        assertThat(dns.queries).isEqualTo(2 * first);
    }

    @Test
    void nxdomainIsCachedForTheNegativeTtlServfailBriefly() {
        dns.nxdomain("nxdomain.test");
        dns.rcode("servfail.test", Type.MX, Rcode.SERVFAIL);

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> resolver.resolve("nxdomain.test"));
            assertThatThrownBy(() -> resolver.resolve("servfail.test"))
                    .isInstanceOfSatisfying(MxLookupException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.SERVER_FAILURE));
        }
        assertThat(dns.queries).as("1 NXDOMAIN + 1 SERVFAIL").isEqualTo(2);

        clock.advance(TRANSIENT_TTL);
        assertThatThrownBy(() -> resolver.resolve("servfail.test"));
        assertThat(dns.queries).as("SERVFAIL asked again after the transient-failure TTL").isEqualTo(3);
        clock.advance(MxResolver.NEGATIVE_TTL);
        assertThatThrownBy(() -> resolver.resolve("nxdomain.test"));
        assertThat(dns.queries).isEqualTo(4);
    }

    @Test
    void concurrentLookupsOfATimingOutDomainWaitForOneQuery() throws Exception {
        dns.timeout("dead.test", Type.MX);
        dns.a("alive.test", 300, "192.0.2.10");
        java.util.concurrent.CountDownLatch release = dns.hold("dead.test");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Reason>> waiting = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                waiting.add(pool.submit(() -> {
                    try {
                        resolver.resolve("dead.test");
                        return null;
                    } catch (MxLookupException e) {
                        return e.reason();
                    }
                }));
            }
            dns.awaitHeld(1);
            // the stuck domain holds up no other
            assertThat(resolver.resolve("alive.test")).containsExactly(hop("192.0.2.10"));
            release.countDown();
            for (java.util.concurrent.Future<Reason> f : waiting) {
                assertThat(f.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(Reason.NO_ANSWER);
            }
            assertThat(dns.asked("dead.test", Type.MX)).as("8 messages, one timeout").isEqualTo(1);
            assertThatThrownBy(() -> resolver.resolve("dead.test"));
            assertThat(dns.asked("dead.test", Type.MX)).as("the next message defers at once").isEqualTo(1);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void theAddressesOfAllMxHostsAreAskedAtOnce() throws Exception {
        dns.mx("slow.test", 300, 10, "a.slow.test", 20, "b.slow.test", 30, "c.slow.test");
        dns.a("a.slow.test", 300, "192.0.2.1");
        dns.a("b.slow.test", 300, "192.0.2.2");
        dns.a("c.slow.test", 300, "192.0.2.3");
        List<java.util.concurrent.CountDownLatch> gates = List.of(dns.hold("a.slow.test"), dns.hold("b.slow.test"),
                dns.hold("c.slow.test"));
        CompletableFuture<List<NextHop>> hops = CompletableFuture.supplyAsync(() -> {
            try {
                return resolver.resolve("slow.test");
            } catch (MxLookupException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            dns.awaitHeld(6); // A and AAAA of three hosts outstanding together: one timeout, not six
        } finally {
            gates.forEach(java.util.concurrent.CountDownLatch::countDown);
        }
        assertThat(hops.get(10, java.util.concurrent.TimeUnit.SECONDS))
                .containsExactly(hop("192.0.2.1"), hop("192.0.2.2"), hop("192.0.2.3"));
    }

    @Test
    void cacheKeepsTheMostRecentlyUsedDomainsUpToItsSize() throws Exception {
        MxResolver small = new MxResolver(dns, clock, PORT,
                new DnsSettings(Duration.ofSeconds(5), TRANSIENT_TTL, 3, NextHopFilter.PUBLIC_ONLY), new Random(1));
        for (String d : new String[] {"a.test", "b.test", "c.test", "d.test"}) {
            dns.a(d, 3600, "192.0.2.1");
        }
        small.resolve("a.test");
        small.resolve("b.test");
        small.resolve("c.test");
        small.resolve("a.test");
        small.resolve("d.test"); // pushes out b, the least recently used
        int before = dns.queries;
        small.resolve("a.test");
        small.resolve("c.test");
        small.resolve("d.test");
        assertThat(dns.queries).as("a, c, d still cached").isEqualTo(before);
        small.resolve("b.test");
        assertThat(dns.queries).as("b looked up again").isGreaterThan(before);
    }

    @Test
    void hostFailingTransientlyShortensTheCacheOfAPartialAnswer() throws Exception {
        dns.mx("flaky.test", 3600, 10, "down.flaky.test", 20, "up.flaky.test");
        dns.timeout("down.flaky.test", Type.A);
        dns.timeout("down.flaky.test", Type.AAAA);
        dns.a("up.flaky.test", 3600, "192.0.2.8");

        assertThat(resolver.resolve("flaky.test")).containsExactly(hop("192.0.2.8"));
        int first = dns.queries;
        clock.advance(MxResolver.NEGATIVE_TTL);
        resolver.resolve("flaky.test");
        assertThat(dns.queries).isEqualTo(2 * first);
    }

    private static NextHop hop(String address) {
        return new NextHop(address, PORT);
    }

    /** The textual form Java gives an IPv6 address, whatever form the test wrote. */
    private static String v6(String literal) {
        try {
            return InetAddress.getByName(literal).getHostAddress(); // a literal: parsed, not looked up
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** Answers from a map of (name, type); unknown questions get NOERROR with no records. */
    static final class FakeDns implements Resolver {
        private record Key(Name name, int type) {}

        private record Answer(int rcode, List<Record> records, boolean timeout) {}

        private final Map<Key, Answer> zone = new HashMap<>();
        private final Map<Key, Integer> asked = new HashMap<>();
        private final Map<Name, java.util.concurrent.CountDownLatch> holds = new HashMap<>();
        private final java.util.concurrent.Semaphore held = new java.util.concurrent.Semaphore(0);
        int queries;

        void mx(String domain, long ttl, Object... preferenceTargetPairs) {
            List<Record> records = new ArrayList<>();
            for (int i = 0; i < preferenceTargetPairs.length; i += 2) {
                records.add(new MXRecord(name(domain), DClass.IN, ttl,
                        (Integer) preferenceTargetPairs[i], name((String) preferenceTargetPairs[i + 1])));
            }
            zone.put(new Key(name(domain), Type.MX), new Answer(Rcode.NOERROR, records, false));
        }

        void a(String host, long ttl, String address) {
            add(host, Type.A, new ARecord(name(host), DClass.IN, ttl, ip(address)));
        }

        void aaaa(String host, long ttl, String address) {
            add(host, Type.AAAA, new AAAARecord(name(host), DClass.IN, ttl, ip6(address)));
        }

        void nodata(String name, int type) {
            zone.put(new Key(name(name), type), new Answer(Rcode.NOERROR, List.of(), false));
        }

        void nxdomain(String name) {
            for (int type : new int[] {Type.MX, Type.A, Type.AAAA}) {
                rcode(name, type, Rcode.NXDOMAIN);
            }
        }

        void rcode(String name, int type, int rcode) {
            zone.put(new Key(name(name), type), new Answer(rcode, List.of(), false));
        }

        void timeout(String name, int type) {
            zone.put(new Key(name(name), type), new Answer(Rcode.NOERROR, List.of(), true));
        }

        private void add(String name, int type, Record record) {
            zone.computeIfAbsent(new Key(name(name), type),
                    k -> new Answer(Rcode.NOERROR, new ArrayList<>(), false)).records().add(record);
        }

        @Override
        public Message send(Message query) throws IOException {
            Record question = query.getQuestion();
            Key key = new Key(question.getName(), question.getType());
            Answer answer;
            java.util.concurrent.CountDownLatch gate;
            synchronized (this) {
                queries++;
                asked.merge(key, 1, Integer::sum);
                answer = zone.getOrDefault(key, new Answer(Rcode.NOERROR, List.of(), false));
                gate = holds.get(question.getName());
            }
            if (gate != null) {
                held.release();
                try {
                    gate.await(); // a slow server: outside the lock, so other questions go on
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            if (answer.timeout()) {
                throw new IOException("timed out (fake)");
            }
            Message response = new Message(query.getHeader().getID());
            response.getHeader().setFlag(Flags.QR);
            response.getHeader().setRcode(answer.rcode());
            response.addRecord(question, Section.QUESTION);
            answer.records().forEach(r -> response.addRecord(r, Section.ANSWER));
            return new Message(response.toWire()); // through the wire format, as a server's would be
        }

        /** Queries for name wait until the returned latch is released. */
        synchronized java.util.concurrent.CountDownLatch hold(String name) {
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            holds.put(name(name), gate);
            return gate;
        }

        /** Waits until n queries are being held. */
        void awaitHeld(int n) throws InterruptedException {
            if (!held.tryAcquire(n, 10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("no held query arrived");
            }
        }

        synchronized int asked(String name, int type) {
            return asked.getOrDefault(new Key(name(name), type), 0);
        }

        @Override
        public CompletionStage<Message> sendAsync(Message query) {
            return sendAsync(query, (Executor) null);
        }

        /** Answered on another thread, as a real resolver's network reply arrives. */
        @Override
        public CompletionStage<Message> sendAsync(Message query, Executor executor) {
            CompletableFuture<Message> answer = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    answer.complete(send(query));
                } catch (IOException e) {
                    answer.completeExceptionally(e);
                }
            }, "fake-dns");
            t.setDaemon(true);
            t.start();
            return answer;
        }

        private static Name name(String s) {
            try {
                return Name.fromString(s.endsWith(".") ? s : s + ".");
            } catch (IOException e) {
                throw new IllegalArgumentException(s, e);
            }
        }

        /** Kept as 16 bytes even for ::ffff:a.b.c.d, which Java would turn into an IPv4 address. */
        private static InetAddress ip6(String literal) {
            try {
                return java.net.Inet6Address.getByAddress(null,
                        org.xbill.DNS.Address.toByteArray(literal, org.xbill.DNS.Address.IPv6), -1);
            } catch (IOException e) {
                throw new IllegalArgumentException(literal, e);
            }
        }

        private static InetAddress ip(String literal) {
            try {
                return InetAddress.getByName(literal); // only ever literals here
            } catch (IOException e) {
                throw new IllegalArgumentException(literal, e);
            }
        }

        @Override public void setPort(int port) {}
        @Override public void setTCP(boolean flag) {}
        @Override public void setIgnoreTruncation(boolean flag) {}
        @Override public void setEDNS(int version, int payload, int flags, List<EDNSOption> options) {}
        @Override public void setTSIGKey(TSIG key) {}
        @Override public void setTimeout(Duration timeout) {}
    }

}
