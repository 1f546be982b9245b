#!/usr/bin/env python3
"""A fake lopad REST API for testing lopactl without a daemon.

    fakeapi.py (--unix PATH | --tcp HOST:PORT) [--port-file F]
               [--mode-file F] [--log F] [--status-body F]

--tcp HOST:0 picks a free port and writes it to --port-file (written
after listening, so its presence means the server is ready).  Before each
request the mode file is read (absent or empty: "ok"):

    ok        GET /api/v1/status: the status body (--status-body file, sent
              byte for byte); POST /api/v1/reload: {"status":"reloaded"};
              anything else 404 problem+json
    NNN       every request answers problem+json with HTTP status NNN
              (401 adds WWW-Authenticate, 400 a "field", 422 "errors")
    text500   500 with a text/plain body
    badjson   200 with a body that is not JSON

Every request is appended to the log file as one JSON line: method, path,
authorization, content_type, content_length, body, accept.  SIGTERM ends
it.
"""

import argparse
import json
import os
import signal
import socket
import socketserver
import sys
from http.server import BaseHTTPRequestHandler

STATUS = {
    "version": "0.1.0",
    "revision": "abc1234",
    "node_id": "fakehost",
    "started": "2026-11-22T20:00:00Z",
    "uptime": 7395123456789,
    "access": "read-write",
    "processes": [
        {"role": "parent", "title": "lopad", "pid": 100,
         "state": "running", "sandboxed": False},
        {"role": "engine", "title": "lopad: engine", "pid": 101,
         "state": "running", "sandboxed": True},
        {"role": "sender", "title": "lopad: sender", "pid": 102,
         "state": "running", "sandboxed": True},
        {"role": "reflector", "title": "lopad: reflector", "pid": 103,
         "state": "running", "sandboxed": True},
        {"role": "netlink", "title": "lopad: netlink", "pid": 104,
         "state": "running", "sandboxed": True},
        {"role": "control", "title": "lopad: control", "pid": 105,
         "state": "running", "sandboxed": True},
    ],
    "config": {"file": "/etc/lopad/lopad.conf", "reloads": 0,
               "last_reload": None, "last_reload_successful": True},
}

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
          404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
          413: "Content Too Large", 415: "Unsupported Media Type",
          422: "Unprocessable Content", 500: "Internal Server Error",
          502: "Bad Gateway", 503: "Service Unavailable"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeapi"

    def address_string(self):
        return "unix" if isinstance(self.client_address, str) \
            else self.client_address[0]

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def do_DELETE(self):
        self.answer()

    def do_PATCH(self):
        self.answer()

    def send(self, code, ctype, body, extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def problem(self, code, detail, **more):
        doc = {"type": "about:blank", "title": TITLES.get(code, "Error"),
               "status": code, "detail": detail, "error": detail}
        doc.update(more)
        extra = {}
        if code == 401:
            extra["WWW-Authenticate"] = 'Bearer realm="lopad"'
        self.send(code, "application/problem+json",
                  json.dumps(doc).encode(), extra)

    def answer(self):
        opts = self.server.opts
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        if opts.log:
            rec = {"method": self.command, "path": self.path,
                   "authorization": self.headers.get("Authorization"),
                   "content_type": self.headers.get("Content-Type"),
                   "content_length": self.headers.get("Content-Length"),
                   "body": body.decode("utf-8", "replace"),
                   "accept": self.headers.get("Accept")}
            with open(opts.log, "a") as f:
                f.write(json.dumps(rec) + "\n")
        mode = "ok"
        if opts.mode_file and os.path.exists(opts.mode_file):
            with open(opts.mode_file) as f:
                mode = f.read().strip() or "ok"

        if mode == "text500":
            self.send(500, "text/plain", b"internal error\nsecond line\n")
        elif mode == "badjson":
            self.send(200, "application/json", b"{not json")
        elif mode.isdigit():
            code = int(mode)
            more = {}
            if code == 400:
                more["field"] = "count"
            if code == 422:
                more["errors"] = [
                    "/etc/lopad/lopad.conf:3:7: log.level: unknown level "
                    "\"loud\"",
                    "/etc/lopad/lopad.conf:5:1: bogus: unknown key"]
            self.problem(code, "fake error %d" % code, **more)
        elif self.command == "GET" and self.path == "/api/v1/status":
            self.send(200, "application/json", self.server.status_body)
        elif self.command == "POST" and self.path == "/api/v1/reload":
            self.send(200, "application/json", b'{"status":"reloaded"}')
        else:
            self.problem(404, "no route %s %s" % (self.command, self.path))


class UnixServer(socketserver.UnixStreamServer):
    pass


class TCPServer(socketserver.TCPServer):
    allow_reuse_address = True

    def __init__(self, addr, handler):
        host = addr[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__(addr, handler)


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--unix")
    g.add_argument("--tcp")
    ap.add_argument("--port-file")
    ap.add_argument("--mode-file")
    ap.add_argument("--log")
    ap.add_argument("--status-body")
    opts = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    if opts.unix:
        if os.path.exists(opts.unix):
            os.unlink(opts.unix)
        srv = UnixServer(opts.unix, Handler)
    else:
        host, _, port = opts.tcp.rpartition(":")
        srv = TCPServer((host.strip("[]"), int(port)), Handler)
    srv.opts = opts
    if opts.status_body:
        with open(opts.status_body, "rb") as f:
            srv.status_body = f.read()
    else:
        srv.status_body = json.dumps(STATUS).encode()
    if opts.port_file:
        port = srv.server_address[1] if opts.tcp else 0
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, opts.port_file)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()
        if opts.unix and os.path.exists(opts.unix):
            os.unlink(opts.unix)


if __name__ == "__main__":
    main()
