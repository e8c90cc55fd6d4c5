package org.caravan.routing;

import java.io.IOException;

/**
 * Fetches a domain's MTA-STS policy file, https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt
 * (RFC 8461 3.3). Injected, so that tests never reach the network.
 */
public interface MtaStsFetcher {

    /** The body of a 200 answer; IOException for anything else (no file, redirect, too big, bad certificate). */
    String fetch(String domain) throws IOException;
}
