package org.caravan.console;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.caravan.config.ConfigException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The console answers its own pages only: a request whose {@code Origin} is another site's (a page
 * elsewhere posting to Jolokia with the operator's cookies) is refused before any handler runs,
 * preflights included. The console's own origin is the one the browser addressed, unless the
 * operator names others (a reverse proxy's) in caravan.admin.allowed-origins.
 */
final class ConsoleOrigins extends OncePerRequestFilter {

    static final String KEY = "caravan.admin.allowed-origins";

    private static final Set<String> LOOPBACK_NAMES = Set.of("127.0.0.1", "localhost", "[::1]");

    private final Set<String> allowed;
    private final boolean loopbackNamesOnly;

    private ConsoleOrigins(Set<String> allowed, boolean loopbackNamesOnly) {
        this.allowed = allowed;
        this.loopbackNamesOnly = loopbackNamesOnly;
    }

    /**
     * Parses the comma-separated list, each entry scheme://host[:port] and nothing more. An open
     * console (no login) also refuses requests addressed by any name but a loopback one, so that a
     * site whose name is made to resolve to 127.0.0.1 (DNS rebinding) cannot reach it.
     */
    static ConsoleOrigins of(String list, boolean loopbackNamesOnly) {
        Set<String> allowed = new LinkedHashSet<>();
        if (list != null) {
            for (String entry : list.split(",")) {
                if (!entry.isBlank()) {
                    allowed.add(origin(entry.strip()));
                }
            }
        }
        return new ConsoleOrigins(Set.copyOf(allowed), loopbackNamesOnly);
    }

    private static String origin(String entry) {
        try {
            URI uri = new URI(entry);
            boolean web = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
            boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
                    && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
            if (web && uri.getHost() != null && bare) {
                return entry.toLowerCase(Locale.ROOT);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new ConfigException(KEY + ": '" + entry + "' is not an origin (scheme://host[:port], e.g."
                + " https://mta.example.com)");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (loopbackNamesOnly && !LOOPBACK_NAMES.contains(hostName(request.getHeader("Host")))) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "the open console answers loopback names only");
            return;
        }
        String origin = request.getHeader("Origin");
        if (origin != null && !own(request, origin) && !allowed.contains(origin.toLowerCase(Locale.ROOT))) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "cross-origin request refused");
            return;
        }
        chain.doFilter(request, response);
    }

    /** The Host header without its port, lower case; "" when absent. */
    private static String hostName(String host) {
        if (host == null) {
            return "";
        }
        int colon = host.lastIndexOf(':');
        String name = colon > host.lastIndexOf(']') ? host.substring(0, colon) : host;
        return name.toLowerCase(Locale.ROOT);
    }

    /** The origin the browser addressed: this request's scheme and Host header. */
    private static boolean own(HttpServletRequest request, String origin) {
        String host = request.getHeader("Host");
        return host != null && origin.equalsIgnoreCase(request.getScheme() + "://" + host);
    }
}
