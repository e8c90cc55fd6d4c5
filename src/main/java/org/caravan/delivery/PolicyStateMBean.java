package org.caravan.delivery;

/** What an operator sees and steers per (vmta, policy) in Hawtio or any JMX console. */
public interface PolicyStateMBean {

    String getVmta();

    String getPolicy();

    /** max-msg-rate now in force, e.g. "2000/h"; setting it takes effect on the next message. */
    String getMaxMsgRate();

    void setMaxMsgRate(String rate);

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

    long getThrottlePeriodMillis();

    long getMsgPermits();

    int getOpenConnections();

    long getConnectionsOpened();
}
