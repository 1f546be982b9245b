#!/bin/bash
#
# The TWAMP-light and STAMP Session-Reflector on reflector.twamp_addr
# (TAP).  A Python Session-Sender that writes its packets by hand
# (struct.pack, NTP timestamps) checks, over IPv4 and IPv6:
#  - reply sizes: TWAMP-light max(41, request) with the sender's padding
#    truncated by 27 octets at its end (padding 0, 27, 100, 1400); STAMP
#    the request's size (Extra Padding TLV of 0, 27, 100, 1400 octets);
#  - the sender's sequence number, timestamp and error estimate copied,
#    the SSID echoed, MBZ fields zero, reply sequence number = sender's
#    (stateless) or 0, 1, 2... per (address, port, SSID) (stateful, with
#    REFWAIT expiry);
#  - T1 <= T2 <= T3 <= T4 on one clock, Error Estimate multiplier non-zero,
#    Sender TTL 255 and reply TTL 255 on loopback, reply from the address
#    the request went to;
#  - STAMP TLVs (RFC 8972): Extra Padding echoed with flags 0, an unknown
#    type with U, Class of Service and Timestamp Information filled in, a
#    bad Length flagged M with the rest copied, a chain running past the
#    end flagged M;
#  - drops counted by reason in GET /api/v1/status: short packets
#    (malformed), a source outside reflector.allow (acl), a burst above
#    reflector.rate_per_source (rate_source); a storm of random, short
#    and oversized datagrams leaves lopad running, the counters adding
#    up and a normal exchange working;
#  - tshark dissects a capture (-d udp.port==P,twamp.test) without
#    malformed packets or expert warnings, with the sequence numbers
#    and timestamps expected in the fields that do not depend on its
#    length-based sender/reflector guess;
#  - a reload moves the socket (IPv4 to IPv6), "" turns it off;
#  - with reflector.busy_poll the replies are the same, a flow is
#    answered, and the API and the UDP echo reflector answer meanwhile.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

plan 53

lopad_init
TW=$LOPAD_DIR/tw.py
cat >"$TW" <<'EOF'
# tw.py MODE ...: a TWAMP-light / STAMP Session-Sender for twamp_reflector.t.
# Packets are written by hand (struct.pack) from RFC 5357 / RFC 8762 /
# RFC 8972.  Each mode prints "ok" or the checks that failed.
#   light HOST PORT PAD...	TWAMP-light, stateless: sizes, copies, times
#   zeropad HOST PORT		TWAMP-light with 30 zero octets = STAMP
#   stamp HOST PORT PAD...	STAMP, SSID, an Extra Padding TLV of PAD
#   tlvs HOST PORT		STAMP TLVs: padding, unknown (U), CoS, TSINFO;
#				the reply in the request's DSCP
#   malformed HOST PORT		a chain with a bad length: M, rest copied
#   stateful HOST PORT		per (address, port, SSID) counters from 0
#   refwait HOST PORT SECS	a session idle longer than SECS starts at 0
#   none HOST PORT SIZE [BIND]	no reply to SIZE octets (from BIND)
#   burst HOST PORT N		replies to N requests sent at once
#   storm HOST PORT N		N random, short and oversized datagrams
#   seqs HOST PORT FIRST N	N TWAMP-light requests from seq FIRST
#   flow HOST PORT SECS PPS	requests at PPS for SECS: "sent replies"
import os, random, socket, struct, sys, time

NTP_OFF = 2208988800
ERR_SND = 0x8001        # S, scale 0, multiplier 1: what we "send"
SLACK = 2 * 10**6       # ns: rounding of 2^-32 s fractions, and more
errors = []
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IPV6_HOPLIMIT = getattr(socket, "IPV6_HOPLIMIT", 52)
IPV6_TCLASS = getattr(socket, "IPV6_TCLASS", 67)
reply_tos = None

