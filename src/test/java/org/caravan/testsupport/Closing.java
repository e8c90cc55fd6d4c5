package org.caravan.testsupport;

/** A test class's teardown: closes what its setup started, in the order given, skipping what never started. */
public final class Closing {

    private Closing() {
    }

    /** Closes each part that is not null; the first failure is thrown once all had their turn. */
    public static void all(AutoCloseable... parts) throws Exception {
        Exception first = null;
        for (AutoCloseable part : parts) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
