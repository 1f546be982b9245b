#!/bin/bash
#
# The TWAMP-Control server (RFC 5357 section 3, mode 1) on TCP at
# reflector.twamp_addr (TAP).  A Python Control-Client that writes its
# messages by hand (struct.pack) checks:
#  - the greeting (Modes 1 only, Count a power of 2 >= 1024), Server-Start
#    (Accept 0, Start-Time now), Request-TW-Session on a given port
#    (Accept 0, that port, a SID), Start-Sessions / Start-Ack, TWAMP-Test
#    replies of 41+ octets with the reflector's own sequence numbers 0, 1,
#    2 only after Start-Sessions and only for the negotiated sender,
#    Stop-Sessions with the session's Timeout honoured, then the port
#    closed;
#  - Receiver Port 0 and a busy port: Accept 0 with a port of
#    reflector.twamp_port_min..max;
#  - refusals with their Accept codes: a well-known port, an address not
#    ours, a multicast sender, padding above reflector.twamp_max_padding,
#    a PHB Type-P, RFC 6038 reflect octets, IPVN 5, Conf-Sender 1, one
#    session more than reflector.twamp_max_sessions_per_connection;
#  - a Set-Up-Response with a mode not offered, garbage, silence after
#    Server-Start and half a message (SERVWAIT, shortened) close the
#    connection; a client outside reflector.allow gets no greeting; one
#    client above reflector.twamp_max_connections_per_client is refused;
#  - the counters under reflector.twamp_control in GET /api/v1/status;
#  - tshark's twamp.control dissector on a capture of the exchange:
#    no malformed packets or expert warnings, the commands and Accepts;
#  - after all that a normal session still works and lopad is alive.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

plan 32

lopad_init
TC=$LOPAD_DIR/tc.py
cat >"$TC" <<'EOF'
# tc.py MODE HOST PORT ...: a TWAMP-Control client for twamp_control.t,
# messages written by hand (struct.pack) from RFC 5357 / RFC 4656.
# Each message goes in its own segment (TCP_NODELAY, a short pause) so
# that tshark's twamp.control dissector finds one message per segment.
#   full HOST PORT RPORT	the whole exchange, test packets, stop
#   port0 HOST PORT MIN MAX	Receiver Port 0: a port of the range
#   busy HOST PORT RPORT MIN MAX	RPORT held by someone else: another port
#   mode HOST PORT		Set-Up-Response mode 2: connection closed
#   refuse HOST PORT KIND	prints the Accept of a refused request
#   many HOST PORT N		N requests on port 0: prints their Accepts
#   idle HOST PORT		after Server-Start, silence: prints the
#				seconds until the server closed
#   half HOST PORT		half a Set-Up-Response, then silence: same
#   garbage HOST PORT		garbage after the set-up: closed at once
#   acl HOST PORT BIND		from BIND: closed without a greeting
#   limit HOST PORT N		N connections held, the next one closed
#				without a greeting
import os, socket, struct, sys, time

NTP_OFF = 2208988800
errors = []

def check(cond, what):
    if not cond:
        errors.append(what)

def ntp_now():
    t = time.time()
    return (int(t) + NTP_OFF) << 32 | int((t % 1) * 2**32)

def recvn(s, n, tmo=3.0):
    s.settimeout(tmo)
    b = b""
    while len(b) < n:
        try:
            d = s.recv(n - len(b))
        except socket.timeout:
            return None
        if not d:
            return None
        b += d
    return b

def send(s, m):
    s.sendall(m)
    time.sleep(0.05)

def closed_within(s, tmo):
    """Seconds until the server closed the connection, None if not."""
    t0 = time.time()
    s.settimeout(tmo)
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return time.time() - t0
    except socket.timeout:
        return None
    except ConnectionResetError:
        return time.time() - t0

def connect(host, port, bind=None):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if bind:
        s.bind((bind, 0))
    s.connect((host, port))
    return s

