package org.caravan.console;

/** The engine as a whole in Hawtio, Jolokia or any JMX console: org.caravan:type=Engine. */
public interface EngineControlMBean {

    /** The mta.yaml the engine started with and reloads. */
    String getConfigPath();

    /** ISO-8601 UTC time of the last reload asked for (applied or refused); empty before the first. */
    String getLastReload();

    /** What the last reload did: "applied: ..." or "refused: file:line: key: ..."; empty before the first. */
    String getLastReloadResult();

    /** Re-reads mta.yaml and applies it, or refuses it whole; returns what it did, readably. */
    String reload();
}
