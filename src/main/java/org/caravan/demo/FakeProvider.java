package org.caravan.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * One fake receiving provider: a real SMTP server (SubEthaSMTP) on 127.0.0.1 that answers each
 * RCPT TO as its {@link Answer} says and throws the message away once accepted, counting what it
 * took and what it deferred.
 */
public final class FakeProvider implements AutoCloseable {

    private final String name;
    private final Answer answer;
    private final SMTPServer server;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong deferred = new AtomicLong();
    private volatile String lastRefusal = "";

    private FakeProvider(String name, int port, Answer answer) {
        this.name = name;
        this.answer = answer;
        this.server = SMTPServer.port(port)
                .bindAddress(InetAddress.getLoopbackAddress()) // never reachable from another host
                .hostName("mx." + name + ".demo.test")
                .softwareName("Caravan demo provider '" + name + "'")
                .messageHandlerFactory(this::handler)
                .build();
    }

    /** Starts it listening on 127.0.0.1:port. */
    static FakeProvider start(String name, int port, Answer answer) {
        FakeProvider provider = new FakeProvider(name, port, answer);
        provider.server.start();
        return provider;
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getPortAllocated();
    }

    /** Messages accepted (one per DATA). */
    public long received() {
        return received.get();
    }

    /** Recipients deferred. */
    public long deferred() {
        return deferred.get();
    }

    /** The last deferral's reply as one line, or "". */
    public String lastRefusal() {
        return lastRefusal;
    }

    @Override
    public void close() {
        server.stop();
    }

    private MessageHandler handler(MessageContext context) {
        String client = context.getRemoteAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() : String.valueOf(context.getRemoteAddress());
        return new MessageHandler() {
            private String sender = "";
            private boolean anyAccepted;

            @Override
            public void from(String address) {
                sender = address == null ? "" : address;
            }

            @Override
            public void recipient(String recipient) throws RejectException {
                Refusal refusal = answer.rcpt(client, sender, recipient);
                if (refusal != null) {
                    deferred.incrementAndGet();
                    lastRefusal = refusal.toString();
                    throw refusal;
                }
                anyAccepted = true;
            }

            @Override
            public String data(InputStream data) throws IOException {
                data.transferTo(java.io.OutputStream.nullOutputStream()); // accepted mail is thrown away
                if (anyAccepted) {
                    received.incrementAndGet();
                }
                return null;
            }

            @Override
            public void done() {
            }
        };
    }
}
