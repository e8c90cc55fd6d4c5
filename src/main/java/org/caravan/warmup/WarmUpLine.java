package org.caravan.warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;

import org.caravan.config.WarmUpPlan;
import org.caravan.delivery.PolicyState;

/**
 * One (vmta, policy) line's place on its warm-up schedule: the day, what it sent today and this
 * hour, and whether anything went wrong today. A message is let through only while the day's cap
 * and the hour's ceiling have room, counting those in delivery; the day advances only when the
 * line sent near its cap and met no backoff or block. Kept in a small file, replaced atomically
 * on each change, so a restart resumes the same day with the same count.
 */
public final class WarmUpLine implements WarmUpLineMBean {

    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final long HOUR = Duration.ofHours(1).toMillis();

    private final String vmta;
    private final String policy;
    private final WarmUpPlan.Schedule schedule;
    private final Clock clock;
    private final Path file;
    private final Supplier<PolicyState> state;

    private int day = 1;
    private long dayStart;
    private long sentToday;
    /** Recipients routed to this line today (at intake), for the overflow to a warm vmta. */
    private long admittedToday;
    private long hourStart;
    private long sentThisHour;
    private boolean trouble;
    private int inFlight;
    /**
     * The room each consumer thread holds, kept by the line rather than by a Turns object: a
     * container may make more than one Turns for a queue, and its pass() must still find them.
     */
    private final ThreadLocal<int[]> held = ThreadLocal.withInitial(() -> new int[1]);

    WarmUpLine(String vmta, String policy, WarmUpPlan.Schedule schedule, Clock clock, Path dir,
            Supplier<PolicyState> state) {
        this.vmta = vmta;
        this.policy = policy;
        this.schedule = schedule;
        this.clock = clock;
        this.file = dir.resolve(vmta + "." + policy + ".state");
        this.state = state;
        long now = clock.millis();
        dayStart = now;
        hourStart = now;
        load();
    }

    /**
     * Counts recipients that new mail routes to this line today; false (nothing counted) when
     * they would take it past the day's cap, so they go to the overflow vmta instead. Kept in
     * memory: after a restart the line is given mail again up to a full day's cap, which at worst
     * waits on its queue (the send cap still holds).
     */
    synchronized boolean admit(int recipients) {
        roll();
        long cap = dailyCap();
        if (cap >= 0 && admittedToday + recipients > cap) {
            return false;
        }
        admittedToday += recipients;
        return true;
    }

    /** Takes one message's room if the cap has it now. */
    synchronized boolean tryTake() {
        roll();
        if (troubleNow()) {
            trouble = true;
        }
        long dayCap = dailyCap();
        long hourCap = hourlyCap();
        if (dayCap >= 0 && sentToday + inFlight >= dayCap) {
            return false;
        }
        if (hourCap >= 0 && sentThisHour + inFlight >= hourCap) {
            return false;
        }
        inFlight++;
        held.get()[0]++;
        return true;
    }

    /** Gives back one room this thread took (its turn was not had after all). */
    synchronized void release() {
        int[] h = held.get();
        if (h[0] > 0) {
            h[0]--;
            inFlight--;
        }
    }

    /** Gives back all room this thread took once its messages are done (outcomes counted) or none came. */
    synchronized void releaseAll() {
        int[] h = held.get();
        inFlight -= h[0];
        h[0] = 0;
    }

    /** Counts one attempt's outcome; {@code block} when the provider refused it for spam or policy reasons. */
    synchronized void sent(boolean block) {
        roll();
        sentToday++;
        sentThisHour++;
        if (block || troubleNow()) {
            trouble = true;
        }
        save();
    }

    private boolean troubleNow() {
        PolicyState s = state.get();
        return s != null && s.isInBackoff();
    }

    /** Starts a new day (advanced or repeated) and a new hour when their time has come. */
    private void roll() {
        long now = clock.millis();
        boolean changed = false;
        if (now - dayStart >= DAY) {
            PolicyState s = state.get();
            if (s != null && s.isInBackoff() && s.backoffSince() < now) {
                trouble = true;
            }
            long cap = dailyCap();
            boolean nearCap = cap < 0 || sentToday >= Math.ceil(cap * schedule.nearCap());
            if (nearCap && !trouble) {
                day++;
            }
            long days = (now - dayStart) / DAY;
            dayStart += days * DAY;
            sentToday = 0;
            admittedToday = 0;
            trouble = false;
            changed = true;
        }
        if (now - hourStart >= HOUR) {
            hourStart += (now - hourStart) / HOUR * HOUR;
            sentThisHour = 0;
            changed = true;
        }
        if (changed) {
            save();
        }
    }

    private long dailyCap() {
        return day <= schedule.perDay().size() ? schedule.perDay().get(day - 1) : -1;
    }

    private long hourlyCap() {
        return day <= schedule.perHour().size() ? schedule.perHour().get(day - 1) : -1;
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("warm-up state " + file + " unreadable", e);
        }
        day = Integer.parseInt(p.getProperty("day", "1"));
        dayStart = Long.parseLong(p.getProperty("day-start", String.valueOf(dayStart)));
        sentToday = Long.parseLong(p.getProperty("sent-today", "0"));
        hourStart = Long.parseLong(p.getProperty("hour-start", String.valueOf(hourStart)));
        sentThisHour = Long.parseLong(p.getProperty("sent-this-hour", "0"));
        trouble = Boolean.parseBoolean(p.getProperty("trouble", "false"));
    }

    /** Written to a temporary file, forced to disk, then moved over the old one: a crash leaves one or the other. */
    private void save() {
        String text = "day=" + day + "\nday-start=" + dayStart + "\nsent-today=" + sentToday
                + "\nhour-start=" + hourStart + "\nsent-this-hour=" + sentThisHour + "\ntrouble=" + trouble + "\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("warm-up state " + file + " not written", e);
        }
    }

    public String vmta() {
        return vmta;
    }

    public String policy() {
        return policy;
    }

    @Override
    public synchronized int getDay() {
        roll();
        return day;
    }

    @Override
    public synchronized long getSentToday() {
        roll();
        return sentToday;
    }

    @Override
    public synchronized long getSentThisHour() {
        roll();
        return sentThisHour;
    }

    @Override
    public synchronized long getDailyCap() {
        roll();
        return dailyCap();
    }

    @Override
    public synchronized long getHourlyCap() {
        roll();
        return hourlyCap();
    }

    @Override
    public synchronized boolean isTroubleToday() {
        return trouble;
    }

    @Override
    public synchronized String getDayStart() {
        return java.time.Instant.ofEpochMilli(dayStart).toString();
    }
}
