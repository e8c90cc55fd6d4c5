package org.caravan.smtp;

/**
 * What a delivery line's SMTP client tells its observer (metrics): each connection it tries to
 * open, why one failed, and how long each answered transaction took. Called on the delivering
 * thread: an observer must be quick and must not throw.
 */
public interface SmtpEvents {

    /** Tells nothing to no one: the pool's observer until one is set. */
    SmtpEvents NONE = new SmtpEvents() {
    };

    /** A new connection is being opened (TCP connect, greeting, EHLO, STARTTLS). */
    default void connecting() {
    }

    /** The connection just tried could not be opened. */
    default void connectFailed(ConnectFailure why) {
    }

    /** One message's SMTP transactions over one connection were answered, in this many nanoseconds (pacing waits excluded). */
    default void transaction(long nanos) {
    }
}
