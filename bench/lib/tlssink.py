#!/usr/bin/env python3
"""A discarding SMTP sink on 127.0.0.1 that offers STARTTLS (bench/realsender.sh).

    tlssink.py --port P --cert CERT --key KEY --log COUNTERS [--save-dir DIR --save-every K]
               [--hostname sink.bench.test]

Postfix's smtp-sink has no TLS, and a Postfix smtpd as the sink would queue every message
(cleanup, qmgr, a discard transport: about as much CPU as the MTA under test, on the same 2 cores).
This sink answers ESMTP with PIPELINING, SIZE, 8BITMIME and STARTTLS (until the session is
encrypted), accepts every MAIL, RCPT and DATA with 250 and throws the message away. It never
requires TLS: a plaintext client is served too, and counted apart.

Counters go to COUNTERS as lines "sess=N tls_sess=N tls_msgs=N mesg=N" (at most every 5 ms, when
they change): the same "mesg=N" that smtp-sink -c prints, so bench/lib/sink.sh's sink_msgs and
proctree.py's wait-sink read it unchanged. mesg counts messages accepted with 250; tls_msgs those
of them received inside a TLS session.

ACKs go out at once (TCP_QUICKACK after every read; --no-quickack: the kernel's delayed ACK).
On loopback the MSS is ~64 KB, so every TLS record a sender writes is a "small" segment: the
receiver never sees two full-sized segments and delays each ACK by 40 ms, and a sender that
writes a message as several records with Nagle on (Postfix's tlsproxy) waits that long per
message. On a real network (MSS ~1460) a 10 KB message spans several full segments and is ACKed
at once; QUICKACK gives the sink that behaviour on loopback, for both MTAs alike.

With --save-dir, message 1 and every K-th after it are written (dot-unstuffed, as the sender
signed them) to DIR/msg-<seq>.eml, with DIR/msg-<seq>.meta holding the session's TLS version and
cipher and the envelope: the bench checks their DKIM signatures.
"""
import argparse
import os
import signal
import socket
import ssl
import sys
import threading
import time

MAX_SIZE = 52428800
DEBUG = os.environ.get("TLSSINK_DEBUG") == "1"   # every command to stderr


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.sess = self.tls_sess = self.tls_msgs = self.mesg = 0

    def line(self):
        return f"sess={self.sess} tls_sess={self.tls_sess} tls_msgs={self.tls_msgs} mesg={self.mesg}\n"


