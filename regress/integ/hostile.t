#!/bin/bash
#
# Hostile replies (TAP).  B does not answer pings itself; a forger there
# answers each echo request lopad sends with: a reply with a wrong cookie,
# one with a wrong identifier, one with a wrong sequence number, one from
# another source address, a truncated reply, a burst of unrelated ICMP
# (random echo replies, errors quoting garbage, runts), then the genuine
# reply and a copy of it.  lopad must count exactly the genuine replies
# as received, the copies as duplicates, never match a forgery, and keep
# running.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 10

lopad_init
netns_new A
netns_new B
netns_veth "$A" "198.18.0.1/24 2001:db8::1/64" "$B" "198.18.0.2/24 198.18.0.3/24 2001:db8::2/64"
ip netns exec "$B" sysctl -qw net.ipv4.icmp_echo_ignore_all=1

FORGE=$LOPAD_DIR/forge.py
cat >"$FORGE" <<'EOF'
import os, random, socket, struct

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff

def icmp(typ, code, rest):
    h = struct.pack("!BBH", typ, code, 0) + rest
    return struct.pack("!BBH", typ, code, csum(h)) + rest

def ip(src, dst, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64,
                    1, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h + payload

rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
print("ready", flush=True)
while True:
    pkt, (peer, _) = rx.recvfrom(65535)
    ihl = (pkt[0] & 15) * 4
    m = pkt[ihl:]
    if len(m) < 16 or m[0] != 8:
        continue
    ident, seq = struct.unpack("!HH", m[4:8])
    data = m[8:]
    me = socket.inet_ntoa(pkt[16:20])
    def send(src, msg):
        tx.sendto(ip(src, peer, msg), (peer, 0))
    bad = bytes([data[0] ^ 0xff]) + data[1:]
    send(me, icmp(0, 0, struct.pack("!HH", ident, seq) + bad))
    send(me, icmp(0, 0, struct.pack("!HH", ident ^ 1, seq) + data))
    send(me, icmp(0, 0, struct.pack("!HH", ident, seq ^ 0x100) + data))
    send("198.18.0.3", icmp(0, 0, struct.pack("!HH", ident, seq) + data))
    send(me, icmp(0, 0, struct.pack("!HH", ident, seq)))
    send(me, icmp(0, 0, b""))
    for i in range(20):
        send(me, icmp(0, 0, struct.pack("!HH", random.getrandbits(16),
                                        random.getrandbits(16)) + os.urandom(16)))
        send(me, icmp(3, 1, b"\0\0\0\0" + os.urandom(random.randrange(0, 40))))
        send(me, icmp(11, 0, b"\0\0\0\0" + pkt[:20]))
    send(me, icmp(0, 0, struct.pack("!HH", ident, seq) + data))
    send(me, icmp(0, 0, struct.pack("!HH", ident, seq) + data))
EOF
ip netns exec "$B" python3 "$FORGE" >"$LOPAD_DIR/forge.out" 2>&1 &
cleanup_push "kill $! 2>/dev/null"
wait_until 5000 20 grep -q ready "$LOPAD_DIR/forge.out" ||
    bail "forger did not start"

lopad_start "$A" || give_up "lopad did not start"

N=20
if task_create ping '{"target":"198.18.0.2","count":'$N',"interval":"50ms","timeout":"1s"}' &&
    task_wait "$TASK_ID" 20000; then
	is "$(task_get 'j["status"]')" finished "finished"
	is "$(task_get 'j["total"]["sent"]')" $N "sent $N"
	is "$(task_get 'j["total"]["received"]')" $N "exactly the genuine replies received"
	# The last reply's copy may come after the session has ended (as
	# with ping -c, nothing waits for it): N-1 or N duplicates.
	dups=$(task_get 'j["total"]["duplicates"]')
	if [ "$dups" -ge $((N - 1)) ] && [ "$dups" -le $N ]; then
		ok "each copy counted as a duplicate"
	else
		not_ok "each copy counted as a duplicate"
		diag "got $dups, want $((N - 1)) or $N"
	fi
	is "$(task_get 'j["total"]["lost"]')" 0 "none lost"
	is "$(task_get 'j["total"]["errors"]["unreachable"] + j["total"]["errors"]["ttl_exceeded"]')" 0 \
	    "no forged error matched"
else
	for i in 1 2 3 4 5 6; do not_ok "the task ran"; done
	diag "$API_CODE $(cat "$API_BODY")"
fi
sender=$(lopad_role_pid sender)
ok_alive=no
proc_alive "$sender" && ok_alive=yes
is "$ok_alive" yes "the sender survived"
is "$(api rw GET /api/v1/status)" 200 "the daemon still answers"
# Every forgery is counted, by reason, in the sender's counters.
s='j["sender"]'
diag "sender counters: $(json_get "$API_BODY" "$s")"
cmp_le $((N * 4)) "$(json_get "$API_BODY" "$s[\"foreign\"]")" \
    "status: the forged replies are counted as foreign"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
