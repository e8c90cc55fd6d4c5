package org.caravan.broker;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The embedded broker's own knobs (caravan.broker.*). The engine's own login is Spring's
 * spring.artemis.user/password, fed from MTA_BROKER_USER / MTA_BROKER_PASSWORD; applications log
 * in as submitters (see {@link Submitters}), operators' tools as the console admin.
 *
 * @param host                   address the network acceptor binds; loopback unless you mean to expose it
 * @param port                   the acceptor port (CORE, AMQP, STOMP, OPENWIRE on one port)
 * @param journalBufferTimeoutNs how long the journal gathers writes before one fsync; 0.5 ms measured
 *                               +20% rate over Artemis' 3.3 ms default on this class of machine
 * @param maxDeliveryAttempts    redeliveries of a message whose processing throws, before it is parked
 *                               on mail.dead instead of looping forever (a bug, not an SMTP outcome)
 * @param addressMaxSizeMb       memory per address before Artemis pages to disk, so a million queued
 *                               messages do not fill the heap
 * @param submitters             applications' logins, "name:password,name2:password2" (MTA_SUBMITTERS)
 * @param submittersFile         a file of further submitter logins, one name:password a line
 *                               (MTA_SUBMITTERS_FILE)
 */
@ConfigurationProperties("caravan.broker")
public record BrokerSettings(
        String host,
        int port,
        long journalBufferTimeoutNs,
        int maxDeliveryAttempts,
        long addressMaxSizeMb,
        String submitters,
        String submittersFile) {

    public BrokerSettings {
        host = host == null ? "127.0.0.1" : host;
        port = port == 0 ? 61616 : port;
        journalBufferTimeoutNs = journalBufferTimeoutNs == 0 ? 500_000 : journalBufferTimeoutNs;
        maxDeliveryAttempts = maxDeliveryAttempts == 0 ? 10 : maxDeliveryAttempts;
        addressMaxSizeMb = addressMaxSizeMb == 0 ? 64 : addressMaxSizeMb;
    }

    public String acceptorUrl() {
        return "tcp://" + host + ":" + port
                + "?protocols=CORE,AMQP,STOMP,OPENWIRE;supportAdvisory=false;suppressInternalManagementObjects=true";
    }
}
