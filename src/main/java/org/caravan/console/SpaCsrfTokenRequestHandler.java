package org.caravan.console;

import java.io.IOException;
import java.util.function.Supplier;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.csrf.XorCsrfTokenRequestAttributeHandler;
import org.springframework.util.StringUtils;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * CSRF tokens the way Hawtio sends them: the raw XSRF-TOKEN cookie value copied into an
 * X-XSRF-TOKEN header by its JavaScript, or the masked token of the login form's hidden field.
 */
final class SpaCsrfTokenRequestHandler extends CsrfTokenRequestAttributeHandler {

    private final XorCsrfTokenRequestAttributeHandler masked = new XorCsrfTokenRequestAttributeHandler();

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, Supplier<CsrfToken> token) {
        masked.handle(request, response, token); // a token rendered in a page is masked against BREACH
    }

    @Override
    public String resolveCsrfTokenValue(HttpServletRequest request, CsrfToken token) {
        return StringUtils.hasText(request.getHeader(token.getHeaderName()))
                ? super.resolveCsrfTokenValue(request, token)
                : masked.resolveCsrfTokenValue(request, token);
    }

    /**
     * A script's request with its own Basic credentials. A browser sends such a header by itself
     * only after a Basic challenge, and the console never sends one: another site cannot forge it.
     */
    static boolean carriesBasicCredentials(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        return header != null && header.regionMatches(true, 0, "Basic ", 0, 6);
    }

    /** Loads the deferred token on every request, so the XSRF-TOKEN cookie is there for Hawtio. */
    static final class CookieWriter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            CsrfToken token = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
            if (token != null) {
                token.getToken();
            }
            chain.doFilter(request, response);
        }
    }
}
