#!/bin/bash
#
# twamp and stamp tasks (TAP): lopad's Session-Sender against its own
# Session-Reflector (reflector.twamp_addr) on loopback, in a network
# namespace of the test's own:
#  - IPv4 and IPv6, TWAMP-light (padding 0, 27 by default, 1400) and STAMP
#    (with an SSID): every probe answered, the RTT (T4 - T1) - (T3 - T2)
#    positive, forward + backward = RTT for each sample (one clock),
#    processing >= 0 and small, 0 hops both ways, Sender TTL 255, a
#    stateless reflector (its sequence numbers are ours);
#  - tshark dissects a twamp task's packets (-d udp.port==P,twamp.test)
#    without malformed packets or expert warnings, with the sequence
#    numbers sent;
#  - a stateful reflector (reflector.twamp_stateful) with nftables
#    dropping every fifth request (forward) and every fifth reply that
#    got through (backward), deterministically (numgen): forward_lost and
#    backward_lost are the rules' counters;
#  - a twampy-style reflector answering 38 octets: accepted, counted
#    nonconformant; one answering garbage: counted malformed, probes lost;
#  - invalid requests: 400 naming the field.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 53

need_root
lopad_init
netns_new NS

lopad_port P || bail "no free port"
lopad_port P6 || bail "no free port"
lopad_port PX || bail "no free port"

refl() {
	printf 'reflector:\n  addr: "127.0.0.1:%s"\n  twamp_addr: "%s"\n%s' \
	    "$LOPAD_REFL_PORT" "$1" "${2:-}"
}

lopad_start "$NS" "$(refl "127.0.0.1:$P")" || give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on" || diag "no reflector line"

# run TYPE JSON: create, wait; TASK_JSON holds the result.
run() {
	task_create "$1" "$2" || { diag "$1 $2: $API_CODE $(cat "$API_BODY")"
	    return 1; }
	task_wait "$TASK_ID" 30000 || diag "task $TASK_ID did not end"
}

# samples_check TTL: every sample of TASK_ID answered, forward + backward =
# RTT (within 2 ns: T2 and T3 went through 2^-32 s fractions), processing
# in [0, 50 ms), hops 0/0, sender_ttl TTL, reflector_seq = seq.
samples_check() {
	api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
	python3 - "$API_BODY" "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1])); ttl = int(sys.argv[2]); bad = []
for x in s:
    if x["status"] != "ok":
        bad.append("seq %d: %s" % (x["seq"], x["status"])); continue
    if abs(x["forward"] + x["backward"] - x["rtt"]) > 2:
        bad.append("seq %d: fwd %d + bwd %d != rtt %d" % (x["seq"],
            x["forward"], x["backward"], x["rtt"]))
    if not (0 <= x["processing"] < 50 * 10**6):
        bad.append("seq %d: processing %d" % (x["seq"], x["processing"]))
    if x["hops"] != {"forward": 0, "backward": 0}:
        bad.append("seq %d: hops %r" % (x["seq"], x["hops"]))
    if x.get("sender_ttl") != ttl:
        bad.append("seq %d: sender_ttl %r" % (x["seq"], x.get("sender_ttl")))
    if x["reflector_seq"] != x["seq"]:
        bad.append("seq %d: reflector_seq %d" % (x["seq"], x["reflector_seq"]))
    for k in ("t2", "t3", "t4"):
        if not x[k].startswith("20"):
            bad.append("seq %d: %s %s" % (x["seq"], k, x[k]))
print("ok %d" % len(s) if not bad else "; ".join(bad[:3]))
EOF
}

# summary: the figures the tests compare, on one line.
summary() {
	task_get '"%s %d %d %s %s %s %s %s" % (j["status"], j["total"]["sent"],
	    j["total"]["received"], j["total"]["min_rtt"] > 0,
	    j["total"]["twamp"]["reflector"],
	    j["total"]["twamp"]["hops"]["forward"] == 0 and
	    j["total"]["twamp"]["hops"]["backward"] == 0,
	    0 <= j["total"]["twamp"]["processing"]["min"] <=
	    j["total"]["twamp"]["processing"]["max"] < 50 * 10**6,
	    j["rounds"][0]["stats"]["twamp"]["replies"])'
}

# 1. IPv4, tshark watching the first task.
have_tshark=0
if command -v tshark >/dev/null 2>&1; then
	have_tshark=1
	PCAP=$LOPAD_DIR/twamp.pcap
	ip netns exec "$NS" tshark -i lo -f "udp port $P" -w "$PCAP" \
	    -a duration:30 >"$LOPAD_DIR/tshark.out" 2>&1 &
	tshark_pid=$!
	cleanup_push "kill $tshark_pid 2>/dev/null"
	wait_until 10000 100 grep -q "Capturing on" "$LOPAD_DIR/tshark.out" ||
	    diag "tshark did not say it was capturing"
