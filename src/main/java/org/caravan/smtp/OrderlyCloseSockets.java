package org.caravan.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;

import javax.net.SocketFactory;

/**
 * Sockets whose close() waits for the server to hang up (up to a bound) before letting go. The
 * pool frees a max-smtp-out slot when a retired connection is closed; without waiting, the next
 * connection could reach the server while it still counts the old one, one over the provider's
 * limit. After QUIT a server answers and hangs up at once, so the wait costs one round trip per
 * retired connection, not per message.
 */
final class OrderlyCloseSockets extends SocketFactory {

    private final int hangUpWaitMillis;

    OrderlyCloseSockets(int hangUpWaitMillis) {
        this.hangUpWaitMillis = hangUpWaitMillis;
    }

    @Override
    public Socket createSocket() {
        return new OrderlyCloseSocket(hangUpWaitMillis);
    }

    // Angus asks for an unconnected socket (connect timeout set); these are for other callers

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(localHost, localPort), new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(localAddress, localPort), new InetSocketAddress(address, port));
    }

    private Socket connected(SocketAddress local, SocketAddress remote) throws IOException {
        Socket socket = createSocket();
        if (local != null) {
            socket.bind(local);
        }
        socket.connect(remote);
        return socket;
    }

    private static final class OrderlyCloseSocket extends Socket {

        private final int hangUpWaitMillis;

        OrderlyCloseSocket(int hangUpWaitMillis) {
            this.hangUpWaitMillis = hangUpWaitMillis;
        }

        @Override
        public synchronized void close() throws IOException {
            if (isConnected() && !isClosed() && !isInputShutdown()) {
                awaitHangUp();
            }
            super.close();
        }

        private void awaitHangUp() {
            try {
                if (!isOutputShutdown()) {
                    shutdownOutput(); // our FIN: the server sees the end even if it missed QUIT
                }
                setSoTimeout(hangUpWaitMillis);
                InputStream in = getInputStream();
                byte[] discard = new byte[512];
                long deadline = System.nanoTime() + hangUpWaitMillis * 1_000_000L;
                while (in.read(discard) >= 0 && System.nanoTime() < deadline) {
                    // the 221 and anything else still in flight
                }
            } catch (SocketTimeoutException e) {
                // a server that does not hang up is not waited for any longer
            } catch (IOException e) {
                // reset or already gone: it has hung up
            }
        }
    }
}
