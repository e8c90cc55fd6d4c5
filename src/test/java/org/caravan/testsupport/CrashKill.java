package org.caravan.testsupport;

import java.util.Random;

/** One kill -9 of the engine in the crash suite, with the times CrashVerdict needs to judge it. */
public final class CrashKill {

    /** 1 for the first kill. */
    public final int n;
    /** Submissions confirmed by the broker just before the kill. */
    public final int submitted;
    /** True if the producer was still submitting: a kill during intake, else during delivery. */
    public final boolean intake;
    /** Just before SIGKILL (System.nanoTime()). */
    public long killNs;
    /** Once the process was gone: a connection opened later belongs to the next engine. */
    public long deadNs;
    public double restartSeconds;

    public CrashKill(int n, int submitted, boolean intake) {
        this.n = n;
        this.submitted = submitted;
        this.intake = intake;
    }

    public String phase() {
        return intake ? "intake" : "delivery";
    }

    /**
     * n kill moments as shares in [lo, hi), one drawn uniformly in each of n equal strata,
     * ascending: seeded, yet spread over the whole phase rather than bunched by chance.
     */
    public static double[] shares(Random rnd, int n, double lo, double hi) {
        double[] v = new double[n];
        double w = (hi - lo) / Math.max(n, 1);
        for (int i = 0; i < n; i++) {
            v[i] = lo + w * (i + rnd.nextDouble());
        }
        return v;
    }
}
