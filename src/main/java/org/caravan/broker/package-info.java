/**
 * The embedded broker and how the engine's routes consume from it: who may connect, commit
 * batching ({@link org.caravan.broker.CommitBatching}), pacing, queue depths and disk guards.
 *
 * <h2>Priority and bulk's share</h2>
 * A submission's {@code priority} property (0-9; without it, its own JMS priority) becomes the
 * JMS priority of its delivery copies; retries, classification and stranded-queue moves keep it.
 * Artemis orders each queue by priority (highest first, FIFO within one priority), and a
 * consumer's client-side buffer is priority-ordered too, so mail of priority 9 queued behind a
 * backlog of bulk is the next a delivery consumer receives.
 *
 * <p>Strict priority alone would starve bulk while priority mail keeps coming. The config's
 * {@code priority:} block names what is bulk ({@code bulk-below}: priorities under it) and the
 * least share of sends it gets ({@code bulk-share}). Each delivery consumer (one session, one
 * thread of {@link org.caravan.broker.BatchCommitContainer}) holds a second consumer on the same
 * session with the selector {@code JMSPriority < bulk-below}; every k-th message it takes
 * (k = 100 / share) it asks that consumer first, without waiting, and takes the queue's first
 * message only when no bulk waits ({@link org.caravan.broker.BulkTurns}). With bulk-share 10% a
 * line sends at least one bulk message in ten while bulk waits, and all of its sends are
 * priority mail's when none does. Both consumers share the session, so a bulk message commits in
 * the same batch as the others and a rollback returns both.
 *
 * <p>Prefetch: a message Artemis pushed ahead into one consumer's buffer is out of the other's
 * reach. So while bulk has a share, no delivery queue prefetches (consumer window 0: the client
 * asks for each message as it receives, one round trip to the embedded broker); paced queues
 * never did. A turn on which the plain consumer finds nothing asks the bulk consumer, and bulk
 * keeps going first until that too is empty, so nothing waits in a buffer behind an idle
 * consumer. The share is per consumer and the consumers of a line take turns alike, so it holds
 * per line; pacing (max-msg-rate) decides when a turn comes, the share only which mail takes it.
 */
package org.caravan.broker;
