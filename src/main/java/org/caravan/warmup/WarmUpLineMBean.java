package org.caravan.warmup;

/** A warm-up line over JMX, as org.caravan:type=WarmUp,vmta=...,name=policy. A cap of -1: the schedule is over. */
public interface WarmUpLineMBean {

    int getDay();

    long getSentToday();

    long getSentThisHour();

    long getDailyCap();

    long getHourlyCap();

    boolean isTroubleToday();

    String getDayStart();
}
