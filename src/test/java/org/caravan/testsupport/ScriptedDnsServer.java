package org.caravan.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A name server on 127.0.0.1 (UDP) answering from a small zone written by the test, so an engine
 * resolves MX records over real sockets without ever asking the Internet. Names it does not know
 * get NXDOMAIN; names marked silent get no answer at all, as a dead server behaves.
 */
public final class ScriptedDnsServer implements AutoCloseable {

    private final DatagramSocket socket;
    private final Map<String, List<Record>> zone = new ConcurrentHashMap<>();
    private final Set<Name> silent = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final Set<Name> failing = ConcurrentHashMap.newKeySet();
    private final Set<Name> holding = ConcurrentHashMap.newKeySet();
    private final List<DatagramPacket> held = new ArrayList<>();
    private volatile long delayMillis;
    private final Thread loop;

    private ScriptedDnsServer() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        loop = new Thread(this::serve, "scripted-dns");
        loop.setDaemon(true);
        loop.start();
    }

    public static ScriptedDnsServer start() {
        try {
            return new ScriptedDnsServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "127.0.0.1:port", the value of caravan.dns.servers. */
    public String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    public ScriptedDnsServer mx(String domain, String host) {
        add(domain, Type.MX, new MXRecord(name(domain), DClass.IN, 300, 10, name(host)));
        return this;
    }

    public ScriptedDnsServer a(String host, String address) {
        try {
            add(host, Type.A, new ARecord(name(host), DClass.IN, 300, InetAddress.getByName(address))); // a literal
        } catch (IOException e) {
            throw new IllegalArgumentException(address, e);
        }
        return this;
    }

    /** A TXT record (one string) for the name, e.g. an _mta-sts record. */
    public ScriptedDnsServer txt(String name, String text) {
        add(name, Type.TXT, new org.xbill.DNS.TXTRecord(name(name), DClass.IN, 300, text));
        return this;
    }

    /** Forgets the records of the type for the name (the zone changed). */
    public ScriptedDnsServer remove(String name, int type) {
        zone.remove(key(name(name), type));
        return this;
    }

    /** Queries for the name are counted and never answered. */
    public ScriptedDnsServer silent(String name) {
        silent.add(name(name));
        return this;
    }

    /** Every answer waits this long (answers go out one at a time): a slow resolver. */
    public ScriptedDnsServer delay(Duration perAnswer) {
        delayMillis = perAnswer.toMillis();
        return this;
    }

    /** Queries for the name get SERVFAIL (a temporary failure) until {@link #heal}. */
    public ScriptedDnsServer servfail(String name) {
        failing.add(name(name));
        return this;
    }

    /** Queries for the name are kept unanswered until {@link #heal}, which answers them: a stalled server. */
    public ScriptedDnsServer hold(String name) {
        holding.add(name(name));
        return this;
    }

    /** The name is answered from the zone again; queries held for it are answered now. */
    public synchronized ScriptedDnsServer heal(String name) {
        Name n = name(name);
        failing.remove(n);
        silent.remove(n);
        holding.remove(n);
        List<DatagramPacket> waiting = new ArrayList<>(held);
        held.clear();
        for (DatagramPacket packet : waiting) {
            try {
                reply(packet);
            } catch (IOException e) {
                // closed: nothing to answer
            }
        }
        return this;
    }

    /** How many queries arrived in all, for any name and type. */
    public int totalQueries() {
        return queries.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** How many queries of the type arrived for the name. */
    public int queries(String name, int type) {
        AtomicInteger n = queries.get(key(name(name), type));
        return n == null ? 0 : n.get();
    }

    private void add(String name, int type, Record record) {
        zone.computeIfAbsent(key(name(name), type), k -> new ArrayList<>()).add(record);
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                packet = new DatagramPacket(java.util.Arrays.copyOf(packet.getData(), packet.getLength()),
                        packet.getLength(), packet.getSocketAddress());
                Record question = new Message(packet.getData()).getQuestion();
                queries.computeIfAbsent(key(question.getName(), question.getType()), k -> new AtomicInteger())
                        .incrementAndGet();
                if (silent.contains(question.getName())) {
                    continue;
                }
                synchronized (this) {
                    if (holding.contains(question.getName())) {
                        held.add(packet);
                        continue;
                    }
                }
                reply(packet);
            } catch (IOException e) {
                // closed, or a packet that is not DNS: nothing to answer
            }
        }
    }

    private void reply(DatagramPacket packet) throws IOException {
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Message query = new Message(packet.getData());
        Message response = answer(query, query.getQuestion());
        if (failing.contains(query.getQuestion().getName())) {
            response.getHeader().setRcode(Rcode.SERVFAIL);
            response.removeAllRecords(Section.ANSWER);
        }
        byte[] answer = response.toWire();
        socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
    }

    private Message answer(Message query, Record question) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        response.addRecord(question, Section.QUESTION);
        List<Record> records = zone.get(key(question.getName(), question.getType()));
        boolean known = zone.keySet().stream().anyMatch(k -> k.startsWith(question.getName() + "/"));
        response.getHeader().setRcode(known ? Rcode.NOERROR : Rcode.NXDOMAIN);
        if (records != null) {
            records.forEach(r -> response.addRecord(r, Section.ANSWER));
        }
        return response;
    }

    private static String key(Name name, int type) {
        return name + "/" + Type.string(type);
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