def greeting(s):
    g = recvn(s, 64)
    if g is None:
        errors.append("no greeting")
        return None
    modes, = struct.unpack_from(">I", g, 12)
    count, = struct.unpack_from(">I", g, 48)
    check(modes == 1, "greeting modes %#x, want 1" % modes)
    check(count >= 1024 and count & (count - 1) == 0,
          "greeting count %d not a power of 2 >= 1024" % count)
    check(g[16:32] != bytes(16), "challenge all zeros")
    check(g[52:64] == bytes(12), "greeting MBZ not zero")
    return g

def setup(s, mode=1):
    send(s, struct.pack(">I", mode) + bytes(160))

def server_start(s):
    m = recvn(s, 48)
    if m is None:
        errors.append("no Server-Start")
        return None
    check(m[15] == 0, "Server-Start accept %d" % m[15])
    st, = struct.unpack_from(">Q", m, 32)
    check(abs((st >> 32) - (ntp_now() >> 32)) <= 2,
          "Server-Start Start-Time not now")
    return m

def session(host, port):
    s = connect(host, port)
    if greeting(s) is None:
        return None
    setup(s)
    if server_start(s) is None:
        return None
    return s

def request(s, rport, sport=0, raddr="0.0.0.0", saddr="0.0.0.0",
            pad=27, timeout=1, typep=0, mbz=bytes(8), ipvn=4,
            conf=(0, 0)):
    fam = socket.AF_INET6 if ipvn == 6 else socket.AF_INET
    sa = socket.inet_pton(fam, saddr).ljust(16, b"\0")
    ra = socket.inet_pton(fam, raddr).ljust(16, b"\0")
    m = struct.pack(">BBBBIIHH16s16s16sIQQI", 5, ipvn, conf[0], conf[1],
                    0, 0, sport, rport, sa, ra, bytes(16), pad,
                    ntp_now(), timeout << 32, typep) + mbz + bytes(16)
    assert len(m) == 112
    send(s, m)
    a = recvn(s, 48)
    if a is None:
        errors.append("no Accept-Session")
        return None, None, None
    port_, = struct.unpack_from(">H", a, 2)
    check(a[20:48] == bytes(28), "Accept-Session octets 20-47 not zero")
    return a[0], port_, a[4:20]

def start(s):
    send(s, bytes([2]) + bytes(31))
    a = recvn(s, 32)
    check(a is not None and a[0] == 0, "Start-Ack not accept 0")

def stop(s, n=1):
    send(s, struct.pack(">BBHI", 3, 0, 0, n) + bytes(24))

def test_packets(u, host, rport, seqs, pad=27):
    got = []
    for q in seqs:
        u.sendto(struct.pack(">IQH", q, ntp_now(), 0x8001) + bytes(pad),
                 (host, rport))
        try:
            d, _ = u.recvfrom(65535)
        except socket.timeout:
            got.append(None)
            continue
        check(len(d) >= 41, "reply of %d octets" % len(d))
        rs, = struct.unpack_from(">I", d, 0)
        ss, = struct.unpack_from(">I", d, 24)
        check(ss == q, "Sender Sequence Number %d, want %d" % (ss, q))
        got.append(rs)
    return got

def full(host, port, rport):
    s = session(host, port)
    if s is None:
        return
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((host, 0))
    u.settimeout(1.0)
    acc, p, sid = request(s, rport, sport=u.getsockname()[1])
    check(acc == 0, "Accept %s, want 0" % acc)
    check(p == rport, "port %s, want %d" % (p, rport))
    check(sid is not None and sid != bytes(16), "SID is zero")
    # Before Start-Sessions the session does not reflect.
    check(test_packets(u, host, rport, [7]) == [None],
          "a reply before Start-Sessions")
    start(s)
    got = test_packets(u, host, rport, [100, 101, 102])
    check(got == [0, 1, 2], "reflector sequence numbers %s, want 0 1 2"
          % got)
    # Another source port is not the session's sender.
    v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    v.bind((host, 0))
    v.settimeout(0.5)
    check(test_packets(v, host, rport, [5]) == [None],
          "a reply to another sender")
    stop(s)
    # Timeout 1 s: late packets are still reflected, then the port closes.
    check(test_packets(u, host, rport, [103]) == [3],
          "no reply within the Timeout after Stop-Sessions")
    time.sleep(1.8)
    check(test_packets(u, host, rport, [104]) == [None],
          "a reply after Stop-Sessions and its Timeout")
    w = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        w.bind((host, rport))
    except OSError as e:
        errors.append("port %d still bound: %s" % (rport, e))
    s.close()

