package org.caravan.delivery;

import jakarta.mail.Session;
import org.caravan.smtp.PooledSmtpSender;
import org.caravan.smtp.SmtpConnectionPool;

/**
 * Everything one (vmta, policy) pair delivers with: its SMTP session settings, its
 * connection pool and sender, and its live limits. One delivery route is built per line.
 */
public record DeliveryLine(String vmta, String policyName, Session session, SmtpConnectionPool pool,
        PooledSmtpSender sender, PolicyState state) {

    /** "default-gmail": the suffix of the route id and of the registry names the route template refers to. */
    public String key() {
        return DeliveryLines.key(vmta, policyName);
    }
}
