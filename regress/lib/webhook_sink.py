#!/usr/bin/env python3
"""A webhook receiver for the tests (not a server for anything else).

    webhook_sink.py [-s SECRET] [-m MODEFILE] [-t CERT KEY] ADDR PORT LOG

Listens on ADDR PORT (IPv4 or IPv6), prints "ready" once it does, and
appends one JSON object per request to LOG: the method, path, headers,
the body (parsed when it is JSON), the time it came, what it answered
and, with -s, whether the X-Lopa-Signature header is right for SECRET
(HMAC-SHA256 over "<t>.<body>", t the header's own and X-Lopa-Timestamp).

With -t it speaks HTTPS with that certificate and key (PEM files).

MODEFILE, read at each request, says how to answer: "200" (the default,
also when the file is missing), any other status code, "stall SECONDS"
(read the request, wait, then answer 200; for a client that must give
up), or "close" (read the request and close without an answer).
"""
import argparse
import hashlib
import hmac
import http.server
import json
import socket
import socketserver
import ssl
import sys
import time


def mode(path):
    try:
        with open(path) as f:
            return f.read().strip() or "200"
    except OSError:
        return "200"


def sig_ok(secret, headers, body):
    h = headers.get("X-Lopa-Signature", "")
    parts = dict(p.split("=", 1) for p in h.split(",") if "=" in p)
    t = parts.get("t", "")
    if not t or t != headers.get("X-Lopa-Timestamp", ""):
        return False
    want = hmac.new(secret.encode(), t.encode() + b"." + body,
                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts.get("v1", ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", dest="secret")
    ap.add_argument("-m", dest="modefile", default="/nonexistent")
    ap.add_argument("-t", dest="tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("log")
    a = ap.parse_args()

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n) if n > 0 else b""
            m = mode(a.modefile)
            rec = {"method": "POST", "path": self.path,
                   "headers": dict(self.headers.items()),
                   "at": time.time(), "mode": m}
            try:
                rec["json"] = json.loads(body)
            except ValueError:
                rec["body"] = body.decode("utf-8", "replace")
            if a.secret is not None:
                rec["sig_ok"] = sig_ok(a.secret, self.headers, body)
            with open(a.log, "a") as f:
                f.write(json.dumps(rec) + "\n")
            if m == "close":
                self.close_connection = True
                return
            code = 200
            if m.startswith("stall"):
                time.sleep(float(m.split()[1]))
            else:
                code = int(m)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_PUT = do_POST

    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        address_family = socket.AF_INET6 if ":" in a.addr else \
            socket.AF_INET

    srv = S((a.addr, a.port), H)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
