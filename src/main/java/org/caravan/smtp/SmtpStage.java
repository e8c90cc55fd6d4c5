package org.caravan.smtp;

import java.util.Locale;

/** Where in the SMTP dialogue a reply came: rules may match a reply at one stage only. */
public enum SmtpStage {
    CONNECT, EHLO, STARTTLS, MAIL, RCPT, DATA, END_OF_DATA;

    /** The name as written in mta.yaml ("end-of-data"). */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The stage of a yaml name, or null when there is none of that name. */
    public static SmtpStage ofYaml(String name) {
        for (SmtpStage s : values()) {
            if (s.yamlName().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