def ntp_from_ns(t):
    s, r = divmod(t, 10**9)
    return ((s + NTP_OFF) << 32) | (((r << 32) + 10**9 // 2) // 10**9)

def ntp_to_ns(v):
    return ((v >> 32) - NTP_OFF) * 10**9 + (((v & 0xffffffff) * 10**9) >> 32)

def check(cond, what):
    if not cond:
        errors.append(what)

def sock(host, bind=None):
    v6 = ":" in host
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.settimeout(1.0)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    if bind:
        s.bind((bind, 0))
    return s

def light_req(seq, t1, pad):
    # Non-zero padding: octets 16-43 are not all zero, so TWAMP-light.
    return struct.pack("!IQH", seq, t1, ERR_SND) + \
        bytes(((i * 7 + 1) % 255) + 1 for i in range(pad))

def stamp_req(seq, t1, ssid, tlvs=b""):
    return struct.pack("!IQHH", seq, t1, ERR_SND, ssid) + bytes(28) + tlvs

def exchange(s, host, port, req):
    """Send req; returns (reply, t4, reply ttl) or None."""
    s.sendto(req, (host, port))
    try:
        data, anc, flags, src = s.recvmsg(70000, 64)
    except socket.timeout:
        return None
    t4 = time.time_ns()
    global reply_tos
    ttl = None
    for lvl, typ, d in anc:
        if ((lvl, typ) in ((socket.IPPROTO_IP, socket.IP_TTL),
                (socket.IPPROTO_IPV6, IPV6_HOPLIMIT)) and len(d) >= 4):
            ttl = struct.unpack("i", d[:4])[0]
        elif (lvl, typ) == (socket.IPPROTO_IP, socket.IP_TOS) and len(d) >= 1:
            reply_tos = d[0]
        elif (lvl, typ) == (socket.IPPROTO_IPV6, IPV6_TCLASS) and len(d) >= 4:
            reply_tos = struct.unpack("i", d[:4])[0]
    check(src[0] == host and src[1] == port,
          "reply from %s, not %s:%d" % (src, host, port))
    return data, t4, ttl

def parse(r):
    f = struct.unpack("!IQHHQIQHHB", r[:41])
    return dict(seq=f[0], t3=f[1], err=f[2], mbz1=f[3], t2=f[4],
                sseq=f[5], st1=f[6], serr=f[7], mbz2=f[8], sttl=f[9])

def common(p, seq, t1ns, t1, t4, rttl, tag):
    check(p["sseq"] == seq, "%s: sender seq %d, want %d" % (tag, p["sseq"], seq))
    check(p["st1"] == t1, "%s: sender timestamp not copied" % tag)
    check(p["serr"] == ERR_SND, "%s: sender error estimate %#x" % (tag, p["serr"]))
    check(p["mbz2"] == 0, "%s: MBZ at 38 not zero" % tag)
    check(p["sttl"] == 255, "%s: Sender TTL %d, want 255" % (tag, p["sttl"]))
    check(rttl == 255, "%s: reply TTL %s, want 255" % (tag, rttl))
    check(p["err"] & 0xff != 0, "%s: error estimate multiplier 0" % tag)
    check(p["err"] & 0x4000 == 0, "%s: Z set" % tag)
    t2, t3 = ntp_to_ns(p["t2"]), ntp_to_ns(p["t3"])
    check(t2 <= t3, "%s: T2 > T3" % tag)
    check(t1ns - SLACK <= t2, "%s: T2 %d ns before T1" % (tag, t1ns - t2))
    check(t3 <= t4 + SLACK, "%s: T3 %d ns after T4" % (tag, t3 - t4))
    check(t3 - t2 < 10**9, "%s: T3 - T2 = %d ns" % (tag, t3 - t2))

def light(host, port, pads, stateless=True):
    s = sock(host)
    for n, pad in enumerate(pads):
        seq = 1000 + n
        t1ns = time.time_ns()
        t1 = ntp_from_ns(t1ns)
        req = light_req(seq, t1, pad)
        got = exchange(s, host, port, req)
        tag = "padding %d" % pad
        if got is None:
            errors.append("%s: no reply" % tag)
            continue
        r, t4, rttl = got
        want = max(41, len(req))
        check(len(r) == want, "%s: reply %d octets, want %d" % (tag, len(r), want))
        p = parse(r)
        check(p["seq"] == seq, "%s: seq %d, want %d (stateless)" % (tag, p["seq"], seq))
        check(p["mbz1"] == 0, "%s: MBZ at 14 not zero" % tag)
        common(p, seq, t1ns, t1, t4, rttl, tag)
        check(r[41:] == req[14:14 + len(r) - 41],
              "%s: padding not the sender's, truncated at the end" % tag)

def zeropad(host, port):
    # twping-style zero padding of 30 octets: STAMP rule, same size back.
    s = sock(host)
    t1ns = time.time_ns(); t1 = ntp_from_ns(t1ns)
    req = struct.pack("!IQH", 7, t1, ERR_SND) + bytes(30)
    got = exchange(s, host, port, req)
    if got is None:
        errors.append("no reply"); return
    r, t4, rttl = got
    check(len(r) == 44, "reply %d octets, want 44" % len(r))
    p = parse(r)
    check(p["seq"] == 7 and p["mbz1"] == 0, "seq or SSID")
    check(r[41:44] == bytes(3), "MBZ at 41")
    common(p, 7, t1ns, t1, t4, rttl, "zero padding")

def tlv(flags, typ, value):
    return struct.pack("!BBH", flags, typ, len(value)) + value

def tlvs_of(area):
    out, off = [], 0
    while off + 4 <= len(area):
        fl, ty, ln = struct.unpack("!BBH", area[off:off + 4])
        out.append((fl, ty, ln, area[off + 4:off + 4 + ln]))
        off += 4 + ln
    return out

def stamp_one(s, host, port, seq, ssid, tlvs, tag):
    t1ns = time.time_ns(); t1 = ntp_from_ns(t1ns)
    req = stamp_req(seq, t1, ssid, tlvs)
    got = exchange(s, host, port, req)
    if got is None:
        errors.append("%s: no reply" % tag)
        return None, None
    r, t4, rttl = got
    check(len(r) == len(req), "%s: reply %d octets, want %d" % (tag, len(r), len(req)))
    p = parse(r)
    check(p["mbz1"] == ssid, "%s: SSID %d, want %d" % (tag, p["mbz1"], ssid))
    check(r[41:44] == bytes(3), "%s: MBZ at 41-43 not zero" % tag)
    common(p, seq, t1ns, t1, t4, rttl, tag)
    return p, r

def stamp(host, port, pads):
    s = sock(host)
    for n, pad in enumerate(pads):
        tl = tlv(0x80, 1, os.urandom(pad)) if pad > 0 else b""
        p, r = stamp_one(s, host, port, 2000 + n, 4242, tl, "STAMP padding %d" % pad)
        if p is None:
            continue
        check(p["seq"] == 2000 + n, "STAMP seq %d (stateless)" % p["seq"])
        if pad > 0:
            check(r[44:] == b"\x00" + tl[1:], "Extra Padding TLV: not copied with flags 0")

def tlvs(host, port):
    s = sock(host)
    # DSCP 10 (AF11), ECN 1; the reply's class is read too.
    if ":" in host:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_TCLASS, 0x29)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x29)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    area = (tlv(0x80, 1, b"\x11" * 20) + tlv(0x80, 200, b"abcd") +
            tlv(0x80, 4, bytes([46 << 2, 0, 0, 0])) + tlv(0x80, 3, bytes(4)))
    p, r = stamp_one(s, host, port, 5, 9, area, "TLVs")
    if p is None:
        return
    check(reply_tos is not None and reply_tos >> 2 == 10,
          "reply DSCP %s, want the request's 10" %
          (None if reply_tos is None else reply_tos >> 2))
    t = tlvs_of(r[44:])
    check(len(t) == 4, "TLV count %d" % len(t))
    if len(t) != 4:
        return
    check(t[0] == (0, 1, 20, b"\x11" * 20), "Extra Padding: %r" % (t[0],))
    check(t[1] == (0x80, 200, 4, b"abcd"), "unknown type: %r" % (t[1],))
    fl, ty, ln, v = t[2]
    dscp1, dscp2 = v[0] >> 2, ((v[0] & 3) << 4) | (v[1] >> 4)
    ecn, rp = (v[1] >> 2) & 3, v[1] & 3
    check(fl == 0 and dscp1 == 46 and dscp2 == 10 and ecn == 1 and rp == 1,
          "CoS: flags %#x DSCP1 %d DSCP2 %d ECN %d RP %d" % (fl, dscp1, dscp2, ecn, rp))
    fl, ty, ln, v = t[3]
    check(fl == 0 and v[0] in (1, 5) and v[1] == 2 and v[2] in (1, 5) and v[3] == 2,
          "Timestamp Information: %r" % (t[3],))

