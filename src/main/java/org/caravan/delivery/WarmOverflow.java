package org.caravan.delivery;

/**
 * Where new mail for a (vmta, policy) line goes once the line's warm-up cap for the day is used
 * up: the warm vmta the warm-up: block names for it, or the line's own vmta (the mail then waits on
 * its queue for the next day). Asked once per delivery when its policy is known (at intake, or
 * when the MX classification gives it), with the delivery's recipient count.
 */
@FunctionalInterface
public interface WarmOverflow {

    WarmOverflow NONE = (vmta, policy, recipients) -> vmta;

    String vmtaFor(String vmta, String policy, int recipients);

    /** The delivery on the vmta the overflow chooses (itself when that is its own). */
    static Delivery apply(WarmOverflow overflow, Delivery d) {
        if (d.policy() == null) {
            return d;
        }
        String vmta = overflow.vmtaFor(d.vmta(), d.policy(), d.recipients().size());
        return vmta.equals(d.vmta()) ? d : new Delivery(d.body(), d.messageId(), d.mailFrom(), d.recipients(),
                d.domain(), d.policy(), vmta, d.jobId(), d.envId(), d.queuedAt(), d.attempt(), d.priority());
    }
}
