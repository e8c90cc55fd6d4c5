package org.apache.activemq.artemis.core.client.impl;

import java.io.OutputStream;

import org.apache.activemq.artemis.api.core.ActiveMQBuffer;

/**
 * Replaces the Artemis 2.40 client's own class of this name (loaded first: the engine's classes
 * precede its libraries on the class path), which rebuilds a received large message's body one
 * byte at a time. Its only write was {@code write(int)}, so {@link OutputStream}'s array writes
 * looped over it: 100 KB of mail cost the receiving thread ~6 ms of CPU, most of the engine's
 * work for such a message. This one copies each chunk in one call. Newer Artemis releases copy
 * chunks the same way; drop this file when the engine moves to one of them (the
 * {@code LargeSubmissionCopyTest} says whether it is still loaded).
 *
 * <p>The name, the package and the constructor are what {@code ClientLargeMessageImpl} links
 * against; nothing else may change.
 */
@SuppressWarnings("checkstyle:TypeName")
class ClientLargeMessageImpl$ActiveMQOutputStream extends OutputStream {

    private final ActiveMQBuffer bufferOut;

    ClientLargeMessageImpl$ActiveMQOutputStream(ActiveMQBuffer out) {
        this.bufferOut = out;
    }

    @Override
    public void write(int b) {
        bufferOut.writeByte((byte) (b & 0xff));
    }

    @Override
    public void write(byte[] b, int off, int len) {
        bufferOut.writeBytes(b, off, len);
    }
}