def malformed(host, port):
    s = sock(host)
    # Padding, a CoS of 2 octets (bad length), an unknown type: M on the
    # CoS, the rest as sent.
    area = tlv(0x80, 1, b"\x22" * 8) + tlv(0x80, 4, b"\xb8\x00") + tlv(0x80, 201, b"zz")
    p, r = stamp_one(s, host, port, 6, 10, area, "bad length")
    if p is not None:
        want = tlv(0, 1, b"\x22" * 8) + tlv(0x40, 4, b"\xb8\x00") + tlv(0x80, 201, b"zz")
        check(r[44:] == want, "bad length: %r" % r[44:])
    # A chain running past the end: M where it stops fitting.
    area = tlv(0x80, 1, b"\x33" * 4) + struct.pack("!BBH", 0x80, 1, 100) + b"abcd"
    p, r = stamp_one(s, host, port, 7, 10, area, "past the end")
    if p is not None:
        want = tlv(0, 1, b"\x33" * 4) + struct.pack("!BBH", 0x40, 1, 100) + b"abcd"
        check(r[44:] == want, "past the end: %r" % r[44:])

def seqs_of(s, host, port, mk, n, first):
    out = []
    for i in range(n):
        got = exchange(s, host, port, mk(first + i))
        out.append(parse(got[0])["seq"] if got else None)
    return out

