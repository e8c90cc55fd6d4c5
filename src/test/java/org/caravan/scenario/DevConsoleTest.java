package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.caravan.testsupport.Console;
import org.caravan.testsupport.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The dev profile opens the console without a login: it says so loudly, binds loopback only, and
 * still keeps other sites out (foreign origins, names made to resolve to 127.0.0.1).
 */
@ExtendWith(OutputCaptureExtension.class)
class DevConsoleTest {

    private static final String CONFIG = "domain-policies:\n  default:\n    route: 127.0.0.1:2525\n";
    private static final String READ_HEAP =
            "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\"}";

    @Test
    void theDevProfileRefusesANonLoopbackBind() {
        // the broker's too: the dev profile's broker logins are in the README
        assertThatThrownBy(() -> Engine.start(CONFIG, "spring.profiles.active=dev", "server.address=0.0.0.0").close())
                .hasStackTraceContaining("caravan.admin.open=true (the 'dev' profile)")
                .hasStackTraceContaining("server.address must then be a loopback address, not '0.0.0.0'");
        // a documentation address, not this host's: nothing is exposed should the broker start first
        assertThatThrownBy(() -> Engine.start(CONFIG, "spring.profiles.active=dev", "caravan.broker.host=192.0.2.1").close())
                .hasStackTraceContaining("caravan.broker.host must then be a loopback address, not '192.0.2.1'");
    }

    @Test
    void theDevProfileIsOpenOnLoopbackSaysSoAndKeepsOtherSitesOut(CapturedOutput output) throws Exception {
        try (Engine engine = Engine.start(CONFIG, "spring.profiles.active=dev")) {
            assertThat(output.getOut()).contains("OPEN CONSOLE").contains("need NO LOGIN");
            Console browser = new Console(engine);

            assertThat(browser.page("/actuator/hawtio/").statusCode()).as("no login in dev").isEqualTo(200);
            HttpResponse<String> own = browser.jolokia(READ_HEAP);
            assertThat(own.body()).contains("HeapMemoryUsage");

            HttpResponse<String> foreign = browser.send(browser.jolokiaRequest(READ_HEAP)
                    .header("X-XSRF-TOKEN", browser.xsrfToken()).header("Origin", "http://evil.example"));
            assertThat(foreign.statusCode()).isEqualTo(403);
            HttpResponse<String> noToken = browser.sendCookieless(browser.jolokiaRequest(READ_HEAP));
            assertThat(noToken.statusCode()).as("a cross-site form post carries no token").isEqualTo(403);

            int port = Integer.parseInt(engine.context().getEnvironment().getProperty("local.server.port"));
            assertThat(statusLine(port, "evil.example:" + port)).as("DNS rebinding").contains(" 403 ");
            assertThat(statusLine(port, "127.0.0.1:" + port)).contains(" 200 ");
        }
    }

    /** A Jolokia POST over a plain socket, with a Host header of the test's choosing; the status line. */
    private static String statusLine(int port, String host) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(10_000);
            String request = "GET /actuator/hawtio/ HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/html\r\n"
                    + "Connection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                line.append((char) b);
            }
            return line.toString();
        }
    }
}
