package org.caravan.console;

import org.caravan.config.ConfigException;

/**
 * The operator's login, caravan.admin.user / caravan.admin.password (MTA_ADMIN_USER /
 * MTA_ADMIN_PASSWORD): the console (Hawtio, Jolokia, actuator) and the broker's admin role. It is
 * never the engine's own broker login, so that a leaked application or engine password does not
 * open the console, and a leaked console password does not let anyone feed the spool.
 */
public record AdminLogin(String user, String password) {

    static final String USER_KEY = "caravan.admin.user (MTA_ADMIN_USER)";
    static final String PASSWORD_KEY = "caravan.admin.password (MTA_ADMIN_PASSWORD)";

    @Override
    public String toString() {
        return "AdminLogin[" + user + "]";
    }

    /** The admin login, refused when missing or the same as the engine's broker login. */
    static AdminLogin validated(String user, String password, String engineUser, String enginePassword) {
        if (user == null || user.isBlank()) {
            throw new ConfigException(USER_KEY + ": missing");
        }
        if (password == null || password.isBlank()) {
            throw new ConfigException(PASSWORD_KEY + ": missing; the console needs a password of its own"
                    + " (the 'dev' profile supplies a documented one)");
        }
        if (user.equals(engineUser)) {
            throw new ConfigException(USER_KEY + ": '" + user + "' is the engine's broker user"
                    + " (spring.artemis.user, MTA_BROKER_USER); give the admin a name of its own");
        }
        if (password.equals(enginePassword)) {
            throw new ConfigException(PASSWORD_KEY + ": equals the engine's broker password"
                    + " (spring.artemis.password, MTA_BROKER_PASSWORD); give the admin a password of its own");
        }
        return new AdminLogin(user, password);
    }
}
