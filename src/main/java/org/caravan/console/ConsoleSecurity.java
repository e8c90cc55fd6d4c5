package org.caravan.console;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;

import org.caravan.config.ConfigException;
import org.caravan.config.EngineSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;

/**
 * The operator surface (Hawtio, Jolokia, actuator) behind one admin login; only health (probes)
 * and Prometheus (scrapers) are open. Browsers log in on a form (/login) and then carry a session
 * cookie, so every state-changing request must also carry the CSRF token that Hawtio reads from
 * the XSRF-TOKEN cookie, and foreign origins are refused outright. Scripts may send HTTP Basic
 * instead; the console never answers with a Basic challenge, so no browser ever holds Basic
 * credentials that another site could make it send. No session exists before a login.
 * caravan.admin.open=true (the dev profile only) drops the login, on a loopback address only.
 */
@Configuration(proxyBeanMethods = false)
public class ConsoleSecurity {

    static final String LOGIN = "/login";
    static final String HAWTIO = "/actuator/hawtio/";

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSecurity.class);

    /**
     * Checks the open console's binds before any other bean is made: the embedded broker would
     * otherwise already listen on the address the check is about to refuse.
     */
    @Bean
    static BeanFactoryPostProcessor openConsoleOnLoopbackOnly(Environment env) {
        return factory -> {
            if (env.getProperty("caravan.admin.open", Boolean.class, false)) {
                requireLoopback("server.address", env.getProperty("server.address", ""));
                // the dev profile's broker logins are documented
                requireLoopback("caravan.broker.host", env.getProperty("caravan.broker.host", "127.0.0.1"));
            }
        };
    }

    @Bean
    SecurityFilterChain consoleFilterChain(HttpSecurity http, LoginThrottle throttle,
            @Value("${caravan.admin.open:false}") boolean open,
            @Value("${caravan.admin.allowed-origins:}") String allowedOrigins,
            @Value("${server.address:}") String address) throws Exception {
        if (open) {
            LOG.warn("*** OPEN CONSOLE: caravan.admin.open=true (the 'dev' profile): Hawtio and Jolokia at http://{}"
                    + " need NO LOGIN. Loopback only; never run this profile on a shared or reachable host. ***", address);
        }
        http.authorizeHttpRequests(auth -> {
            auth.requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/prometheus", LOGIN).permitAll();
            if (open) {
                auth.anyRequest().permitAll();
            } else {
                auth.anyRequest().authenticated();
            }
        });
        http.csrf(csrf -> csrf
                .csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                .csrfTokenRequestHandler(new SpaCsrfTokenRequestHandler())
                .ignoringRequestMatchers(SpaCsrfTokenRequestHandler::carriesBasicCredentials));
        http.addFilterAfter(new SpaCsrfTokenRequestHandler.CookieWriter(), BasicAuthenticationFilter.class);
        http.addFilterAfter(ConsoleOrigins.of(allowedOrigins, open), HeaderWriterFilter.class);
        http.addFilterBefore(throttle.filter(), UsernamePasswordAuthenticationFilter.class);
        http.formLogin(form -> form.defaultSuccessUrl(HAWTIO, false).permitAll());
        http.httpBasic(basic -> basic.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)));
        // an anonymous request leaves nothing behind: no session for a remembered URL or a token
        HttpSessionRequestCache requests = new HttpSessionRequestCache();
        requests.setCreateSessionAllowed(false);
        http.requestCache(cache -> cache.requestCache(requests));
        // sessions come from the form login only; a filter that saved every authenticated request
        // (a script's Basic call) into a new session would leave one behind per call
        http.sessionManagement(session -> session.requireExplicitAuthenticationStrategy(true));
        return http.build();
    }

    /** The open console must not be reachable from another host: no login stands in the way. */
    private static void requireLoopback(String key, String address) {
        boolean loopback;
        try {
            loopback = !address.isBlank() && InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            loopback = false;
        }
        if (!loopback) {
            throw new ConfigException("caravan.admin.open=true (the 'dev' profile) opens the console without a login;"
                    + " " + key + " must then be a loopback address, not '" + address + "'");
        }
    }

    @Bean
    LoginThrottle loginThrottle(@Value("${caravan.admin.login-failures:5}") int maxFailures,
            @Value("${caravan.admin.lockout:60s}") String lockout, Clock clock) {
        if (maxFailures < 1) {
            throw new ConfigException("caravan.admin.login-failures: must be at least 1, not " + maxFailures);
        }
        Duration duration = EngineSettings.duration("caravan.admin.lockout", lockout);
        return new LoginThrottle(maxFailures, duration, clock);
    }

    @Bean
    AdminLogin adminLogin(@Value("${caravan.admin.user:}") String user, @Value("${caravan.admin.password:}") String password,
            @Value("${spring.artemis.user:}") String engineUser, @Value("${spring.artemis.password:}") String enginePassword) {
        return AdminLogin.validated(user, password, engineUser, enginePassword);
    }

    @Bean
    UserDetailsService consoleUsers(AdminLogin admin) {
        return new InMemoryUserDetailsManager(User.withUsername(admin.user()).password("{noop}" + admin.password())
                .roles("ADMIN").build());
    }
}
