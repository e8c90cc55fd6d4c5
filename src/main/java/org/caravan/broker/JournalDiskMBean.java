package org.caravan.broker;

/** JMX view of the journal disk guard: org.caravan:type=JournalDisk. */
public interface JournalDiskMBean {

    /** Used share of the journal's file system, in percent. */
    double getUsedPercent();

    /** Usage at which intake stops taking submissions. */
    double getStopAtPercent();

    /** Raise it for a moment after freeing or adding space elsewhere, or lower it to drain. */
    void setStopAtPercent(double percent);

    /** The broker's own limit (Artemis max-disk-usage), where it blocks every producer. */
    int getMaxDiskUsagePercent();

    boolean isIntakeSuspended();
}
