#!/usr/bin/env python3
"""Check the DKIM-Signature of messages against a known public key (bench/realsender.sh).

    dkimcheck.py PUBKEY.pem DOMAIN SELECTOR FILE...

No DNS: the key is the one the bench generated. For each FILE (a message as the sink received
it, dot-unstuffed, CRLF), the signatures with d=DOMAIN and s=SELECTOR and a=rsa-sha256 are
verified by RFC 6376: body hash (simple or relaxed body, l= honoured), then the header hash over
the h= headers and the signature header with an empty b=, checked with `openssl dgst -verify`.
Other signatures (another domain, selector or algorithm) are counted, not checked.

Prints key=value lines: dkim_sampled, dkim_signed (messages with at least one DKIM-Signature),
dkim_verified (messages with a valid signature of DOMAIN/SELECTOR), dkim_canon (c= seen),
dkim_fail_reason (the first failure), and one "file: verdict" line per message on stderr.
opendkim-testmsg cannot do this: it verifies only against keys published in DNS.
"""
import base64
import hashlib
import os
import re
import subprocess
import sys
import tempfile

WSP = re.compile(rb"[ \t]+")


def split_message(raw):
    i = raw.find(b"\r\n\r\n")
    head, body = (raw, b"") if i < 0 else (raw[:i + 2], raw[i + 4:])
    fields = []                                   # [(name, raw field incl. CRLF)]
    for ln in re.split(rb"(?<=\r\n)", head):
        if not ln:
            continue
        if ln[:1] in (b" ", b"\t") and fields:
            fields[-1] = (fields[-1][0], fields[-1][1] + ln)
        else:
            fields.append((ln.split(b":", 1)[0].strip().lower(), ln))
    return fields, body


def canon_header(field, relaxed):
    if not relaxed:
        return field
    name, value = field.split(b":", 1)
    value = re.sub(rb"\r\n(?=[ \t])", b"", value)
    value = WSP.sub(b" ", value.replace(b"\r\n", b"")).strip(b" ")
    return name.strip().lower() + b":" + value + b"\r\n"


def canon_body(body, relaxed):
    if relaxed:
        lines = body.split(b"\r\n")
        body = b"\r\n".join(WSP.sub(b" ", ln).rstrip(b" ") for ln in lines)
    while body.endswith(b"\r\n\r\n"):
        body = body[:-2]
    if body == b"\r\n" and relaxed:
        return b""
    if not body:
        return b"" if relaxed else b"\r\n"
    return body if body.endswith(b"\r\n") else body + b"\r\n"


def tags(value):
    out = {}
    for part in value.split(b";"):
        if b"=" in part:
            k, v = part.split(b"=", 1)
            out[k.strip().decode()] = re.sub(rb"\s+", b"", v).decode()
    return out


def verify(raw, pubkey, domain, selector):
    """-> (signed, verified, canon, reason)"""
    fields, body = split_message(raw)
    sigs = [f for n, f in fields if n == b"dkim-signature"]
    if not sigs:
        return False, False, "", "no DKIM-Signature"
    reason = ""
    for sig in sigs:
        t = tags(sig.split(b":", 1)[1])
        if t.get("d", "").lower() != domain or t.get("s") != selector or t.get("a") != "rsa-sha256":
            reason = reason or f"a signature of d={t.get('d')} s={t.get('s')} a={t.get('a')}: not checked"
            continue
        hc, _, bc = t.get("c", "simple/simple").partition("/")
        bc = bc or "simple"
        cb = canon_body(body, bc == "relaxed")
        if "l" in t:
            cb = cb[:int(t["l"])]
        if base64.b64encode(hashlib.sha256(cb).digest()).decode() != t.get("bh"):
            return True, False, t.get("c", ""), "body hash mismatch"
        used = {}
        data = b""
        for name in t.get("h", "").lower().encode().split(b":"):
            inst = [f for n, f in fields if n == name]
            k = used.get(name, 0)
            used[name] = k + 1
            if k < len(inst):                     # bottom-up; a missing one counts as empty
                data += canon_header(inst[len(inst) - 1 - k], hc == "relaxed")
        blank = re.sub(rb"(^|;)(\s*b\s*=)[^;]*", rb"\1\2", sig.split(b":", 1)[1])
        data += canon_header(sig.split(b":", 1)[0] + b":" + blank, hc == "relaxed").rstrip(b"\r\n")
        with tempfile.TemporaryDirectory() as td:
            dp, sp = os.path.join(td, "data"), os.path.join(td, "sig")
            open(dp, "wb").write(data)
            open(sp, "wb").write(base64.b64decode(t.get("b", "")))
            r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pubkey, "-signature", sp, dp],
                               capture_output=True)
        if r.returncode == 0:
            return True, True, t.get("c", ""), ""
        reason = "RSA signature does not verify: " + r.stdout.decode().strip() + r.stderr.decode().strip()[:80]
    return True, False, "", reason


def main(a):
    if len(a) < 3:
        sys.stderr.write(__doc__)
        return 2
    pubkey, domain, selector, files = a[0], a[1].lower(), a[2], a[3:]
    signed = verified = 0
    canons, first_fail = set(), ""
    for f in files:
        with open(f, "rb") as fh:
            s, v, c, why = verify(fh.read(), pubkey, domain, selector)
        signed += s
        verified += v
        if c:
            canons.add(c)
        if not v and not first_fail:
            first_fail = f"{os.path.basename(f)}: {why}"
        sys.stderr.write(f"{os.path.basename(f)}: {'verified' if v else why}\n")
    print(f"dkim_sampled={len(files)}")
    print(f"dkim_signed={signed}")
    print(f"dkim_verified={verified}")
    print(f"dkim_canon={','.join(sorted(canons))}")
    print(f"dkim_fail_reason={first_fail}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