fi

run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":20,\"interval\":\"10ms\"}"
is "$(summary)" "finished 20 20 True stateless True True 20" \
    "IPv4 twamp: 20 sent, 20 received, RTT > 0, stateless, 0 hops, processing small"
is "$(samples_check 255)" "ok 20" \
    "IPv4 twamp samples: forward + backward = RTT, processing >= 0, TTL 255, seqs copied"
is "$(task_get '[j["params"]["packet_size"], j["params"]["ttl"], j["params"]["port"], j["total"]["twamp"]["nonconformant"]]')" \
    "[41, 255, $P, 0]" "twamp defaults: 41 octets (padding 27), ttl 255; conformant replies"
like "$(task_get 'j["total"]["twamp"]["forward"]')" '"jitter": [0-9]+.*"p50": [0-9]+, "p99": [0-9]+, "stddev"' \
    "the forward delay: min, avg, max, stddev, p50, p99, jitter"
is "$(task_get 'sorted(j["total"]["twamp"]["processing"].keys())')" \
    '["avg", "max", "min", "p50", "p99"]' "processing: min, avg, max, p50, p99"
is "$(task_get '"forward_lost" in j["total"]["twamp"]')" false \
    "stateless: no forward_lost / backward_lost"

if [ "$have_tshark" = 1 ]; then
	sleep 0.3
	kill -INT "$tshark_pid" 2>/dev/null
	wait "$tshark_pid" 2>/dev/null
	is "$(tshark -r "$PCAP" 2>/dev/null | wc -l)" 40 \
	    "tshark captured 20 requests and 20 replies"
	dis=$(tshark -r "$PCAP" -d "udp.port==$P,twamp.test" -V 2>&1)
	is "$(printf '%s\n' "$dis" |
	    grep -c '^TwoWay Active Measurement Test Protocol$')" 40 \
	    "tshark dissects the 40 datagrams as twamp.test"
	unlike "$dis" "[Mm]alformed" "tshark: no malformed packet"
	exp=$(tshark -r "$PCAP" -d "udp.port==$P,twamp.test" -q -z expert \
	    2>&1)
	unlike "$exp" "^(Errors|Warns) " "tshark: no expert errors or warnings"
	# Requests (to P) carry seq 1..20; replies (from P) the same, and
	# the sender's sequence number copied.
	tshark -r "$PCAP" -d "udp.port==$P,twamp.test" -T fields \
	    -E separator=/t -e udp.srcport -e udp.length \
	    -e twamp.test.seq_number -e twamp.test.sender_seq_number \
	    >"$LOPAD_DIR/fields.txt" 2>/dev/null
	is "$(python3 - "$LOPAD_DIR/fields.txt" "$P" <<'EOF'
import sys
req, rep, bad = [], [], []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == sys.argv[2]:
        rep.append(int(f[2]))
        if int(f[3]) != int(f[2]):
            bad.append("reply %s: sender seq %s" % (f[2], f[3]))
    else:
        req.append(int(f[2]))
    if int(f[1]) != 8 + 41:
        bad.append("UDP length %s" % f[1])
want = list(range(1, 21))
if req != want: bad.append("requests %r" % req)
if rep != want: bad.append("replies %r" % rep)
print("ok" if not bad else "; ".join(bad[:4]))
EOF
)" ok "tshark: sequence numbers 1..20 sent and copied, 41 octets both ways"
else
	for d in captured dissects malformed expert fields; do
		skip "tshark not installed ($d)"
	done
fi

run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":5,\"interval\":\"10ms\",\"padding\":0}"
is "$(summary) $(task_get 'j["params"]["packet_size"]')" \
    "finished 5 5 True stateless True True 5 14" "IPv4 twamp, padding 0 (14 octets)"
run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":5,\"interval\":\"10ms\",\"padding\":1400,\"dscp\":46,\"df\":true}"
is "$(summary) $(task_get 'j["params"]["packet_size"]')" \
    "finished 5 5 True stateless True True 5 1414" "IPv4 twamp, padding 1400, dscp, df"
run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":5,\"interval\":\"10ms\",\"ttl\":64}"
is "$(samples_check 64)" "ok 5" "IPv4 twamp, ttl 64: the reflector saw 64, 0 hops"

run stamp "{\"target\":\"127.0.0.1:$P\",\"count\":20,\"interval\":\"10ms\",\"ssid\":4242}"
is "$(summary)" "finished 20 20 True stateless True True 20" \
    "IPv4 stamp: 20 sent, 20 received, stateless, 0 hops"