def stateful(host, port):
    a, b = sock(host), sock(host)
    lt = lambda q: light_req(q, ntp_from_ns(time.time_ns()), 50)
    st = lambda ssid: (lambda q: stamp_req(q, ntp_from_ns(time.time_ns()), ssid))
    got = seqs_of(a, host, port, lt, 3, 500)
    check(got == [0, 1, 2], "TWAMP-light, socket a: %r" % got)
    got = seqs_of(b, host, port, lt, 2, 900)
    check(got == [0, 1], "TWAMP-light, socket b: %r" % got)
    got = seqs_of(b, host, port, st(1), 3, 77)
    check(got == [0, 1, 2], "STAMP SSID 1, socket b: %r" % got)
    got = seqs_of(b, host, port, st(2), 2, 77)
    check(got == [0, 1], "STAMP SSID 2, socket b: %r" % got)
    got = seqs_of(a, host, port, lt, 1, 503)
    check(got == [3], "TWAMP-light, socket a again: %r" % got)

def refwait(host, port, secs):
    a = sock(host)
    st = lambda q: stamp_req(q, ntp_from_ns(time.time_ns()), 3)
    got = seqs_of(a, host, port, st, 2, 10)
    check(got == [0, 1], "before: %r" % got)
    time.sleep(secs)
    got = seqs_of(a, host, port, st, 2, 12)
    check(got == [0, 1], "after %s s idle: %r" % (secs, got))

def none(host, port, size, bind=None):
    s = sock(host, bind)
    s.sendto(os.urandom(size), (host, port))
    try:
        s.recv(70000)
        errors.append("a reply to %d octets" % size)
    except socket.timeout:
        pass

def burst(host, port, n):
    s = sock(host)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    t1 = ntp_from_ns(time.time_ns())
    for i in range(n):
        s.sendto(light_req(i, t1, 0), (host, port))
    got = 0
    s.settimeout(0.5)
    try:
        while True:
            s.recv(100)
            got += 1
    except socket.timeout:
        pass
    print(got)
    sys.exit(0)