def port0(host, port, lo, hi):
    s = session(host, port)
    if s is None:
        return
    acc, p, _ = request(s, 0)
    check(acc == 0 and p is not None and lo <= p <= hi,
          "port 0: Accept %s port %s, want 0 and %d-%d" % (acc, p, lo, hi))
    s.close()

def busy(host, port, rport, lo, hi):
    w = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    w.bind((host, rport))
    s = session(host, port)
    if s is None:
        return
    acc, p, _ = request(s, rport)
    check(acc == 0 and p is not None and lo <= p <= hi,
          "busy port: Accept %s port %s, want 0 and %d-%d" % (acc, p, lo, hi))
    s.close()

def refuse(host, port, kind):
    s = session(host, port)
    if s is None:
        return
    args = {
        "lowport": dict(rport=7),
        "addr": dict(rport=0, raddr="192.0.2.1"),
        "sender": dict(rport=0, saddr="224.0.0.1"),
        "padding": dict(rport=0, pad=100000),
        "typep": dict(rport=0, typep=0x40000000),
        "octets": dict(rport=0, mbz=struct.pack(">HH", 100, 0) + bytes(4)),
        "ipvn": dict(rport=0, ipvn=5),
        "conf": dict(rport=0, conf=(1, 0)),
    }[kind]
    acc, p, _ = request(s, **args)
    print("accept=%s" % acc)
    # The connection goes on: a good request still works.
    acc, p, _ = request(s, 0)
    check(acc == 0, "after the refusal: Accept %s, want 0" % acc)
    s.close()

def many(host, port, n):
    s = session(host, port)
    if s is None:
        return
    res = [request(s, 0)[0] for _ in range(n)]
    print("accepts=%s" % ",".join(str(a) for a in res))
    s.close()

def mode(host, port):
    s = connect(host, port)
    if greeting(s) is None:
        return
    setup(s, 2)
    check(closed_within(s, 3) is not None, "not closed after mode 2")

def idle(host, port, half):
    s = connect(host, port)
    if greeting(s) is None:
        return
    if half:
        send(s, struct.pack(">I", 1) + bytes(46))
    else:
        setup(s)
        server_start(s)
    t = closed_within(s, 10)
    print("closed=%s" % (None if t is None else round(t)))

def garbage(host, port):
    s = session(host, port)
    if s is None:
        return
    send(s, os.urandom(7).replace(b"\x05", b"\x09").replace(b"\x02", b"\x09")
         .replace(b"\x03", b"\x09"))
    check(closed_within(s, 3) is not None, "not closed after garbage")

def acl(host, port, bind):
    s = connect(host, port, bind)
    check(closed_within(s, 3) is not None, "not closed")

def limit(host, port, n):
    held = [connect(host, port) for _ in range(n)]
    for h in held:
        greeting(h)
    s = connect(host, port)
    s.settimeout(3)
    try:
        d = s.recv(64)
    except (socket.timeout, ConnectionResetError):
        d = None
    check(d == b"", "connection %d: not closed at once (%r)" % (n + 1, d))

