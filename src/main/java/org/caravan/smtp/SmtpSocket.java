package org.caravan.smtp;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

import org.caravan.config.Durations;

/**
 * The client's socket to one SMTP server, which it owns so that no server can hold it forever:
 * every reply has a deadline for the whole reply (not per read, so dripping a byte at a time does
 * not extend it) and a size cap; a write that blocks longer than the write timeout, or a
 * transaction past its deadline, is cut off by {@link SmtpWatchdog} closing the socket.
 *
 * <p>close() waits for the server to hang up (up to a bound) before letting go. The pool frees a
 * max-smtp-out slot when a retired connection is closed; without waiting, the next connection
 * could reach the server while it still counts the old one, one over the provider's limit.
 */
final class SmtpSocket extends Socket {

    /** How long closing waits for the server to hang up (after QUIT it normally does at once). */
    static final int HANG_UP_WAIT_MILLIS = 1000;

    final String owner;
    private final long writeTimeoutNanos;
    private final int maxReplyLines;
    private InputStream guardedIn;
    private OutputStream guardedOut;
    private String expected = "the greeting";
    private Duration expectedWithin = Duration.ZERO;
    private long replyDeadline;
    private int replyLines;
    private int replyBytes;
    private volatile long writingSince;
    private volatile long transactionStarted;
    private volatile long transactionDeadline;
    private volatile Duration transactionLimit = Duration.ZERO;
    private volatile String abortedBecause;
    private volatile boolean encrypted;
    private StartTls.Handshake handshake;

    SmtpSocket(String owner, SmtpSettings settings) {
        this.owner = owner;
        this.writeTimeoutNanos = settings.dataBlock().toNanos();
        this.maxReplyLines = settings.maxReplyLines();
    }

    /** The next bytes read are the reply to this (for messages), due within the timeout. */
    void expectReply(String what, Duration timeout) {
        expected = what;
        expectedWithin = timeout;
        replyDeadline = System.nanoTime() + timeout.toNanos();
        replyLines = 0;
        replyBytes = 0;
    }

    /** Starts the deadline of one transaction; the watchdog closes the socket when it passes. */
    void startTransaction(Duration deadline) {
        long now = System.nanoTime();
        transactionLimit = deadline;
        transactionDeadline = now + deadline.toNanos();
        transactionStarted = now;
    }

    void endTransaction() {
        transactionDeadline = 0;
        transactionStarted = 0;
    }

    /** The STARTTLS this socket is about to go through (the TLS layer finds it here), or null. */
    StartTls.Handshake handshake() {
        return handshake;
    }

    void handshake(StartTls.Handshake h) {
        this.handshake = h;
    }

    /** Where message data goes: through the TLS layer once STARTTLS is done, else straight out. */
    OutputStream dataOutput() throws IOException {
        StartTls.Handshake h = handshake;
        return h != null && h.layer() != null ? h.layer().getOutputStream() : getOutputStream();
    }

    /**
     * From now on TLS records go through: lines can no longer be counted here (a ciphertext has
     * newline bytes by chance), so a reply is bounded by its deadline and its byte cap only.
     */
    void encrypted() {
        encrypted = true;
    }

    /** Why the watchdog closed this socket, or null. */
    String abortedBecause() {
        return abortedBecause;
    }

    /** When the transaction in progress started (System.nanoTime()), 0 when none is. */
    long transactionStarted() {
        return transactionStarted;
    }

    Duration transactionLimit() {
        return transactionLimit;
    }

    /** Called by the watchdog: closes the socket if a write blocks too long or the deadline passed. */
    boolean enforce(long now) {
        if (isClosed()) {
            return true;
        }
        long since = writingSince;
        long deadline = transactionDeadline;
        if (since != 0 && now - since > writeTimeoutNanos) {
            abort("write timed out after " + Durations.format(Duration.ofNanos(writeTimeoutNanos)) + " (the server stopped reading)");
        } else if (deadline != 0 && now - deadline > 0) {
            abort("transaction took longer than " + Durations.format(transactionLimit));
        }
        return isClosed();
    }

    private void abort(String why) {
        abortedBecause = why;
        try {
            setSoLinger(true, 0); // a reset: a blocked read or write returns at once
            super.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (guardedIn == null) {
            guardedIn = new GuardedInput(super.getInputStream());
        }
        return guardedIn;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (guardedOut == null) {
            guardedOut = new GuardedOutput(super.getOutputStream());
        }
        return guardedOut;
    }

    @Override
    public synchronized void close() throws IOException {
        SmtpWatchdog.forget(this);
        if (isConnected() && !isClosed() && !isInputShutdown()) {
            awaitHangUp();
        }
        super.close();
    }

    private void awaitHangUp() {
        try {
            if (!isOutputShutdown()) {
                shutdownOutput(); // our FIN: the server sees the end even if it missed QUIT
            }
            setSoTimeout(HANG_UP_WAIT_MILLIS);
            InputStream in = super.getInputStream();
            byte[] discard = new byte[512];
            long deadline = System.nanoTime() + HANG_UP_WAIT_MILLIS * 1_000_000L;
            while (in.read(discard) >= 0 && System.nanoTime() < deadline) {
                // the 221 and anything else still in flight
            }
        } catch (SocketTimeoutException e) {
            // a server that does not hang up is not waited for any longer
        } catch (IOException e) {
            // reset or already gone: it has hung up
        }
    }

    private IOException explained(IOException e) {
        String why = abortedBecause;
        if (why == null) {
            return e;
        }
        IOException explained = new IOException(why); // no cause: the reason is this, not "Socket closed"
        explained.addSuppressed(e);
        return explained;
    }

    /** Reads within the reply's deadline and cap. */
    private final class GuardedInput extends FilterInputStream {

        GuardedInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long left = replyDeadline - System.nanoTime();
            if (left <= 0) {
                throw timedOut();
            }
            setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000)));
            int n;
            try {
                n = in.read(b, off, len);
            } catch (SocketTimeoutException e) {
                throw timedOut();
            } catch (IOException e) {
                throw explained(e);
            }
            count(b, off, n);
            return n;
        }

        private void count(byte[] b, int off, int n) throws IOException {
            for (int i = off; i < off + n && !encrypted; i++) {
                if (b[i] == '\n') {
                    replyLines++;
                }
            }
            replyBytes += Math.max(0, n);
            if (replyLines > maxReplyLines || replyBytes > SmtpSettings.MAX_REPLY_BYTES) {
                throw new IOException(expected + " longer than " + maxReplyLines + " lines or "
                        + SmtpSettings.MAX_REPLY_BYTES + " bytes");
            }
        }

        private SocketTimeoutException timedOut() {
            String why = abortedBecause;
            return new SocketTimeoutException(why != null ? why : "no complete reply to " + expected + " within "
                    + Durations.format(expectedWithin));
        }
    }

    /** Writes that the watchdog can see blocking. */
    private final class GuardedOutput extends FilterOutputStream {

        GuardedOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writingSince = System.nanoTime() | 1;
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw explained(e);
            } finally {
                writingSince = 0;
            }
        }
    }
}