def flow(host, port, secs, pps):
    # TWAMP-light requests at pps for secs, replies read as they come.
    s = sock(host)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.setblocking(False)
    sent = got = 0
    start = time.monotonic()
    while time.monotonic() - start < secs and sent < secs * pps:
        t1 = ntp_from_ns(time.time_ns())
        s.sendto(light_req(sent, t1, 27), (host, port))
        sent += 1
        try:
            while True:
                s.recv(2000)
                got += 1
        except BlockingIOError:
            pass
        due = start + sent / pps
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
    s.settimeout(0.5)
    try:
        while got < sent:
            s.recv(2000)
            got += 1
    except (socket.timeout, BlockingIOError):
        pass
    print("%d %d" % (sent, got))
    sys.exit(0)

def storm(host, port, n):
    rnd = random.Random(4)
    socks = [sock(host) for _ in range(4)]
    sent = 0
    for i in range(n):
        k = i % 3
        if k == 0:
            size = rnd.randrange(0, 14)          # truncated
        elif k == 1:
            size = rnd.randrange(14, 1500)       # random
        else:
            size = rnd.randrange(9000, 65000)    # oversized
        try:
            socks[i % 4].sendto(os.urandom(size), (host, port))
            sent += 1
        except OSError:
            pass
        if i % 100 == 99:
            time.sleep(0.003)   # a storm, not a test of the kernel's buffers
    print(sent)
    sys.exit(0)

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
rest = sys.argv[4:]
if mode == "light":
    light(host, port, [int(x) for x in rest])
elif mode == "zeropad":
    zeropad(host, port)
elif mode == "stamp":
    stamp(host, port, [int(x) for x in rest])
elif mode == "tlvs":
    tlvs(host, port)
elif mode == "malformed":
    malformed(host, port)
elif mode == "stateful":
    stateful(host, port)
elif mode == "refwait":
    refwait(host, port, float(rest[0]))
elif mode == "none":
    none(host, port, int(rest[0]), rest[1] if len(rest) > 1 else None)
elif mode == "burst":
    burst(host, port, int(rest[0]))
elif mode == "flow":
    flow(host, port, float(rest[0]), int(rest[1]))
elif mode == "storm":
    storm(host, port, int(rest[0]))
print("ok" if not errors else "; ".join(errors[:6]))
EOF

tw() {
	timeout -k 2 60 python3 "$TW" "$@" 2>&1
}

# status EXPR: a value of GET /api/v1/status (t: the twamp member).
status() {
	api ro GET /api/v1/status >/dev/null
	json_get "$API_BODY" "$(printf '%s' "$1" |
	    sed 's/\bt\[/j["reflector"]["twamp"][/g')"
}

# log_count_gt ERE N: more than N log lines match ERE.
log_count_gt() {
	[ "$(grep -cE -- "$1" "$LOPAD_LOG")" -gt "$2" ]
}

# reload_wait ERE: SIGHUP, then wait for a new log line matching ERE.
reload_wait() {
	local before

	before=$(grep -cE -- "$1" "$LOPAD_LOG")
	kill -HUP "$LOPAD_PID"
	wait_until 5000 50 log_count_gt "$1" "$before"
}

# settled: the received counter stopped moving (the storm is read).
settled() {
	local a b

	a=$(status 't["received"]')
	sleep 0.3
	b=$(status 't["received"]')
	[ "$a" = "$b" ]
}

lopad_port P1 || bail "no free port"
lopad_port P2 || bail "no free port"

