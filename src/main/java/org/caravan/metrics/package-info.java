/**
 * The engine's mail metrics for Prometheus (docs/metrics.md): counts every recorded outcome per
 * delivery line (vmta, policy) and for the busiest recipient domains, reads queue depths and
 * backoff state at scrape time, and observes the SMTP client's connections and transactions and
 * the broker's commit batches. Reads caravan.metrics.top-domains.
 */
package org.caravan.metrics;
