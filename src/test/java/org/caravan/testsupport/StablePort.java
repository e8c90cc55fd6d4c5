package org.caravan.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A port for a broker that every restart binds again (the crash suite): free now, and below the
 * kernel's ephemeral range, so that no outgoing connection can take it while the engine is down.
 * An ephemeral port (Engine.freePort) can be, and the restart then fails with "address in use"
 * (seen once in the bench run).
 */
public final class StablePort {

    private StablePort() {
    }

    public static int pick() throws IOException {
        int low = 32768;
        try {
            low = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // the Linux default
        }
        Random r = new Random();
        for (int i = 0; i < 200; i++) {
            int port = 20000 + r.nextInt(Math.max(1, low - 20000));
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and " + low);
    }
}