# 1. IPv4, stateless, with an ACL and a per-source rate.
refl="reflector:
  addr: \"127.0.0.1:$LOPAD_REFL_PORT\"
  twamp_addr: \"127.0.0.1:$P1\"
  allow: [\"127.0.0.1/32\", \"::1/128\"]
  rate_per_source: 300"
lopad_start "" "$refl" || give_up "lopad did not start"
log_like "^reflector: twamp reflector on 127\.0\.0\.1:$P1 " \
    "the twamp reflector logs its address"

# tshark captures the first exchanges.
have_tshark=0
if command -v tshark >/dev/null 2>&1; then
	have_tshark=1
	PCAP=$LOPAD_DIR/twamp.pcap
	tshark -i lo -f "udp port $P1" -w "$PCAP" -a duration:30 \
	    >"$LOPAD_DIR/tshark.out" 2>&1 &
	tshark_pid=$!
	cleanup_push "kill $tshark_pid 2>/dev/null"
	wait_until 10000 100 grep -q "Capturing on" "$LOPAD_DIR/tshark.out" ||
	    diag "tshark did not say it was capturing"
fi

is "$(tw light 127.0.0.1 "$P1" 0 27 100 1400)" ok \
    "IPv4 TWAMP-light, padding 0, 27, 100, 1400: sizes, copies, T2/T3, TTL 255"
is "$(tw stamp 127.0.0.1 "$P1" 0 27 100 1400)" ok \
    "IPv4 STAMP, Extra Padding 0, 27, 100, 1400: same size, SSID, copies"
is "$(tw zeropad 127.0.0.1 "$P1")" ok \
    "IPv4 TWAMP-light with 30 zero octets: a 44-octet reply (the STAMP rule)"
is "$(tw tlvs 127.0.0.1 "$P1")" ok \
    "IPv4 STAMP TLVs: padding echoed, unknown with U, CoS and TSINFO filled, DSCP reflected"
is "$(tw malformed 127.0.0.1 "$P1")" ok \
    "IPv4 STAMP: a bad Length flagged M, the rest copied; past the end: M"

if [ "$have_tshark" = 1 ]; then
	sleep 0.5
	kill -INT "$tshark_pid" 2>/dev/null
	wait "$tshark_pid" 2>/dev/null
	npk=$(tshark -r "$PCAP" 2>/dev/null | wc -l)
	# light 4 + stamp 4 + zeropad 1 + tlvs 1 + malformed 2, both ways.
	is "$npk" 24 "tshark captured the 12 exchanges (24 datagrams)"
	dis=$(tshark -r "$PCAP" -d "udp.port==$P1,twamp.test" -V 2>&1)
	is "$(printf '%s\n' "$dis" |
	    grep -c '^TwoWay Active Measurement Test Protocol$')" 24 \
	    "tshark dissects the 24 datagrams as twamp.test"
	unlike "$dis" "[Mm]alformed" "tshark: no malformed packet"
	exp=$(tshark -r "$PCAP" -d "udp.port==$P1,twamp.test" -q -z expert \
	    2>&1)
	unlike "$exp" "^(Errors|Warns) " "tshark: no expert errors or warnings"
	TZ=UTC tshark -r "$PCAP" -d "udp.port==$P1,twamp.test" -T fields \
	    -E separator=/t -e frame.time_epoch -e udp.srcport \
	    -e twamp.test.seq_number -e twamp.test.timestamp \
	    -e twamp.test.sender_seq_number -e twamp.test.receive_timestamp \
	    >"$LOPAD_DIR/fields.txt" 2>/dev/null
	is "$(python3 - "$LOPAD_DIR/fields.txt" "$P1" <<'EOF'
# Requests and replies pair up: the reply's Sequence Number (stateless)
# and Sender Sequence Number are the request's; its Timestamp (T3) and
# Receive Timestamp (T2) are within a second of the capture times and
# in order.  Only replies (>= 41 octets, always the reflector layout)
# are read for the reflector fields.
import re, sys, datetime
def ts(s):
    m = re.match(r"(\w+)\s+(\d+), (\d+) (\d+):(\d+):(\d+)\.(\d+)", s)
    if not m:
        return None
    d = datetime.datetime.strptime("%s %s %s %s:%s:%s" % m.groups()[:6],
        "%b %d %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return d.timestamp() + int(m.group(7)[:9].ljust(9, "0")) / 1e9
port = sys.argv[2]
req, rep, bad = [], [], []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 6:
        bad.append("short line %r" % line); continue
    t, sp, seq = float(f[0]), f[1], int(f[2])
    if sp == port:
        t3, t2 = ts(f[3]), ts(f[5])
        if t3 is None or t2 is None or not (t2 <= t3 and abs(t3 - t) < 1):
            bad.append("times of reply %d: %r" % (seq, f))
        if int(f[4]) != seq:
            bad.append("reply %d: sender seq %s" % (seq, f[4]))
        rep.append(seq)
    else:
        t1 = ts(f[3])
        if t1 is None or abs(t1 - t) > 1:
            bad.append("T1 of request %d: %r" % (seq, f))
        req.append(seq)
want = [1000, 1001, 1002, 1003, 2000, 2001, 2002, 2003, 7, 5, 6, 7]
if req != want: bad.append("request seqs %r" % req)
if rep != want: bad.append("reply seqs %r" % rep)
print("ok" if not bad else "; ".join(bad[:4]))
EOF
)" ok "tshark: sequence numbers and timestamps as sent and reflected"
else
	for d in "tshark captured" "tshark dissects" "tshark: no malformed" \
	    "tshark: no expert" "tshark: fields"; do
		skip "$d" "tshark is not installed"
	done
