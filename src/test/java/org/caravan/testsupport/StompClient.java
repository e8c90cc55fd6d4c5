package org.caravan.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** STOMP 1.2 over a plain socket, as a script or a non-Java application would speak it. */
final class StompClient implements ProtocolClient {

    /** The broker answered a frame with ERROR. */
    static final class Refused extends IOException {
        Refused(String frame) {
            super("STOMP refused: " + frame);
        }
    }

    private final int port;
    private final String user;
    private final String password;

    StompClient(int port, String user, String password) {
        this.port = port;
        this.user = user;
        this.password = password;
    }

    @Override
    public void send(String address, boolean multicast, String body, Map<String, String> properties)
            throws IOException {
        try (Socket socket = connect()) {
            StringBuilder headers = new StringBuilder();
            properties.forEach((k, v) -> headers.append(k).append(':').append(v).append('\n'));
            // no content-length: the broker takes the body as text, as a script's SEND usually is
            write(socket, "SEND\ndestination:" + address + "\ndestination-type:" + type(multicast)
                    + "\npersistent:true\nreceipt:sent\n" + headers + "\n" + body);
            expect(socket, "RECEIPT");
        }
    }

    @Override
    public String take(String queue) throws IOException {
        try (Socket socket = connect()) {
            subscribe(socket, queue, false, "");
            String frame = readOrNull(socket, 1000);
            return frame == null ? null : body(frame);
        }
    }

    @Override
    public List<String> browse(String queue) throws IOException {
        try (Socket socket = connect()) {
            subscribe(socket, queue, false, "browser:true\n");
            List<String> out = new ArrayList<>();
            for (String frame = readOrNull(socket, 1000); frame != null; frame = readOrNull(socket, 1000)) {
                if (frame.contains("\nbrowser:end")) {
                    break;
                }
                out.add(body(frame));
            }
            return out;
        }
    }

    @Override
    public Subscription subscribe(String address) throws IOException {
        Socket socket = connect();
        try {
            subscribe(socket, address, true, "");
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try {
                socket.setSoTimeout(0);
                for (String frame = read(socket); frame != null; frame = read(socket)) {
                    received.add(body(frame));
                }
            } catch (IOException closed) {
                // the subscription ends with its socket
            }
        }, "stomp-subscription");
        reader.setDaemon(true);
        reader.start();
        return Subscription.of(received, socket);
    }

    private void subscribe(Socket socket, String address, boolean multicast, String extraHeaders) throws IOException {
        write(socket, "SUBSCRIBE\nid:1\ndestination:" + address + "\ndestination-type:" + type(multicast)
                + "\nack:auto\nreceipt:subscribed\n" + extraHeaders + "\n");
        expect(socket, "RECEIPT");
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(10_000);
        write(socket, "CONNECT\naccept-version:1.2\nhost:127.0.0.1\nheart-beat:0,0\nlogin:" + user
                + "\npasscode:" + password + "\n\n");
        expect(socket, "CONNECTED");
        return socket;
    }

    private static String type(boolean multicast) {
        return multicast ? "MULTICAST" : "ANYCAST";
    }

    private static void write(Socket socket, String frame) throws IOException {
        socket.getOutputStream().write((frame + "\0").getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    private static void expect(Socket socket, String command) throws IOException {
        String frame = read(socket);
        if (frame == null || !frame.startsWith(command)) {
            throw new Refused(String.valueOf(frame));
        }
    }

    private static String readOrNull(Socket socket, int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            String frame = read(socket);
            if (frame != null && frame.startsWith("ERROR")) {
                throw new Refused(frame);
            }
            return frame;
        } catch (SocketTimeoutException nothing) {
            return null;
        }
    }

    /** One frame up to its NUL, heart-beat newlines before it skipped; null when the broker hung up. */
    private static String read(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        int b = in.read();
        while (b == '\n' || b == '\r') {
            b = in.read();
        }
        for (; b > 0; b = in.read()) {
            frame.write(b);
        }
        return b < 0 && frame.size() == 0 ? null : frame.toString(StandardCharsets.UTF_8);
    }

    private static String body(String frame) {
        int blank = frame.indexOf("\n\n");
        return blank < 0 ? "" : frame.substring(blank + 2);
    }
}
