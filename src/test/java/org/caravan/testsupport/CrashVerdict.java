package org.caravan.testsupport;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The crash suite's verdict, computed after the run from the sink's timestamps, the kill times,
 * the events seen and the accounting. Nothing may be lost (at the sink and in the 'd' records),
 * and every receipt of a delivery beyond its first must straddle a kill (earlier copy from the
 * killed engine, later one from a restart) and must not have been committed before it.
 *
 * <p>Per kill, what the engine may legitimately deliver again (the bound) is "in DATA" (DATA
 * command arrived, no reply sent at the kill) plus "250 uncommitted" (answered 250 by the kill,
 * no 'delivered' event from the killed engine: the event is sent inside the broker transaction
 * that acks the delivery, so one seen proves the commit). "in DATA" alone is no bound: between
 * the 250 and the commit a kill also yields a duplicate. Duplicates are also held to
 * min(C, SMTP sessions open at the kill) x commitBatch: each open session holds one message in
 * DATA or one batch answered 250 and not yet acked (caravan.delivery.commit-batch).
 */
public final class CrashVerdict {

    /** The figures of one kill: a row of the report. */
    public record Row(CrashKill kill, int delivered, int open, int inData, int uncommitted, int bound, int dups,
            double oldestDupMs, int cap) {
    }

    public final List<String> lost = new ArrayList<>();
    public final List<String> acctLost = new ArrayList<>();
    public final List<String> strangers = new ArrayList<>();
    public final List<String> sameEngine = new ArrayList<>();
    public final List<String> committedDuplicates = new ArrayList<>();
    public final List<String> overBound = new ArrayList<>();
    public final List<String> acctOverReceipts = new ArrayList<>();
    public final List<Row> rows = new ArrayList<>();
    /** Receipts of the expected and other deliveries beyond their first. */
    public final int duplicates;
    /** In DATA + 250 uncommitted, summed over the kills. */
    public final int bound;
    /** Distinct expected deliveries received by the sink. */
    public final int distinct;
    public final int inDataSum;
    /** min(C, open) x commitBatch, summed over the kills. */
    public final int consumerBound;
    /** Of the 250 uncommitted: answered before the event watcher of that engine was subscribed. */
    public final int unobserved;

