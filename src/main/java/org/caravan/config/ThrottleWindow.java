package org.caravan.config;

/** What Camel's Throttle EIP takes: at most {@code permits} in any sliding {@code periodMillis}. */
public record ThrottleWindow(long permits, long periodMillis) {

    public ThrottleWindow {
        if (permits < 1 || periodMillis < 1) {
            throw new IllegalArgumentException("throttle window needs positive permits and period, got "
                    + permits + " per " + periodMillis + "ms");
        }
    }
}