mode_, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
rest = sys.argv[4:]
try:
    if mode_ == "full":
        full(host, port, int(rest[0]))
    elif mode_ == "port0":
        port0(host, port, int(rest[0]), int(rest[1]))
    elif mode_ == "busy":
        busy(host, port, int(rest[0]), int(rest[1]), int(rest[2]))
    elif mode_ == "refuse":
        refuse(host, port, rest[0])
    elif mode_ == "many":
        many(host, port, int(rest[0]))
    elif mode_ == "mode":
        mode(host, port)
    elif mode_ == "idle":
        idle(host, port, False)
    elif mode_ == "half":
        idle(host, port, True)
    elif mode_ == "garbage":
        garbage(host, port)
    elif mode_ == "acl":
        acl(host, port, rest[0])
    elif mode_ == "limit":
        limit(host, port, int(rest[0]))
except OSError as e:
    errors.append("%s: %s" % (type(e).__name__, e))
print("ok" if not errors else "; ".join(errors[:6]))
EOF

tc() {
	timeout -k 2 60 python3 "$TC" "$@" 2>&1
}

# status EXPR: a value of GET /api/v1/status (t: reflector.twamp_control).
status() {
	api ro GET /api/v1/status >/dev/null
	json_get "$API_BODY" "$(printf '%s' "$1" |
	    sed 's/\bt\[/j["reflector"]["twamp_control"][/g')"
}

lopad_port P || bail "no free port"
lopad_port R1 || bail "no free port"
lopad_port R2 || bail "no free port"
LO=38760
HI=38790

