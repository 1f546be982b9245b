#!/bin/bash
#
# The UDP echo reflector (TAP): datagrams of 1, 64, 1472 and 8000 bytes
# come back byte for byte, over IPv4 and IPv6; a reply leaves from the
# address the request was sent to (wildcard bind, request to 127.0.0.2);
# no reply to source port 53, to a source outside reflector.allow, above
# reflector.rate_per_source, or when disabled; an address in use gives a
# warning and the daemon keeps running; a reload moves the socket and
# applies the ACL and the rates.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

plan 26

lopad_init
UDP=$LOPAD_DIR/udp.py
cat >"$UDP" <<'EOF'
# udp.py MODE ...: a UDP client for reflector.t; prints one line.
#   echo HOST PORT SIZE...	"ok" per size echoed byte for byte
#   from HOST PORT		the reply's source "ip port", or "none"
#   sport SPORT HOST PORT	"reply" or "none", sent from port SPORT
#   burst HOST PORT N		how many of N datagrams sent at once came back
import socket, sys, time

def sock(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    return s

mode, args = sys.argv[1], sys.argv[2:]
if mode == "echo":
    host, port = args[0], int(args[1])
    s = sock(host)
    out = []
    for n in map(int, args[2:]):
        data = bytes((i * 31 + n) % 256 for i in range(n))
        s.sendto(data, (host, port))
        try:
            r = s.recv(65536)
            out.append("ok" if r == data else "bad(%d)" % len(r))
        except socket.timeout:
            out.append("none")
    print(" ".join(out))
elif mode == "from":
    host, port = args[0], int(args[1])
    s = sock(host)
    s.sendto(b"where", (host, port))
    try:
        r, a = s.recvfrom(100)
        print(a[0], a[1])
    except socket.timeout:
        print("none")
elif mode == "sport":
    sp, host, port = int(args[0]), args[1], int(args[2])
    s = sock(host)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1" if ":" not in host else "::1", sp))
    s.sendto(b"loop?", (host, port))
    try:
        s.recv(100)
        print("reply")
    except socket.timeout:
        print("none")
elif mode == "burst":
    host, port, n = args[0], int(args[1]), int(args[2])
    s = sock(host)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    for i in range(n):
        s.sendto(b"%d" % i, (host, port))
    got = 0
    try:
        while True:
            s.recv(100)
            got += 1
    except socket.timeout:
        pass
    print(got)
EOF

udp() {
	python3 "$UDP" "$@" 2>&1
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

lopad_port P1 || bail "no free port"
lopad_port P2 || bail "no free port"

# 1. On 127.0.0.1: echo, loop-prone source ports, rate limit, ACL.
refl="reflector:
  enabled: true
  addr: \"127.0.0.1:$P1\"
  twamp_addr: \"\""
lopad_start "" "$refl" || give_up "lopad did not start"
log_like "^reflector: udp echo reflector on 127\.0\.0\.1:$P1\$" \
    "the reflector logs its address"
is "$(udp echo 127.0.0.1 "$P1" 1 64 1472 8000)" "ok ok ok ok" \
    "1, 64, 1472 and 8000 bytes echoed byte for byte"
is "$(udp from 127.0.0.1 "$P1")" "127.0.0.1 $P1" \
    "the reply comes from the reflector's address"
is "$(udp sport 53 127.0.0.1 "$P1")" none "no reply to source port 53"
is "$(udp sport 7 127.0.0.1 "$P1")" none "no reply to source port 7"
log_like "^reflector: udp echo: no reply to 127\.0\.0\.1:53: loop-prone" \
    "the drop is logged with its reason"

lopad_config "$LOPAD_CONF" "$refl
  rate_per_source: 10"
reload_wait '^reflector: udp echo: 0 allowed prefixes, 10/s per source' ||
    diag "no reload line"
n=$(udp burst 127.0.0.1 "$P1" 100)
if [ "$n" -ge 5 ] 2>/dev/null && [ "$n" -le 20 ]; then
	ok "rate_per_source 10: $n of 100 datagrams answered"
else
	not_ok "rate_per_source 10: $n of 100 datagrams answered (want 5..20)"
fi

lopad_config "$LOPAD_CONF" "$refl
  allow: [\"10.255.255.255/32\"]"
reload_wait '^reflector: udp echo: 1 allowed prefixes' ||
    diag "no reload line"
is "$(udp echo 127.0.0.1 "$P1" 64)" none \
    "allow [10.255.255.255/32]: no reply to 127.0.0.1"
lopad_config "$LOPAD_CONF" "$refl
  allow: [\"10.0.0.0/8\", \"127.0.0.0/8\"]"
reload_wait '^reflector: udp echo: 2 allowed prefixes' ||
    diag "no reload line"
is "$(udp echo 127.0.0.1 "$P1" 64)" ok "allow [.., 127.0.0.0/8]: a reply"

# The counters behind all this, in GET /api/v1/status.
api ro GET /api/v1/status >/dev/null
u='j["reflector"]["udp_echo"]'
is "$(json_get "$API_BODY" "$u[\"listen\"]")" "127.0.0.1:$P1" \
    "status: the reflector's address"
is "$(json_get "$API_BODY" "$u[\"drops\"][\"loop_port\"]")" 2 \
    "status: 2 dropped for a loop-prone source port"
is "$(json_get "$API_BODY" "$u[\"drops\"][\"acl\"]")" 1 \
    "status: 1 dropped by reflector.allow"
cmp_le $((100 - 20)) "$(json_get "$API_BODY" "$u[\"drops\"][\"rate_source\"]")" \
    "status: at least 80 dropped by rate_per_source"
is "$(json_get "$API_BODY" "$u[\"received\"] - $u[\"echoed\"] - $u[\"dropped\"]")" 0 \
    "status: received = echoed + dropped"

# A reload moves the socket: the wildcard, then IPv6.
lopad_config "$LOPAD_CONF" "reflector:
  enabled: true
  addr: \":$P2\"
  twamp_addr: \"\""
reload_wait "^reflector: udp echo reflector on :$P2\$" ||
    diag "no reload line"
is "$(udp echo 127.0.0.1 "$P1" 64)" none "after a reload: the old port is closed"
is "$(udp from 127.0.0.2 "$P2")" "127.0.0.2 $P2" \
    "bound to the wildcard: the reply to 127.0.0.2 comes from 127.0.0.2"
is "$(udp echo 127.0.0.1 "$P2" 1 64 1472 8000)" "ok ok ok ok" \
    "the wildcard echoes on 127.0.0.1"

lopad_config "$LOPAD_CONF" "reflector:
  enabled: true
  addr: \"[::]:$P2\"
  twamp_addr: \"\""
reload_wait "^reflector: udp echo reflector on \[::\]:$P2\$" ||
    diag "no reload line"
is "$(udp echo ::1 "$P2" 1 64 1472 8000)" "ok ok ok ok" \
    "[::]: 1, 64, 1472 and 8000 bytes echoed on [::1]"
is "$(udp from ::1 "$P2")" "::1 $P2" "the IPv6 reply comes from ::1"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# 2. The address is in use: a warning, the daemon runs on; freed and
# reloaded, the reflector starts.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True)
time.sleep(30)
' "$P1" >"$LOPAD_DIR/holder.out" 2>&1 &
holder=$!
cleanup_push "kill $holder 2>/dev/null"
wait_until 3000 50 grep -q bound "$LOPAD_DIR/holder.out"
lopad_start "" "$refl" || give_up "lopad did not start"
log_like "udp echo reflector on 127\.0\.0\.1:$P1 not started: .*in use" \
    "address in use: a warning names the address and the reason"
code=$(api ro GET /api/v1/status)
is "$code" 200 "the daemon keeps running: GET /api/v1/status answers"
kill "$holder"
wait "$holder" 2>/dev/null
reload_wait "^reflector: udp echo reflector on 127\.0\.0\.1:$P1\$" ||
    diag "no reload line"
is "$(udp echo 127.0.0.1 "$P1" 64)" ok \
    "freed and reloaded: the reflector answers"

# 3. Disabled: nothing answers (the port is free).
lopad_config "$LOPAD_CONF" "reflector:
  enabled: false
  addr: \"127.0.0.1:$P1\"
  twamp_addr: \"\""
reload_wait '^reflector: udp echo: off' || diag "no reload line"
is "$(udp echo 127.0.0.1 "$P1" 64)" none "enabled: false: no reply"
lopad_stop
lopad_start "" "reflector:
  enabled: false
  addr: \"127.0.0.1:$P1\"
  twamp_addr: \"\"" || give_up "lopad did not start"
is "$(udp echo 127.0.0.1 "$P1" 64)" none "started disabled: no reply"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