is "$(samples_check 255)" "ok 20" "IPv4 stamp samples"
is "$(task_get '[j["params"]["ssid"], j["params"]["packet_size"]]')" \
    "[4242, 44]" "stamp: the ssid, 44 octets"
run stamp "{\"target\":\"127.0.0.1:$P\",\"count\":5,\"interval\":\"10ms\",\"packet_size\":1000}"
is "$(summary) $(task_get 'j["params"]["ssid"]')" \
    "finished 5 5 True stateless True True 5 0" "IPv4 stamp, 1000 octets, ssid 0 by default"

# Continuous: the twamp object of the total (no percentiles there).
task_create twamp "{\"target\":\"127.0.0.1:$P\",\"mode\":\"continuous\",\"interval\":\"10ms\",\"window\":\"1s\"}"
sleep 0.5
api rw POST "/api/v1/tasks/$TASK_ID/stop" >/dev/null
task_wait "$TASK_ID" 5000
is "$(task_get '[j["status"], j["total"]["twamp"]["replies"] > 10, j["total"]["twamp"]["reflector"]]')" \
    '["stopped", true, "stateless"]' "continuous twamp: replies counted, stopped"

# 2. IPv6.
lopad_config "$LOPAD_CONF" "$(refl "[::1]:$P6")"
kill -HUP "$LOPAD_PID"
wait_until 5000 50 grep -q "twamp reflector on \[::1\]:$P6" "$LOPAD_LOG" ||
    diag "no reload line"
run twamp "{\"target\":\"[::1]:$P6\",\"count\":20,\"interval\":\"10ms\"}"
is "$(summary)" "finished 20 20 True stateless True True 20" "IPv6 twamp"
is "$(samples_check 255)" "ok 20" "IPv6 twamp samples"
run stamp "{\"target\":\"::1\",\"port\":$P6,\"count\":20,\"interval\":\"10ms\",\"ssid\":7}"
is "$(summary)" "finished 20 20 True stateless True True 20" "IPv6 stamp"
is "$(samples_check 255)" "ok 20" "IPv6 stamp samples"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# 3. A stateful reflector; nftables drops requests 3, 8, 13, 18 (every
# fifth from the third) and of the replies that come back the 4th, 9th
# and 14th (those to 5, 11 and 17): the first and the last probe are
# answered, so every loss is between two replies and is split.
lopad_start "$NS" "$(refl "127.0.0.1:$P" "  twamp_stateful: true")" ||
    give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on" || diag "no reflector line"
nft_ns() {
	ip netns exec "$NS" nft "$@"
}
nft_ns add table inet lopat
nft_ns add chain inet lopat in '{ type filter hook input priority 0; }'
nft_ns add rule inet lopat in udp dport "$P" numgen inc mod 5 == 2 counter drop
nft_ns add rule inet lopat in udp sport "$P" numgen inc mod 5 == 3 counter drop
run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":20,\"interval\":\"20ms\",\"timeout\":\"500ms\"}"
counters=$(nft_ns list chain inet lopat in |
    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | tr '\n' ' ')
is "$counters" "4 3 " "nft dropped 4 requests and 3 replies"
is "$(task_get '[j["total"]["sent"], j["total"]["received"], j["total"]["lost"], j["total"]["twamp"]["reflector"]]')" \
    '[20, 13, 7, "stateful"]' "stateful: 13 of 20 received, the reflector is stateful"
set -- $counters
is "$(task_get '[j["total"]["twamp"]["forward_lost"], j["total"]["twamp"]["backward_lost"]]')" \
    "[${1:-x}, ${2:-x}]" "forward_lost and backward_lost are nft's counters"
is "$(task_get '[j["rounds"][0]["stats"]["twamp"]["forward_lost"], j["rounds"][0]["stats"]["twamp"]["backward_lost"]]')" \
    "[${1:-x}, ${2:-x}]" "the round's too"
api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
is "$(json_get "$API_BODY" '[x["reflector_seq"] for x in j if x["status"] == "ok"][:4]')" \
    "[0, 1, 2, 4]" \
    "stateful: the reflector's own numbers from 0 (it never saw 3, 5's reply was lost)"
