package org.caravan.smtp;

import java.util.Locale;

/**
 * Why a new SMTP connection could not be opened, by the phase it failed in: the TCP connect
 * (refused, timeout, other: no route, unknown host, bind), the greeting and EHLO (greeting:
 * a 4xx/5xx greeting, HELO refused, closed before a reply; timeout), or STARTTLS (tls).
 */
public enum ConnectFailure {
    REFUSED,
    TIMEOUT,
    TLS,
    GREETING,
    OTHER;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The metric label: "refused", "timeout", "tls", "greeting", "other". */
    public String label() {
        return label;
    }
}
