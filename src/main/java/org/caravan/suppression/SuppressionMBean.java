package org.caravan.suppression;

/** The suppression list over JMX (org.caravan:type=Suppression); scope "" or "*" is every sender. */
public interface SuppressionMBean {

    long getSize();

    boolean add(String address, String scope);

    boolean remove(String address, String scope);

    /** Up to limit entries whose address starts with prefix, one "address,scope,addedAt" each. */
    String[] list(String prefix, int limit);

    /** Adds the CSV lines address[,scope[,addedAt]] of a file on the engine's host; returns how many were new. */
    long importCsv(String file);

    /** Writes every entry as CSV to a file on the engine's host; returns how many. */
    long exportCsv(String file);
}
