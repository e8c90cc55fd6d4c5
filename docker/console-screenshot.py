#!/usr/bin/env python3
"""Screenshots of the Artemis web console behind its login, with Debian's chromium and chromedriver
spoken to over plain WebDriver HTTP (no Selenium install needed).

    console-screenshot.py CONSOLE_URL OUT_PREFIX    (user/password from MTA_ADMIN_USER/MTA_ADMIN_PASSWORD)

e.g. console-screenshot.py http://127.0.0.1:8161/console /work/notes/screenshots/artemis
writes OUT_PREFIX-login.png (the login form a visitor gets), OUT_PREFIX-queues.png (the queues
table after the admin's login, filtered to mail.) and OUT_PREFIX-status.png.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

console, prefix = sys.argv[1].rstrip("/"), sys.argv[2]
user, password = os.environ.get("MTA_ADMIN_USER", "admin"), os.environ["MTA_ADMIN_PASSWORD"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


port = free_port()
driver = subprocess.Popen(["nice", "-n", "19", "/usr/bin/chromedriver", "--port=%d" % port],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = "http://127.0.0.1:%d" % port


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"{}").get("value")


def wait_until(what, fn, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except Exception:
            pass
        time.sleep(0.5)
    raise SystemExit("timed out waiting for " + what)


profile = tempfile.mkdtemp(prefix="chromium-artemis-")
try:
    wait_until("chromedriver", lambda: call("GET", "/status")["ready"], 30)
    caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + profile, "--window-size=1500,1250"]}}}}
    session = call("POST", "/session", caps)["sessionId"]
    s = "/session/" + session

    def shot(name):
        png = base64.b64decode(call("GET", s + "/screenshot"))
        path = "%s-%s.png" % (prefix, name)
        open(path, "wb").write(png)
        print("wrote", path)

    def find(css):
        return call("POST", s + "/element", {"using": "css selector", "value": css})

    def find_xpath(xpath):
        return call("POST", s + "/element", {"using": "xpath", "value": xpath})

    def element_id(el):
        return next(iter(el.values()))

    def text_of_page():
        return call("POST", s + "/execute/sync", {"script": "return document.body.innerText", "args": []})

    call("POST", s + "/url", {"url": console + "/"})
    wait_until("the login form", lambda: find("input[type=password]"))
    time.sleep(1)
    shot("login")
    username_field = find("input[name=pf-login-username-id], #pf-login-username-id, input[type=text]")
    call("POST", s + "/element/%s/value" % element_id(username_field), {"text": user})
    call("POST", s + "/element/%s/value" % element_id(find("input[type=password]")), {"text": password})
    call("POST", s + "/element/%s/click" % element_id(find("button[type=submit]")), {})
    wait_until("the console after login", lambda: "Log in" not in text_of_page() and find("nav, .pf-v5-c-nav, .pf-c-nav"), 90)
    call("POST", s + "/url", {"url": console + "/artemis"})
    wait_until("the Artemis plugin", lambda: "Queues" in text_of_page(), 90)
    time.sleep(2)
    shot("status")
    tab = wait_until("the Queues tab", lambda: find_xpath("//button[.//text()[normalize-space()='Queues']] | //a[normalize-space()='Queues']"))
    call("POST", s + "/element/%s/click" % element_id(tab), {})
    wait_until("the queues table", lambda: "mail.submit" in text_of_page(), 60)
    time.sleep(2)
    shot("queues")
    page = text_of_page()
    print("queues shown:", sorted({w for w in page.split() if w.startswith("mail.")}))
    call("DELETE", s)
finally:
    driver.terminate()
    driver.wait(10)
