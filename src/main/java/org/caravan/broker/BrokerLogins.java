package org.caravan.broker;

import java.util.Map;

import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.caravan.config.ConfigException;
import org.caravan.console.AdminLogin;

/**
 * The embedded broker's users, one role each (see {@link BrokerRoles}): the engine's own login
 * (spring.artemis.user/password), the console admin and the applications' submitter logins.
 * Names are unique and the admin's password is no one else's, so no login carries another's rights.
 */
final class BrokerLogins {

    private BrokerLogins() {
    }

    static ActiveMQJAASSecurityManager securityManager(String engineUser, String enginePassword, AdminLogin admin,
            Submitters submitters) {
        if (engineUser == null || engineUser.isBlank() || enginePassword == null || enginePassword.isBlank()) {
            throw new ConfigException("broker credentials missing: set MTA_BROKER_USER and MTA_BROKER_PASSWORD"
                    + " (or run with the 'dev' profile for the documented dev default)");
        }
        SecurityConfiguration users = new SecurityConfiguration();
        add(users, engineUser, enginePassword, BrokerRoles.ENGINE);
        add(users, admin.user(), admin.password(), BrokerRoles.ADMIN);
        for (Map.Entry<String, String> submitter : submitters.passwords().entrySet()) {
            String name = submitter.getKey();
            String where = submitters.where(name);
            if (name.equals(engineUser)) {
                throw new ConfigException(where + ": '" + name + "' is the engine's own user (spring.artemis.user,"
                        + " MTA_BROKER_USER); a submitter needs a name of its own");
            }
            if (name.equals(admin.user())) {
                throw new ConfigException(where + ": '" + name + "' is the admin user (caravan.admin.user,"
                        + " MTA_ADMIN_USER); a submitter needs a name of its own");
            }
            if (submitter.getValue().equals(admin.password())) {
                throw new ConfigException(where + ": submitter '" + name + "' has the admin's password"
                        + " (caravan.admin.password, MTA_ADMIN_PASSWORD); the admin password must be its own");
            }
            add(users, name, submitter.getValue(), BrokerRoles.SUBMITTER);
        }
        return new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users);
    }

    private static void add(SecurityConfiguration users, String name, String password, String role) {
        users.addUser(name, password);
        users.addRole(name, role);
    }
}