fi

is "$(tw none 127.0.0.1 "$P1" 13)" ok "no reply to 13 octets"
is "$(tw none 127.0.0.1 "$P1" 1)" ok "no reply to 1 octet"
is "$(tw none 127.0.0.1 "$P1" 0)" ok "no reply to an empty datagram"
is "$(tw none 127.0.0.1 "$P1" 64 127.0.0.2)" ok \
    "no reply to 127.0.0.2, outside reflector.allow"
is "$(status 't["drops"]["malformed"]')" 3 "status: 3 dropped as malformed"
is "$(status 't["drops"]["acl"]')" 1 "status: 1 dropped by reflector.allow"
is "$(status 't["listen"]')" "127.0.0.1:$P1" "status: the twamp address"
is "$(status 't["twamp_light"], t["stamp"]')" "[4, 8]" \
    "status: 4 TWAMP-light and 8 STAMP replies"
is "$(status 't["stamp_tlvs"]["unknown"], t["stamp_tlvs"]["malformed"]')" \
    "[1, 2]" "status: STAMP replies with U (1) and M (2) TLVs"
is "$(status 't["t2"]["source"], t["t2"]["kernel"], t["t2"]["fallback"]')" \
    '["kernel", 12, 0]' "status: T2 from the kernel for all 12"
is "$(status 't["batches"]["count"] > 0, t["batches"]["max"] >= 1')" \
    "[true, true]" "status: batches counted"
is "$(status 't["clock"]["error_estimate"] & 0xff != 0')" true \
    "status: the Error Estimate sent has a non-zero multiplier"

sleep 1.1	# the per-source bucket refills
n=$(tw burst 127.0.0.1 "$P1" 900)
if [ "$n" -ge 100 ] 2>/dev/null && [ "$n" -le 450 ]; then
	ok "rate_per_source 300: $n of 900 answered"
else
	not_ok "rate_per_source 300: $n of 900 answered (want 100..450)"
fi
cmp_le 400 "$(status 't["drops"]["rate_source"]')" \
    "status: at least 400 dropped by rate_per_source"

# The storm: short, random and oversized datagrams from 4 sockets.
before=$(status 't["received"]')
sent=$(tw storm 127.0.0.1 "$P1" 2000)
is "$sent" 2000 "the storm: 2000 datagrams sent"
wait_until 10000 100 settled || diag "the counters did not settle"
check "lopad is still running" proc_alive "$LOPAD_PID"
check "the reflector is still running" lopad_role_pid reflector
is "$(status 't["received"] - t["reflected"] - t["dropped"]')" 0 \
    "status: received = reflected + dropped"
cmp_le 300 "$(status 't["drops"]["malformed"]')" \
    "status: the storm's short datagrams counted as malformed"
cmp_le $((before + 1000)) "$(status 't["received"]')" \
    "status: at least half the storm was received (the kernel may drop some)"
sleep 1.1
is "$(tw light 127.0.0.1 "$P1" 0 100)" ok "after the storm: a normal exchange"

# 2. A reload moves the socket to IPv6.
lopad_config "$LOPAD_CONF" "reflector:
  addr: \"127.0.0.1:$LOPAD_REFL_PORT\"
  twamp_addr: \"[::1]:$P2\""
reload_wait "^reflector: twamp reflector on \[::1\]:$P2 " ||
    diag "no reload line"
