package org.caravan.intake;

/** A submission that cannot be mail; the message is the reason written on mail.invalid. */
final class MalformedMessageException extends Exception {
    MalformedMessageException(String reason) {
        super(reason, null, false, false);
    }
}
