package org.caravan.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.caravan.testsupport.Console;
import org.caravan.testsupport.Engine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console over real HTTP: a login form instead of a Basic challenge, CSRF tokens on every
 * state-changing request of a browser session, no foreign origins, a Jolokia that refuses what
 * would hand out the JVM (agents, heap dumps, VM flags, Camel's send to any endpoint, proxies)
 * even to the logged-in admin, and no session for anyone who has not logged in.
 */
class ConsoleSecurityTest {

    private static final String READ_HEAP =
            "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\"}";

    private static Engine engine;
    private static Console admin;

    @BeforeAll
    static void startAndLogIn() throws Exception {
        engine = Engine.start("domain-policies:\n  default:\n    route: 127.0.0.1:" + Engine.freePort() + "\n");
        admin = new Console(engine);
        HttpResponse<String> login = admin.logIn(Engine.ADMIN, Engine.ADMIN_PASSWORD);
        assertThat(login.statusCode()).as("form login answer").isEqualTo(302);
        assertThat(login.headers().firstValue("Location").orElse("")).endsWith("/actuator/hawtio/");
        // the login renews the CSRF token; the page it leads to hands the new one out, as in a browser
        assertThat(admin.page("/actuator/hawtio/").statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void stopEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aBrowserIsSentToTheLoginFormNotABasicChallenge() throws Exception {
        Console stranger = new Console(engine);
        HttpResponse<String> hawtio = stranger.page("/actuator/hawtio/");
        assertThat(hawtio.statusCode()).isEqualTo(302);
        assertThat(hawtio.headers().firstValue("Location").orElse("")).endsWith("/login");
        assertThat(hawtio.headers().firstValue("WWW-Authenticate")).isEmpty();

        HttpResponse<String> form = stranger.page("/login");
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("name=\"username\"", "name=\"password\"", "name=\"_csrf\"");

        HttpResponse<String> script = stranger.send(stranger.jolokiaRequest(READ_HEAP));
        assertThat(script.statusCode()).isEqualTo(401);
        assertThat(script.headers().firstValue("WWW-Authenticate")).as("no Basic challenge").isEmpty();
    }

    @Test
    void theLoggedInAdminReachesHawtioAndJolokiaWithTheToken() throws Exception {
        assertThat(admin.page("/actuator/hawtio/").statusCode()).isEqualTo(200);
        HttpResponse<String> read = admin.jolokia(READ_HEAP);
        assertThat(status(read)).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains("HeapMemoryUsage");
        // the path Hawtio's own pages post to
        HttpResponse<String> viaHawtio = admin.send(admin.request("/actuator/hawtio/jolokia")
                .header("Content-Type", "application/json").header("X-XSRF-TOKEN", admin.xsrfToken())
                .header("Origin", admin.base()).POST(HttpRequest.BodyPublishers.ofString(READ_HEAP)));
        assertThat(status(viaHawtio)).as(viaHawtio.body()).isEqualTo(200);
    }

    @Test
    void aSessionPostWithoutTheCsrfTokenIsRefused() throws Exception {
        HttpResponse<String> noToken = admin.send(admin.jolokiaRequest(READ_HEAP).header("Origin", admin.base()));
        assertThat(noToken.statusCode()).isEqualTo(403);
        HttpResponse<String> textPlain = admin.send(admin.request("/actuator/jolokia")
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(READ_HEAP)));
        assertThat(textPlain.statusCode()).isEqualTo(403);
    }

    @Test
    void aForeignOriginIsRefusedEvenWithSessionAndToken() throws Exception {
        HttpResponse<String> forged = admin.send(admin.jolokiaRequest(READ_HEAP)
                .header("X-XSRF-TOKEN", admin.xsrfToken()).header("Origin", "http://evil.example"));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).doesNotContain("HeapMemoryUsage");

        HttpResponse<String> preflight = admin.send(admin.request("/actuator/jolokia")
                .header("Origin", "http://evil.example").header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(preflight.statusCode()).isEqualTo(403);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void jolokiaRefusesWhatHandsOutTheJvmEvenToTheAdmin() throws Exception {
        assertDeniedByPolicy(admin.jolokia(exec("com.sun.management:type=DiagnosticCommand", "vmVersion", "[[]]")));
        assertDeniedByPolicy(admin.jolokia(exec("com.sun.management:type=DiagnosticCommand", "jvmtiAgentLoad",
                "[[\"/nonexistent/agent.so\"]]")));
        assertDeniedByPolicy(admin.jolokia(exec("com.sun.management:type=HotSpotDiagnostic", "getVMOption",
                "[\"MaxHeapSize\"]")));
        assertDeniedByPolicy(admin.jolokia(exec("org.apache.camel:context=caravan,type=context,name=\"caravan\"",
                "sendBody(java.lang.String,java.lang.Object)", "[\"log:probe\",\"forged\"]")));
        assertDeniedByPolicy(admin.jolokia("{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\","
                + "\"attribute\":\"Verbose\",\"value\":true}"));
        assertDeniedByPolicy(admin.jolokiaAsScript(Engine.ADMIN, Engine.ADMIN_PASSWORD,
                exec("com.sun.management:type=DiagnosticCommand", "vmVersion", "[[]]")));
    }

    /** Refused by Jolokia's access policy itself (not by a missing token or login on the way). */
    private static void assertDeniedByPolicy(HttpResponse<String> response) throws IOException {
        assertThat(status(response)).as(response.body()).isEqualTo(403);
        assertThat(response.body()).containsIgnoringCase("forbidden for MBean");
    }

    @Test
    void jolokiaStillRunsTheEnginesOwnControls() throws Exception {
        String policy = "org.caravan:type=Policy,vmta=default,name=default";
        HttpResponse<String> write = admin.jolokia("{\"type\":\"write\",\"mbean\":\"" + policy
                + "\",\"attribute\":\"MaxMsgPerConnection\",\"value\":7}");
        assertThat(status(write)).as(write.body()).isEqualTo(200);
        HttpResponse<String> read = admin.jolokia("{\"type\":\"read\",\"mbean\":\"" + policy
                + "\",\"attribute\":\"MaxMsgPerConnection\"}");
        assertThat(json(read).path("value").asInt()).isEqualTo(7);
    }

    @Test
    void aGetCannotRunJolokia() throws Exception {
        HttpResponse<String> get = admin.send(admin.request("/actuator/jolokia/read/java.lang:type=Memory").GET());
        assertThat(get.body()).doesNotContain("HeapMemoryUsage");
    }

    @Test
    void neitherProxyConnectsWhereTheCallerPoints() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = target.getLocalPort();
            String viaJmx = "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\","
                    + "\"target\":{\"url\":\"service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi\"}}";
            HttpResponse<String> jsr160 = admin.jolokia(viaJmx);
            HttpResponse<String> http = admin.send(admin.request("/actuator/hawtio/proxy/127.0.0.1/" + port + "/x")
                    .header("Accept", "application/json").GET());

            // the JSR-160 request is answered by the local MBean server, if at all; the HTTP proxy is off
            assertThat(jsr160.body()).doesNotContain("Connection refused", "jmxrmi\" is not");
            assertThat(http.statusCode()).isNotEqualTo(200);
            assertThat(accepted(target)).as("connections the engine opened to port %d", port).isFalse();
        }
    }

    @Test
    void anonymousRequestsLeaveNoSessions() throws Exception {
        Console visitors = new Console(engine);
        int before = visitors.activeSessions();
        // a session left behind by any one of these requests shows at once; 50 rounds (200 requests)
        // catch one left only now and then as well, without paying for thousands of round trips
        for (int i = 0; i < 50; i++) {
            visitors.sendCookieless(visitors.request("/actuator/hawtio/").header("Accept", "text/html").GET());
            visitors.sendCookieless(visitors.request("/login").header("Accept", "text/html").GET());
            visitors.sendCookieless(visitors.jolokiaRequest(READ_HEAP));
            visitors.sendCookieless(visitors.request("/actuator/hawtio/jolokia/version").GET());
        }
        assertThat(visitors.activeSessions()).as("sessions after 200 anonymous requests").isEqualTo(before);
    }

    @Test
    void scriptsWithBasicCredentialsLeaveNoSessions() throws Exception {
        Console scripts = new Console(engine);
        int before = scripts.activeSessions();
        // each Basic request checks the password afresh (about 0.2 s here: Spring Security upgrades the
        // {noop} password to bcrypt after the first login), so 20 requests, not hundreds: a session
        // left behind per request, or by the first one only, shows as surely
        for (int i = 0; i < 20; i++) {
            assertThat(scripts.jolokiaAsScript(Engine.ADMIN, Engine.ADMIN_PASSWORD, READ_HEAP).statusCode()).isEqualTo(200);
        }
        assertThat(scripts.activeSessions()).as("sessions after 20 script requests").isEqualTo(before);
    }

    private static boolean accepted(ServerSocket target) throws IOException {
        target.setSoTimeout(500); // the requests have been answered: a connection would be queued already
        try (Socket connection = target.accept()) {
            return connection != null;
        } catch (SocketTimeoutException none) {
            return false;
        }
    }

    private static String exec(String mbean, String operation, String arguments) {
        return "{\"type\":\"exec\",\"mbean\":\"" + mbean.replace("\"", "\\\"") + "\",\"operation\":\"" + operation
                + "\",\"arguments\":" + arguments + "}";
    }

    /** Jolokia's own status (its JSON answer), or the HTTP status when the answer is not Jolokia's. */
    private static int status(HttpResponse<String> response) throws IOException {
        if (response.statusCode() != 200) {
            return response.statusCode();
        }
        return json(response).path("status").asInt(-1);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return new ObjectMapper().readTree(response.body());
    }
}
