package org.caravan.console;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The operator surface (Hawtio, Jolokia, actuator) requires a login; only health (for probes)
 * and Prometheus (scrapers) are open. caravan.admin.open=true, set only by the dev profile,
 * opens everything on the loopback address.
 */
@Configuration(proxyBeanMethods = false)
public class ConsoleSecurity {

    @Bean
    SecurityFilterChain consoleFilterChain(HttpSecurity http,
            @Value("${caravan.admin.open:false}") boolean open) throws Exception {
        http.csrf(csrf -> csrf.disable()); // Jolokia and Hawtio post JSON; no browser session forms here
        http.authorizeHttpRequests(auth -> {
            auth.requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/prometheus").permitAll();
            if (open) {
                auth.anyRequest().permitAll();
            } else {
                auth.anyRequest().authenticated();
            }
        });
        http.httpBasic(Customizer.withDefaults());
        return http.build();
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
