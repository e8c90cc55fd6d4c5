package org.caravan.testsupport;

import java.io.IOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.catalina.Container;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;

/**
 * A browser-like client of an engine's HTTP console over real HTTP: its own cookie jar (session,
 * XSRF-TOKEN), the login form, Jolokia posts the way Hawtio sends them.
 */
public final class Console {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern HIDDEN_CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    private final Engine engine;
    private final int port;
    private final CookieManager cookies = new CookieManager();
    private final HttpClient http;
    private final HttpClient cookieless;

    public Console(Engine engine) {
        this.engine = engine;
        this.port = Integer.parseInt(engine.context().getEnvironment().getProperty("local.server.port"));
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.cookieless = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    public String base() {
        return "http://127.0.0.1:" + port;
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base() + path)).timeout(TIMEOUT);
    }

    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A page as a browser asks for it (Accept: text/html). */
    public HttpResponse<String> page(String path) throws IOException, InterruptedException {
        return send(request(path).header("Accept", "text/html,application/xhtml+xml").GET());
    }

    /** Logs in on the form with the hidden CSRF field, as a browser does; returns the form's answer. */
    public HttpResponse<String> logIn(String user, String password) throws IOException, InterruptedException {
        HttpResponse<String> form = page("/login");
        Matcher hidden = HIDDEN_CSRF.matcher(form.body());
        String csrf = hidden.find() ? hidden.group(1) : "";
        String body = "username=" + encode(user) + "&password=" + encode(password) + "&_csrf=" + encode(csrf);
        return send(request("/login").header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", base()).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A Jolokia request from the logged-in page: session cookie, X-XSRF-TOKEN header, own Origin. */
    public HttpResponse<String> jolokia(String json) throws IOException, InterruptedException {
        return send(jolokiaRequest(json).header("X-XSRF-TOKEN", xsrfToken()).header("Origin", base()));
    }

    /** A Jolokia post with nothing but what the caller adds (and the cookies the jar holds). */
    public HttpRequest.Builder jolokiaRequest(String json) {
        return request("/actuator/jolokia").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    /** A script's Jolokia post with HTTP Basic and no cookies. */
    public HttpResponse<String> jolokiaAsScript(String user, String password, String json)
            throws IOException, InterruptedException {
        return sendCookieless(jolokiaRequest(json).header("Authorization", basic(user, password)));
    }

    /** A request from a client that keeps no cookies: every request a new visitor. */
    public HttpResponse<String> sendCookieless(HttpRequest.Builder request) throws IOException, InterruptedException {
        return cookieless.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public String xsrfToken() {
        return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("XSRF-TOKEN"))
                .map(HttpCookie::getValue).findFirst().orElse("");
    }

    public boolean hasSessionCookie() {
        return cookies.getCookieStore().getCookies().stream().anyMatch(c -> c.getName().equals("JSESSIONID"));
    }

    /** HTTP sessions the engine's Tomcat holds right now. */
    public int activeSessions() {
        TomcatWebServer server = (TomcatWebServer) ((ServletWebServerApplicationContext) engine.context()).getWebServer();
        int sessions = 0;
        for (Container context : server.getTomcat().getHost().findChildren()) {
            sessions += ((org.apache.catalina.Context) context).getManager().getActiveSessions();
        }
        return sessions;
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