class Session:
    def __init__(self, sock, args, ctx, counters):
        self.sock, self.args, self.ctx, self.c = sock, args, ctx, counters
        self.buf = bytearray()
        self.out = []
        self.tls = None          # (version, cipher) once encrypted
        self.mail_from, self.rcpts = None, []

    def reply(self, text):
        self.out.append(text.encode() + b"\r\n")

    def flush(self):
        if self.out:
            self.sock.sendall(b"".join(self.out))
            self.out = []

    def fill(self):
        """Read more input; the pending replies go out first (a pipelining server answers a
        group when it has no more complete commands to read)."""
        self.flush()
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        if self.args.quickack:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        self.buf += data

    def line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                ln = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return ln
            if len(self.buf) > 4096:
                raise EOFError
            self.fill()

    def data(self):
        """The message up to the lone '.', dot-unstuffed; the rest of the buffer stays."""
        start = 0
        if self.buf.startswith(b".\r\n"):
            del self.buf[:3]
            return b""
        while True:
            i = self.buf.find(b"\r\n.\r\n", start)
            if i >= 0:
                msg = bytes(self.buf[:i + 2])
                del self.buf[:i + 5]
                if msg.startswith(b".."):
                    msg = msg[1:]
                return msg.replace(b"\r\n..", b"\r\n.")
            start = max(0, len(self.buf) - 4)
            if len(self.buf) > MAX_SIZE + 65536:
                raise EOFError
            self.fill()

    def starttls(self):
        self.reply("220 2.0.0 Ready to start TLS")
        self.flush()
        self.buf.clear()          # RFC 3207: nothing sent before the handshake counts
        self.sock = self.ctx.wrap_socket(self.sock, server_side=True)
        self.tls = (self.sock.version(), self.sock.cipher()[0])
        with self.c.lock:
            self.c.tls_sess += 1
        self.mail_from, self.rcpts = None, []

    def ehlo(self):
        ext = ["PIPELINING", f"SIZE {MAX_SIZE}", "8BITMIME", "ENHANCEDSTATUSCODES"]
        if self.tls is None:
            ext.append("STARTTLS")
        lines = [self.args.hostname] + ext
        for ln in lines[:-1]:
            self.reply("250-" + ln)
        self.reply("250 " + lines[-1])

    def save(self, seq, msg):
        d = self.args.save_dir
        with open(os.path.join(d, f"msg-{seq:07d}.eml"), "wb") as fh:
            fh.write(msg)
        with open(os.path.join(d, f"msg-{seq:07d}.meta"), "w") as fh:
            tls = f"{self.tls[0]} {self.tls[1]}" if self.tls else "none"
            fh.write(f"tls={tls}\nmail_from={self.mail_from}\nrcpt={','.join(self.rcpts)}\n")

    def run(self):
        self.reply(f"220 {self.args.hostname} ESMTP bench sink")
        while True:
            ln = self.line()
            if DEBUG:
                sys.stderr.write(f"{id(self):x} {ln[:60]!r}\n")
            verb = ln[:4].upper()
            if verb == b"EHLO":
                self.ehlo()
            elif verb == b"HELO":
                self.reply(f"250 {self.args.hostname}")
            elif verb == b"STAR" and ln.upper() == b"STARTTLS" and self.tls is None and self.ctx:
                self.starttls()
            elif verb == b"MAIL":
                self.mail_from, self.rcpts = ln[10:].decode(errors="replace"), []
                self.reply("250 2.1.0 Ok")
            elif verb == b"RCPT":
                if self.mail_from is None:
                    self.reply("503 5.5.1 MAIL first")
                    continue
                self.rcpts.append(ln[8:].decode(errors="replace"))
                self.reply("250 2.1.5 Ok")
            elif verb == b"DATA":
                if not self.rcpts:
                    self.reply("554 5.5.1 no valid recipients")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                msg = self.data()
                with self.c.lock:
                    self.c.mesg += 1
                    seq = self.c.mesg
                    if self.tls:
                        self.c.tls_msgs += 1
                if self.args.save_dir and (seq - 1) % self.args.save_every == 0:
                    self.save(seq, msg)
                self.reply("250 2.0.0 Ok: queued as %d" % seq)
                self.mail_from, self.rcpts = None, []
            elif verb == b"RSET":
                self.mail_from, self.rcpts = None, []
                self.reply("250 2.0.0 Ok")
            elif verb == b"NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == b"QUIT":
                self.reply("221 2.0.0 Bye")
                self.flush()
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")


def serve(conn, args, ctx, counters):
    with counters.lock:
        counters.sess += 1
    s = Session(conn, args, ctx, counters)
    try:
        s.run()
    except (EOFError, OSError, ssl.SSLError):
        pass
    finally:
        try:
            s.sock.close()
        except OSError:
            pass


def write_counters(path, counters):
    last = None
    with open(path, "a", buffering=1) as fh:
        while True:
            ln = counters.line()
            if ln != last:
                fh.write(ln)
                last = ln
            time.sleep(0.005)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--log", required=True)
    p.add_argument("--save-dir")
    p.add_argument("--save-every", type=int, default=2500)
    p.add_argument("--hostname", default="sink.bench.test")
    p.add_argument("--no-quickack", dest="quickack", action="store_false")
    args = p.parse_args()
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    if args.save_dir:
        os.makedirs(args.save_dir, exist_ok=True)
    counters = Counters()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(1024)
    threading.Thread(target=write_counters, args=(args.log, counters), daemon=True).start()
    while True:
        conn, _ = ls.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn, args, ctx, counters), daemon=True).start()


if __name__ == "__main__":
    main()