refl="reflector:
  addr: \"127.0.0.1:$LOPAD_REFL_PORT\"
  twamp_addr: \"127.0.0.1:$P\"
  allow: [\"127.0.0.1/32\"]
  twamp_servwait: 3s
  twamp_port_min: $LO
  twamp_port_max: $HI
  twamp_max_padding: 1400
  twamp_max_sessions_per_connection: 3
  twamp_max_connections_per_client: 4"
lopad_start "" "$refl" || give_up "lopad did not start"
REFL_PID=$(lopad_role_pid reflector)
log_like "^reflector: twamp control server on 127\.0\.0\.1:$P \(TCP" \
    "the control server logs its address"

# tshark captures the first, full exchange.
have_tshark=0
if command -v tshark >/dev/null 2>&1; then
	have_tshark=1
	PCAP=$LOPAD_DIR/ctl.pcap
	tshark -i lo -f "tcp port $P" -w "$PCAP" -a duration:30 \
	    >"$LOPAD_DIR/tshark.out" 2>&1 &
	tshark_pid=$!
	cleanup_push "kill $tshark_pid 2>/dev/null"
	wait_until 10000 100 grep -q "Capturing on" "$LOPAD_DIR/tshark.out" ||
	    diag "tshark did not say it was capturing"
fi

is "$(tc full 127.0.0.1 "$P" "$R1")" ok \
    "full exchange: greeting, set-up, session on port $R1, 0 1 2, stop"

if [ "$have_tshark" = 1 ]; then
	sleep 0.5
	kill -INT "$tshark_pid" 2>/dev/null
	wait "$tshark_pid" 2>/dev/null
	dis=$(tshark -r "$PCAP" -d "tcp.port==$P,twamp.control" -V 2>&1)
	unlike "$dis" "[Mm]alformed" "tshark: no malformed packet"
	exp=$(tshark -r "$PCAP" -d "tcp.port==$P,twamp.control" -q -z expert \
	    2>&1)
	unlike "$exp" "^(Errors|Warns) " "tshark: no expert errors or warnings"
	f=$(tshark -r "$PCAP" -d "tcp.port==$P,twamp.control" \
	    -Y twamp.control -T fields -e twamp.control.modes \
	    -e twamp.control.command -e twamp.control.accept 2>/dev/null |
	    awk '{ $1 = $1; if ($0 != "") print }' | tr '\n' '/')
	# Greeting, Server-Start, Request, Accept, Start, Ack, Stop.
	is "$f" "1/0/5/0/2/0/3 0/" \
	    "tshark: modes 1, accept 0, command 5, accept 0, 2, accept 0, 3"
else
	for d in "tshark: no malformed" "tshark: no expert" "tshark: fields"; do
		skip "$d" "tshark is not installed"
	done
fi

is "$(tc port0 127.0.0.1 "$P" $LO $HI)" ok \
    "Receiver Port 0: Accept 0 and a port of the range"
is "$(tc busy 127.0.0.1 "$P" "$R2" $LO $HI)" ok \
    "a busy Receiver Port: Accept 0 and a port of the range"
is "$(tc mode 127.0.0.1 "$P")" ok \
    "a mode not offered (2): the server closes the connection"
is "$(tc refuse 127.0.0.1 "$P" lowport)" "accept=1
ok" "Receiver Port 7: Accept 1 (failure), then a good request works"
is "$(tc refuse 127.0.0.1 "$P" addr)" "accept=1
ok" "Receiver Address not ours: Accept 1"
is "$(tc refuse 127.0.0.1 "$P" sender)" "accept=1
ok" "a multicast Sender Address: Accept 1"
is "$(tc refuse 127.0.0.1 "$P" padding)" "accept=4
ok" "Padding Length above twamp_max_padding: Accept 4"
is "$(tc refuse 127.0.0.1 "$P" typep)" "accept=3
ok" "a PHB ID in Type-P: Accept 3 (not supported)"
is "$(tc refuse 127.0.0.1 "$P" octets)" "accept=3
ok" "RFC 6038 octets to reflect: Accept 3 (not supported)"
is "$(tc refuse 127.0.0.1 "$P" ipvn)" "accept=1
ok" "IPVN 5: Accept 1"
is "$(tc refuse 127.0.0.1 "$P" conf)" "accept=1
ok" "Conf-Sender 1: Accept 1"
is "$(tc many 127.0.0.1 "$P" 4)" "accepts=0,0,0,4
ok" "a 4th session on a connection (limit 3): Accept 4"
is "$(tc garbage 127.0.0.1 "$P")" ok "garbage: the connection is closed"
is "$(tc acl 127.0.0.1 "$P" 127.0.0.2)" ok \
    "a client outside reflector.allow: closed without a greeting"

# SERVWAIT (3 s here): silence after Server-Start, or half a message.
r=$(tc idle 127.0.0.1 "$P")
like "$r" "^closed=[34]$" "silence after Server-Start: closed after SERVWAIT"
r=$(tc half 127.0.0.1 "$P")
like "$r" "^closed=[34]$" "half a Set-Up-Response: closed after SERVWAIT"
is "$(tc limit 127.0.0.1 "$P" 4)" ok \
    "a 5th connection from one client (limit 4): closed without a greeting"

# The counters.
is "$(status 't["up"], t["listen"]')" "[true, \"127.0.0.1:$P\"]" \
    "status: the control server is up on its address"
is "$(status 't["connections"]["refused"]["acl"], t["connections"]["refused"]["per_client"]')" \
    "[1, 1]" "status: refused by reflector.allow and by the per-client limit"
is "$(status 't["connections"]["closed"]["mode"], t["connections"]["closed"]["command"], t["connections"]["closed"]["servwait"] >= 2')" \
    "[1, 1, true]" "status: closed for the mode, the garbage, SERVWAIT"
is "$(status 't["sessions"]["refused"]')" \
    '{"failure": 5, "internal_error": 0, "not_supported": 2, "permanent_resource": 2, "temporary_resource": 0}' \
    "status: sessions refused by Accept code"
is "$(status 't["sessions"]["received"], t["sessions"]["reflected"], t["sessions"]["drops"]["session"]')" \
    "[6, 4, 2]" "status: test packets received, reflected, dropped (session)"
wait_until 3000 100 test "$(status 't["connections"]["active"], t["sessions"]["active"]')" = "[0, 0]"
is "$(status 't["connections"]["active"], t["sessions"]["active"]')" "[0, 0]" \
    "status: no connection or session left"

# After all that, a normal session still works.
is "$(tc full 127.0.0.1 "$P" "$R1")" ok "a normal session still works"
is "$(proc_alive "$LOPAD_PID" && echo yes)" yes "lopad is alive"
is "$(lopad_role_pid reflector)" "$REFL_PID" \
    "the reflector process is the one that started"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
