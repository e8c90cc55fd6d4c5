package org.caravan.delivery;

/** What an operator sees and steers per (vmta, policy) in Hawtio or any JMX console. */
public interface PolicyStateMBean {

    String getVmta();

    String getPolicy();

    /** max-msg-rate configured, e.g. "2000/h" (backoff mode aside); setting it takes effect on the next message. */
    String getMaxMsgRate();

    void setMaxMsgRate(String rate);

    /** Messages that may go together after a pause (max-msg-burst); applies to the next message. */
    int getMaxMsgBurst();

    void setMaxMsgBurst(int messages);

    /** The spacing of messages now in force (1 / the rate, backoff mode included); 0 when unlimited. */
    long getMsgIntervalMillis();

    String getBackoffMaxMsgRate();

    int getMaxSmtpOut();

    void setMaxSmtpOut(int connections);

    int getMaxMsgPerConnection();

    void setMaxMsgPerConnection(int messages);

    String getMaxConnRate();

    void setMaxConnRate(String rate);

    boolean isInBackoff();

    void enterBackoff();

    void endBackoff();

    /** The reply that put the line in backoff (or "operator"); empty in normal mode. */
    String getBackoffReason();

    /** ISO-8601 UTC start of the current backoff; empty in normal mode. */
    String getBackoffSince();

    /** ISO-8601 UTC end of the current backoff unless triggered again; empty in normal mode. */
    String getBackoffUntil();

    int getOpenConnections();

    long getConnectionsOpened();

    /** When a reply rule's suspension (suspend, disable-source-ip) ends; empty when the line is not suspended. */
    String getSuspendedUntil();

    /** Lets a suspended line take mail again now. */
    void endSuspension();
}
