package org.caravan.testsupport;

/** Points in an SMTP session where {@link ScriptedSmtpServer#stall} can hold back the server's reply. */
public enum SmtpStage {
    /** Before the 220 greeting. */
    GREETING,
    /** Before the reply to MAIL FROM. */
    MAIL,
    /** Before the reply to RCPT TO. */
    RCPT,
    /** After the 354, before reading the message content: a server that stopped reading. */
    DATA_BODY,
    /** Before the reply to the final "." of DATA. */
    DATA_END
}