    /** consumers: C, the sum of max-smtp-out; commitBatch: the engine's caravan.delivery.commit-batch. */
    public CrashVerdict(List<String> expected, CrashSink sink, List<CrashKill> kills, CrashAccounting acct,
            CrashEvents events, int consumers, int commitBatch) {
        Set<String> expectedSet = new HashSet<>(expected);
        List<CrashSink.Txn> txns = sink.txns();
        List<CrashSink.Conn> conns = sink.conns();
        List<CrashSink.Txn> accepted = txns.stream().filter(t -> t.dotNs >= 0)
                .sorted(Comparator.comparingLong(t -> t.dotNs)).toList();
        Map<String, List<CrashSink.Txn>> receipts = new HashMap<>();
        for (CrashSink.Txn t : accepted) {
            for (String r : t.rcpts) {
                receipts.computeIfAbsent(t.key(r), x -> new ArrayList<>()).add(t);
            }
        }
        expected.stream().filter(k -> !receipts.containsKey(k)).forEach(lost::add);
        expected.stream().filter(k -> !acct.delivered.containsKey(k)).forEach(acctLost::add);
        receipts.keySet().stream().filter(k -> !expectedSet.contains(k)).forEach(strangers::add);
        acct.delivered.forEach((k, n) -> {
            if (!receipts.containsKey(k) || n > receipts.get(k).size()) {
                acctOverReceipts.add(k);
            }
        });
        distinct = (int) receipts.keySet().stream().filter(expectedSet::contains).count();

        // every receipt beyond the first: which kill it comes from, and was it committed there?
        int[] dups = new int[kills.size()];
        double[] oldestMs = new double[kills.size()];
        int dupTotal = 0;
        for (Map.Entry<String, List<CrashSink.Txn>> e : receipts.entrySet()) {
            List<CrashSink.Txn> rs = e.getValue();
            for (int j = 1; j < rs.size(); j++) {
                dupTotal++;
                int before = epoch(rs.get(j - 1).conn, kills);
                if (epoch(rs.get(j).conn, kills) <= before) {
                    sameEngine.add(e.getKey());
                    continue;
                }
                dups[before]++; // kill number before+1 ended the engine of the earlier copy
                oldestMs[before] = Math.max(oldestMs[before], (kills.get(before).killNs - rs.get(j - 1).dotNs) / 1e6);
                if (events.committed(before, e.getKey())) {
                    committedDuplicates.add(e.getKey());
                }
            }
        }
        duplicates = dupTotal;

        int boundSum = 0;
        int capSum = 0;
        int inDataTotal = 0;
        int unobservedTotal = 0;
        for (int i = 0; i < kills.size(); i++) {
            CrashKill k = kills.get(i);
            int open = (int) conns.stream().filter(c -> c.openNs <= k.killNs && c.closeNs >= k.killNs).count();
            int inData = 0;
            int uncommitted = 0;
            for (CrashSink.Txn t : txns) {
                if (epoch(t.conn, kills) != i || t.dataNs > k.deadNs) {
                    continue;
                }
                boolean answered = t.replyNs >= 0 && t.replyNs < k.killNs;
                if (!answered && t.endNs() >= k.killNs) {
                    inData += t.rcpts.size();
                } else if (answered) {
                    for (String r : t.rcpts) {
                        if (!events.committed(i, t.key(r))) {
                            uncommitted++;
                            if (t.replyNs < events.connectedAt(i)) {
                                unobservedTotal++;
                            }
                        }
                    }
                }
            }
            int delivered = (int) accepted.stream().filter(t -> t.dotNs < k.killNs)
                    .flatMap(t -> t.rcpts.stream().map(t::key)).distinct().count();
            int b = inData + uncommitted;
            int cap = Math.min(consumers, open) * commitBatch;
            boundSum += b;
            capSum += cap;
            inDataTotal += inData;
            if (dups[i] > b || dups[i] > cap) {
                overBound.add("kill " + k.n + ": " + dups[i] + " duplicates, bound " + b + ", min(C, open) x batch " + cap);
            }
            rows.add(new Row(k, delivered, open, inData, uncommitted, b, dups[i], oldestMs[i], cap));
        }
        bound = boundSum;
        consumerBound = capSum;
        inDataSum = inDataTotal;
        unobserved = unobservedTotal;
    }

    /** Which engine a connection came from: 0 before the first kill, k after the k-th. */
    static int epoch(CrashSink.Conn c, List<CrashKill> kills) {
        return (int) kills.stream().filter(k -> k.deadNs < c.openNs).count();
    }

    /** Every check of the suite holds. */
    public boolean pass() {
        return none(lost, acctLost, strangers, sameEngine, committedDuplicates, overBound, acctOverReceipts)
                && duplicates <= bound;
    }

    @SafeVarargs
    private static boolean none(Collection<String>... failures) {
        for (Collection<String> f : failures) {
            if (!f.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** The header and one line per kill; t0: the start of the run (nanoTime); dupAge: with the "dup age" column. */
    public List<String> table(long t0, boolean dupAge) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%4s  %-8s  %6s  %9s  %9s  %4s  %7s  %9s  %5s  %4s",
                "kill", "phase", "at s", "submitted", "delivered", "open", "in DATA", "250 uncom", "bound", "dups")
                + (dupAge ? String.format(Locale.ROOT, "  %7s", "dup age") : "")
                + String.format(Locale.ROOT, "  %8s  %7s", "min(C,o)", "restart"));
        for (Row r : rows) {
            CrashKill k = r.kill();
            out.add(String.format(Locale.ROOT, "%4d  %-8s  %6.1f  %9d  %9d  %4d  %7d  %9d  %5d  %4d",
                    k.n, k.phase(), (k.killNs - t0) / 1e9, k.submitted, r.delivered(), r.open(), r.inData(),
                    r.uncommitted(), r.bound(), r.dups())
                    + (dupAge ? String.format(Locale.ROOT, "  %7s",
                            r.dups() == 0 ? "-" : String.format(Locale.ROOT, "%.0fms", r.oldestDupMs())) : "")
                    + String.format(Locale.ROOT, "  %8d  %7.1f", r.cap(), k.restartSeconds));
        }
        return out;
    }
}
