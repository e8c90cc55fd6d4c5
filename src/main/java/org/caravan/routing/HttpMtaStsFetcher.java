package org.caravan.routing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The policy fetch over HTTPS with the JVM's roots and name check (RFC 8461 3.3: the certificate
 * must be valid for mta-sts.&lt;domain&gt;), no redirects, a short timeout and a size cap, since
 * the mail for the domain waits behind it.
 */
public final class HttpMtaStsFetcher implements MtaStsFetcher {

    /** RFC 8461 3.3: policy files should be small; 64 KB is what it says a sender may stop at. */
    static final int MAX_BYTES = 64 * 1024;

    private final HttpClient http;
    private final Duration timeout;

    public HttpMtaStsFetcher(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String fetch(String domain) throws IOException {
        URI uri = URI.create("https://mta-sts." + domain + "/.well-known/mta-sts.txt");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted fetching " + uri, e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException(uri + " answered HTTP " + response.statusCode());
            }
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("text/plain")) {
                throw new IOException(uri + " is " + (type.isEmpty() ? "without a media type" : type)
                        + ", not text/plain (RFC 8461 3.2)");
            }
            byte[] bytes = body.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException(uri + " is larger than " + MAX_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