nft_ns flush ruleset
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# 4. Other reflectors, in Python: twampy's 38-octet replies, and garbage.
lopad_start "$NS" "$(refl "127.0.0.1:$P")" || give_up "lopad did not start"
cat >"$LOPAD_DIR/refl.py" <<'EOF'
# refl.py MODE PORT: answer each request on 127.0.0.1:PORT.
#   short    twampy's reflector: 38 octets (no final MBZ, no Sender TTL)
#   garbage  10 octets that are no reply
import socket, struct, sys, time
NTP_OFF = 2208988800
def ntp():
    t = time.time_ns(); s, r = divmod(t, 10**9)
    return ((s + NTP_OFF) << 32) | ((r << 32) // 10**9)
mode, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(70000)
    t2 = ntp()
    if mode == "garbage":
        s.sendto(b"\x01" * 10, a); continue
    seq, t1, e1 = struct.unpack("!IQH", d[:14])
    s.sendto(struct.pack("!IQHHQIQH", seq, ntp(), 0x8001, 0, t2, seq, t1,
        e1), a)
EOF
ip netns exec "$NS" python3 "$LOPAD_DIR/refl.py" short "$PX" \
    >"$LOPAD_DIR/refl.out" 2>&1 &
refl_pid=$!
cleanup_push "kill $refl_pid 2>/dev/null"
wait_until 5000 50 grep -q ready "$LOPAD_DIR/refl.out" || diag "no reflector"
run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\"}"
is "$(task_get '[j["total"]["received"], j["total"]["twamp"]["nonconformant"], j["total"]["twamp"]["hops"]["forward"]]')" \
    "[5, 5, null]" "38-octet replies: accepted, nonconformant, no Sender TTL"
api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
is "$(json_get "$API_BODY" '[x.get("nonconformant") for x in j]')" \
    "[true, true, true, true, true]" "samples flagged nonconformant"
kill "$refl_pid" 2>/dev/null
wait "$refl_pid" 2>/dev/null

status_malformed() {
	api rw GET /api/v1/status >/dev/null
	json_get "$API_BODY" 'j["sender"]["malformed"]'
}
m0=$(status_malformed)
ip netns exec "$NS" python3 "$LOPAD_DIR/refl.py" garbage "$PX" \
    >"$LOPAD_DIR/refl.out" 2>&1 &
refl_pid=$!
cleanup_push "kill $refl_pid 2>/dev/null"
wait_until 5000 50 grep -q ready "$LOPAD_DIR/refl.out" || diag "no reflector"
run stamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\",\"timeout\":\"300ms\"}"
is "$(task_get '[j["total"]["received"], j["total"]["lost"]]')" "[0, 5]" \
    "garbage replies: never matched, the probes lost"
is "$(($(status_malformed) - m0))" 5 "garbage replies: counted malformed"
kill "$refl_pid" 2>/dev/null
wait "$refl_pid" 2>/dev/null
run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":3,\"interval\":\"10ms\",\"timeout\":\"300ms\"}"
is "$(task_get '[j["total"]["received"], j["total"]["refused"]]')" "[3, 3]" \
    "no reflector: port unreachable, each probe refused (matched by its sequence number)"

# 5. Invalid requests: 400 naming the field.
bad() {
	local type=$1 body=$2 field=$3

	api rw POST "/api/v1/tasks/$type" -H 'Content-Type: application/json' \
	    --data-binary "$body" >/dev/null
	if [ "$API_CODE" = 400 ] &&
	    [ "$(json_get "$API_BODY" 'j["detail"].split(":")[0]')" = "$field" ]
	then
		ok "400 naming $field: $type $body"
	else
		not_ok "400 naming $field: $type $body"
		diag "$API_CODE $(cat "$API_BODY")"
	fi
}
bad twamp '{"target":"127.0.0.1","control":true,"receiver_port":70000}' \
    receiver_port
like "$(json_get "$API_BODY" 'j["detail"]')" "between 0 \(the server chooses\)" \
    "receiver_port out of range (full TWAMP: twamp_full.t)"
bad twamp '{"target":"127.0.0.1","control":"no"}' control
bad stamp '{"target":"127.0.0.1","control":false}' control
bad stamp '{"target":"127.0.0.1","ssid":65536}' ssid
bad stamp '{"target":"127.0.0.1","ssid":-1}' ssid
bad twamp '{"target":"127.0.0.1","ssid":1}' ssid
bad twamp '{"target":"127.0.0.1","padding":-2}' padding
bad twamp '{"target":"127.0.0.1","padding":70000}' padding
bad twamp '{"target":"127.0.0.1","padding":10,"packet_size":100}' padding
bad twamp '{"target":"127.0.0.1","packet_size":13}' packet_size
bad stamp '{"target":"127.0.0.1","packet_size":43}' packet_size
bad ping '{"target":"127.0.0.1","padding":8}' padding
bad twamp '{"target":"127.0.0.1","ttl":0}' ttl
bad stamp '{"target":"127.0.0.1:0"}' target
bad twamp '{"target":"127.0.0.1","bogus":1}' bogus
bad stamp '{"target":"127.0.0.1","type":"twamp"}' type

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
