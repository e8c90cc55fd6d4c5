package org.caravan.config;

import java.util.Locale;

/** What a matching reply rule does: a verdict modifier (defer, bounce) or a line action. */
public enum ReplyAction {
    NONE, DEFER, BOUNCE, BACKOFF, SUSPEND, DISABLE_SOURCE_IP, NORMAL;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The action of a yaml name, or null when there is none of that name. */
    public static ReplyAction ofYaml(String name) {
        for (ReplyAction a : values()) {
            if (a.yamlName().equals(name)) {
                return a;
            }
        }
        return null;
    }
}