is "$(tw none 127.0.0.1 "$P1" 64)" ok "after a reload: the old port is closed"
is "$(tw light ::1 "$P2" 0 27 100 1400)" ok \
    "IPv6 TWAMP-light, padding 0, 27, 100, 1400"
is "$(tw stamp ::1 "$P2" 0 27 100 1400)" ok \
    "IPv6 STAMP, Extra Padding 0, 27, 100, 1400"
is "$(tw tlvs ::1 "$P2")" ok "IPv6 STAMP TLVs (DSCP2 and ECN from the traffic class)"
is "$(tw malformed ::1 "$P2")" ok "IPv6 STAMP malformed TLVs"
is "$(tw none ::1 "$P2" 5)" ok "IPv6: no reply to 5 octets"
is "$(status 't["listen"]')" "[::1]:$P2" "status: the new address"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# 3. Stateful, with a short REFWAIT.
lopad_start "" "reflector:
  addr: \"127.0.0.1:$LOPAD_REFL_PORT\"
  twamp_addr: \"127.0.0.1:$P1\"
  twamp_stateful: true
  twamp_refwait: 2s" || give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on" ||
    diag "no twamp reflector line"
is "$(tw stateful 127.0.0.1 "$P1")" ok \
    "stateful: 0, 1, 2... per (address, port, SSID), TWAMP-light and STAMP"
is "$(status 't["mode"], t["sessions"]["active"]')" '["stateful", 4]' \
    "status: stateful, 4 live sessions"
is "$(tw refwait 127.0.0.1 "$P1" 2.5)" ok \
    "stateful: idle longer than twamp_refwait, a session starts again at 0"
is "$(tw light 127.0.0.1 "$P1" 27)" \
    "padding 27: seq 0, want 1000 (stateless)" \
    "stateful: a new session's first reply has sequence number 0"

# 4. reflector.busy_poll: the reflector spins between requests and still
# answers correctly, and the rest of the daemon is served meanwhile.
lopad_config "$LOPAD_CONF" "reflector:
  addr: \"127.0.0.1:$LOPAD_REFL_PORT\"
  twamp_addr: \"127.0.0.1:$P1\"
  rate_per_source: 0
  busy_poll: 2ms"
reload_wait "^reflector: busy polling for 2ms after each request" ||
    diag "no busy polling line"
is "$(tw light 127.0.0.1 "$P1" 0 27 100 1400)" ok \
    "busy_poll: TWAMP-light, padding 0, 27, 100, 1400"
is "$(tw stamp 127.0.0.1 "$P1" 0 27 100 1400)" ok \
    "busy_poll: STAMP, Extra Padding 0, 27, 100, 1400"
tw flow 127.0.0.1 "$P1" 3 2000 >"$LOPAD_DIR/flow.out" &
flow=$!
sleep 0.5
answered=0
for ((i = 0; i < 10; i++)); do
	api ro GET /api/v1/status >/dev/null && [ "$API_CODE" = 200 ] &&
	    answered=$((answered + 1))
	sleep 0.1
done
is "$answered" 10 "busy_poll: the API answers while the reflector spins"
is "$(printf 'hi\n' | timeout 5 socat -t 1 - \
    "UDP4:127.0.0.1:$LOPAD_REFL_PORT" 2>&1)" hi \
    "busy_poll: the UDP echo reflector answers meanwhile"
wait "$flow"
read -r sent got <"$LOPAD_DIR/flow.out"
diag "flow: sent $sent, replies $got"
cmp_le $((sent * 99 / 100)) "${got:-0}" \
    "busy_poll: 2000/s for 3 s, at least 99% answered"
cmp_le 5000 "${sent:-0}" "busy_poll: the flow sent at least 5000 requests"

# 5. "" turns it off.
lopad_config "$LOPAD_CONF" "reflector:
  addr: \"127.0.0.1:$LOPAD_REFL_PORT\"
  twamp_addr: \"\""
reload_wait "^reflector: twamp: off" || diag "no reload line"
is "$(tw none 127.0.0.1 "$P1" 64)" ok "twamp_addr \"\": no reply"
is "$(status 't["up"], t["listen"]')" "[false, null]" \
    "status: the twamp reflector is down"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
