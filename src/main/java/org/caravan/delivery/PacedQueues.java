package org.caravan.delivery;

import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.caravan.config.DomainPolicy;
import org.caravan.config.MtaConfig;
import org.caravan.config.VirtualMta;

/**
 * The embedded broker prefetches nothing for the queues of paced lines (a max-msg-rate, normal or
 * in backoff, or a warm-up cap): a consumer waiting for its slot would otherwise hold up to 1 MB of mail "in
 * delivery" that it cannot send yet. Unpaced lines keep Artemis' window, so full-speed delivery
 * pays no round trip per message. The window is fixed when the consumers start: a line slowed
 * from unlimited at run time keeps prefetching (its pace still holds) until the next start. A
 * reload sets the same for the queues it adds or paces ({@link #follow}); consumers already
 * running keep the window they started with. While the priority block gives bulk a share, no
 * delivery queue prefetches: a prefetched message is out of reach of the bulk-only consumer
 * that takes bulk's turns (one round trip to the embedded broker per message is the price).
 */
public final class PacedQueues {

    private PacedQueues() {
    }

    /** Consumer window 0 (the client asks for each message as it receives) on every paced delivery queue. */
    public static void noPrefetch(Configuration broker, MtaConfig config) {
        if (config.priority().bulkEvery() > 0) {
            // bulk's share is taken through a second, bulk-only consumer: mail the plain consumer
            // had prefetched would be out of its reach, so no delivery queue prefetches
            broker.addAddressSetting("mail.deliver.#", new AddressSettings().setDefaultConsumerWindowSize(0));
        }
        for (VirtualMta vmta : config.virtualMtas().values()) {
            for (DomainPolicy policy : config.policies().values()) {
                if (paced(policy) || config.warmUp().scheduleOf(vmta.name(), policy.name()) != null) {
                    broker.addAddressSetting(Delivery.queueOf(vmta.name(), policy.name()),
                            new AddressSettings().setDefaultConsumerWindowSize(0));
                }
            }
        }
    }

    /** At run time (a reload): the queue of a line that is now paced prefetches nothing, an unpaced one as Artemis does. */
    public static void follow(ActiveMQServer broker, String vmta, DomainPolicy policy) {
        String queue = Delivery.queueOf(vmta, policy.name());
        if (paced(policy)) {
            broker.getAddressSettingsRepository().addMatch(queue, new AddressSettings().setDefaultConsumerWindowSize(0));
        } else {
            broker.getAddressSettingsRepository().removeMatch(queue);
        }
    }

    static boolean paced(DomainPolicy policy) {
        return !policy.maxMsgRate().isUnlimited() || !policy.backoff().maxMsgRate().isUnlimited();
    }
}
