#!/bin/bash
#
# twamp and stamp tasks (TAP), lopad's Session-Sender against its own
# Session-Reflector on loopback, in a network namespace of the test's own:
#  - IMIX (padding -1): nftables counts the requests and replies by UDP
#    length (IPv4: twamp 30/556/1480, stamp 52/556/1480, IPv6 stamp
#    60/536/1460), 7:4:1 over 24 probes; tshark shows the fixed pattern of
#    12 (any 12 in a row have 7:4:1); the params echo padding -1, imix;
#  - STAMP TLVs (tlvs): Extra Padding comes back as sent (tshark), the
#    reflector fills Timestamp Information and Class of Service (DSCP2 the
#    DSCP the task sent), no U or M; the params echo them; a numbered
#    type unknown to the reflector comes back with U;
#  - a continuous task's window.twamp: the one-way figures of a 3 s
#    window; with a stateful reflector and nftables dropping requests and
#    replies, backward_lost rises in the window, then falls back to 0 as
#    the window slides past the drops (the total keeps them);
#  - invalid requests: 400 naming the field.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 34

need_root
lopad_init
netns_new NS

lopad_port P || bail "no free port"
lopad_port P6 || bail "no free port"

refl() {
	printf 'reflector:\n  addr: "127.0.0.1:%s"\n  twamp_addr: "%s"\n%s' \
	    "$LOPAD_REFL_PORT" "$1" "${2:-}"
}

nft_ns() {
	ip netns exec "$NS" nft "$@"
}

# run TYPE JSON: create, wait; TASK_JSON holds the result.
run() {
	task_create "$1" "$2" || { diag "$1 $2: $API_CODE $(cat "$API_BODY")"
	    return 1; }
	task_wait "$TASK_ID" 30000 || diag "task $TASK_ID did not end"
}

# sizes_setup PORT "L1 L2 L3" ["R1 R2 R3"]: counters of requests of UDP
# lengths L, then of replies of lengths R (by default L).
sizes_setup() {
	local port=$1 l

	nft_ns flush ruleset
	nft_ns add table inet lopat
	nft_ns add chain inet lopat in '{ type filter hook input priority 0; }'
	for l in $2; do
		nft_ns add rule inet lopat in udp dport "$port" udp length "$l" counter
	done
	for l in ${3:-$2}; do
		nft_ns add rule inet lopat in udp sport "$port" udp length "$l" counter
	done
}

# now EXPR: a value from the running task CID (json_get on j).
now() {
	api rw GET "/api/v1/tasks/$CID" >/dev/null
	json_get "$API_BODY" "$1"
}
sizes_get() {
	nft_ns list chain inet lopat in |
	    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | tr '\n' ' '
}

lopad_start "$NS" "$(refl "127.0.0.1:$P")" || give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on" || diag "no reflector line"

# 1. IMIX, IPv4.
have_tshark=0
if command -v tshark >/dev/null 2>&1; then
	have_tshark=1
	PCAP=$LOPAD_DIR/imix.pcap
	ip netns exec "$NS" tshark -i lo -f "udp port $P" -w "$PCAP" \
	    -a duration:60 >"$LOPAD_DIR/tshark.out" 2>&1 &
	tshark_pid=$!
	cleanup_push "kill $tshark_pid 2>/dev/null"
	wait_until 10000 100 grep -q "Capturing on" "$LOPAD_DIR/tshark.out" ||
	    diag "tshark did not say it was capturing"
fi

sizes_setup "$P" "30 556 1480" "49 556 1480"
run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":24,\"interval\":\"10ms\",\"padding\":-1}"
is "$(sizes_get)" "14 8 2 14 8 2 " \
    "IMIX twamp: 14, 8, 2 requests of 22, 548, 1472 octets (7:4:1); replies of 41 (the least), 548, 1472"
is "$(task_get '[j["status"], j["total"]["received"], j["params"]["padding"], j["params"]["imix"], "packet_size" in j["params"]]')" \
    '["finished", 24, -1, true, false]' \
    "IMIX twamp: every probe answered; params padding -1, imix true"

sizes_setup "$P" "52 556 1480"
run stamp "{\"target\":\"127.0.0.1:$P\",\"count\":24,\"interval\":\"10ms\",\"padding\":-1}"
is "$(sizes_get)" "14 8 2 14 8 2 " \
    "IMIX stamp: 14, 8, 2 of 44 (the header: 22 is less), 548, 1472 octets"
is "$(task_get '[j["status"], j["total"]["received"], j["params"]["imix"]]')" \
    '["finished", 24, true]' "IMIX stamp: every probe answered"
nft_ns flush ruleset

if [ "$have_tshark" = 1 ]; then
	sleep 0.3
	kill -INT "$tshark_pid" 2>/dev/null
	wait "$tshark_pid" 2>/dev/null
	# Requests in order: the twamp task's 24, then the stamp task's.
	tshark -r "$PCAP" -T fields -e udp.dstport -e udp.length \
	    -e udp.payload >"$LOPAD_DIR/imix.txt" 2>/dev/null
	is "$(python3 - "$LOPAD_DIR/imix.txt" "$P" <<'EOF'
import sys
req = [l.split("\t") for l in open(sys.argv[1]) if l.split("\t")[0] == sys.argv[2]]
ln = [int(x[1]) - 8 for x in req]
bad = []
if len(ln) != 48: bad.append("%d requests" % len(ln))
for k, (small, name) in enumerate(((22, "twamp"), (44, "stamp"))):
    s = ln[24 * k:24 * k + 24]
    for i in range(len(s) - 11):
        w = s[i:i + 12]
        if sorted(w) != [small] * 7 + [548] * 4 + [1472]:
            bad.append("%s: probes %d..%d: %r" % (name, i, i + 11, w)); break
    if any(s[i] == s[i + 1] == s[i + 2] == s[i + 3] for i in range(len(s) - 3)):
        bad.append("%s: 4 alike in a row: %r" % (name, s))
# stamp: the IMIX padding is an Extra Padding TLV (U set) filling the packet.
for x in req[24:]:
    p = bytes.fromhex(x[2].strip())
    if len(p) > 44 and (p[44] != 0x80 or p[45] != 1 or
        int.from_bytes(p[46:48], "big") != len(p) - 48):
        bad.append("stamp %d octets: TLV %s" % (len(p), p[44:48].hex())); break
print("ok" if not bad else "; ".join(bad[:3]))
EOF
)" ok "tshark: any 12 probes in a row are 7:4:1, interleaved; stamp pads with an Extra Padding TLV"
else
	skip "tshark not installed (IMIX pattern)"
fi

# 2. STAMP TLVs.
if [ "$have_tshark" = 1 ]; then
	PCAP=$LOPAD_DIR/tlv.pcap
	ip netns exec "$NS" tshark -i lo -f "udp port $P" -w "$PCAP" \
	    -a duration:60 >"$LOPAD_DIR/tshark.out" 2>&1 &
	tshark_pid=$!
	cleanup_push "kill $tshark_pid 2>/dev/null"
	wait_until 10000 100 grep -q "Capturing on" "$LOPAD_DIR/tshark.out" ||
	    diag "tshark did not say it was capturing"
fi
run stamp "{\"target\":\"127.0.0.1:$P\",\"count\":5,\"interval\":\"10ms\",\"dscp\":10,\"tlvs\":[{\"type\":\"padding\",\"length\":100},{\"type\":\"timestamp_info\"},{\"type\":\"cos\",\"dscp\":46,\"ecn\":0}]}"
is "$(task_get '[j["status"], j["total"]["received"], j["params"]["packet_size"]]')" \
    '["finished", 5, 164]' "stamp with TLVs: 44 + 104 + 8 + 8 octets, every probe answered"
is "$(task_get 'j["params"]["tlvs"]')" \
    '[{"length": 100, "type": "padding"}, {"type": "timestamp_info"}, {"dscp": 46, "ecn": 0, "type": "cos"}]' \
    "params echo the TLVs"
is "$(task_get '[j["total"]["twamp"]["tlv_unrecognized"], j["total"]["twamp"]["tlv_malformed"]]')" \
    '[0, 0]' "no TLV came back unrecognized or malformed"
is "$(task_get '[j["total"]["twamp"]["cos"]["dscp2"], j["total"]["twamp"]["cos"]["ecn"], j["total"]["twamp"]["cos"]["rp"] in (0, 1)]')" \
    '[10, 0, true]' "Class of Service: DSCP2 is the DSCP the task sent (10), ECN 0"
is "$(task_get 'sorted(j["total"]["twamp"]["reflector_timestamp"].keys())')" \
    '["method_in", "method_out", "sync_in", "sync_out"]' \
    "Timestamp Information: sync source and method, in and out"
is "$(task_get '[j["total"]["twamp"]["reflector_timestamp"]["method_in"] in (1, 2, 3), j["total"]["twamp"]["reflector_timestamp"]["sync_in"] in (1, 2, 5)]')" \
    '[true, true]' "the reflector filled its Timestamp Information (method and sync known)"
is "$(task_get '"tlv_unrecognized" in j["rounds"][0]["stats"]["twamp"]')" false \
    "TLV figures in the total only"

if [ "$have_tshark" = 1 ]; then
	sleep 0.3
	kill -INT "$tshark_pid" 2>/dev/null
	wait "$tshark_pid" 2>/dev/null
	tshark -r "$PCAP" -T fields -e udp.srcport -e udp.payload \
	    >"$LOPAD_DIR/tlv.txt" 2>/dev/null
	is "$(python3 - "$LOPAD_DIR/tlv.txt" "$P" <<'EOF'
import sys
req, rep, bad = {}, {}, []
for l in open(sys.argv[1]):
    port, pl = l.rstrip("\n").split("\t")
    p = bytes.fromhex(pl)
    if port == sys.argv[2]: rep[p[24:28]] = p   # the sender's seq copied
    else: req[p[0:4]] = p
if len(req) != 5 or len(rep) != 5: bad.append("%d/%d" % (len(req), len(rep)))
for k, q in req.items():
    r = rep.get(k)
    if r is None: continue
    # Sender: U set on each, value fields zero but padding's.
    if q[44:48] != bytes([0x80, 1, 0, 100]) or \
       q[148:156] != bytes([0x80, 3, 0, 4, 0, 0, 0, 0]) or \
       q[156:164] != bytes([0x80, 4, 0, 4, 46 << 2, 0, 0, 0]):
        bad.append("request TLVs %s" % q[44:].hex()[:16])
    if q[48:148] == bytes(100): bad.append("padding all zeros")
    # Reflector: the padding as is, flags cleared.
    if r[44:48] != bytes([0, 1, 0, 100]) or r[48:148] != q[48:148]:
        bad.append("padding not returned as is")
    if r[148:152] != bytes([0, 3, 0, 4]) or r[156:160] != bytes([0, 4, 0, 4]):
        bad.append("reply TLV headers %s %s" % (r[148:152].hex(), r[156:160].hex()))
    # DSCP1 46 kept, DSCP2 10: 101110 001010 00 ...
    if (r[160] >> 2) != 46 or (((r[160] & 3) << 4) | (r[161] >> 4)) != 10:
        bad.append("cos %s" % r[160:164].hex())
print("ok" if not bad else "; ".join(bad[:3]))
EOF
)" ok "tshark: TLVs sent with U, Extra Padding pseudo-random and returned as is, CoS DSCP1 46 DSCP2 10"
else
	skip "tshark not installed (TLV bytes)"
fi

# IPv6 IMIX stamp: 2 is less than 44; 528, 1452.
lopad_config "$LOPAD_CONF" "$(refl "[::1]:$P6")"
kill -HUP "$LOPAD_PID"
wait_until 5000 50 grep -q "twamp reflector on \[::1\]:$P6" "$LOPAD_LOG" ||
    diag "no reload line"
sizes_setup "$P6" "60 536 1460"
run stamp "{\"target\":\"[::1]:$P6\",\"count\":12,\"interval\":\"10ms\",\"padding\":-1,\"tlvs\":[{\"type\":\"timestamp_info\"}]}"
is "$(sizes_get)" "7 4 1 7 4 1 " \
    "IPv6 IMIX stamp with a TLV: 7, 4, 1 of 44 + 8, 528, 1452 octets"
is "$(task_get '[j["total"]["received"], j["total"]["twamp"]["tlv_unrecognized"], j["total"]["twamp"]["tlv_malformed"]]')" \
    '[12, 0, 0]' "IPv6 IMIX stamp: answered; its Extra Padding TLV comes back recognized"
# Numbered types: one the reflector does not know comes back with U.
run stamp "{\"target\":\"[::1]:$P6\",\"count\":4,\"interval\":\"10ms\",\"tlvs\":[{\"type\":200,\"length\":6},{\"type\":4}]}"
is "$(task_get '[j["status"], j["total"]["received"], j["total"]["twamp"]["tlv_unrecognized"], j["total"]["twamp"]["tlv_malformed"], j["params"]["tlvs"], j["params"]["packet_size"]]')" \
    '["finished", 4, 4, 0, [{"length": 6, "type": 200}, {"dscp": 0, "ecn": 0, "type": "cos"}], 62]' \
    "stamp with TLV type 200 (6 octets) and type 4 (cos): 200 comes back unrecognized (U), cos not"
nft_ns flush ruleset
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# 3. A continuous task's window, a stateful reflector.
lopad_start "$NS" "$(refl "127.0.0.1:$P" "  twamp_stateful: true")" ||
    give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on" || diag "no reflector line"
task_create twamp "{\"target\":\"127.0.0.1:$P\",\"mode\":\"continuous\",\"interval\":\"20ms\",\"timeout\":\"200ms\",\"window\":\"3s\"}" ||
    diag "continuous: $API_CODE $(cat "$API_BODY")"
CID=$TASK_ID
sleep 1.5
# The reflector numbers from 0, we from 1: stateful from the first reply.
is "$(now '[sorted(j["window"]["twamp"]["forward"].keys()), j["window"]["twamp"]["reflector"], j["window"]["twamp"]["forward_lost"], j["window"]["twamp"]["backward_lost"], j["window"]["twamp"]["replies"] > 30, j["window"]["twamp"]["hops"]["forward"]]')" \
    '[["avg", "jitter", "max", "min", "p50", "p99", "stddev"], "stateful", 0, 0, true, 0]' \
    "window.twamp: forward min/avg/max/stddev/p50/p99/jitter, hops, the reflector, no loss yet"
is "$(now '[j["window"]["twamp"]["backward"]["p50"] > 0, j["window"]["twamp"]["processing"]["max"] >= 0, "p50" in j["total"]["twamp"]["forward"], j["total"]["twamp"]["forward"]["avg"] > 0]')" \
    '[true, true, true, true]' "window: backward p50, processing; the total still has averages"
nft_ns add table inet lopat
nft_ns add chain inet lopat in '{ type filter hook input priority 0; }'
nft_ns add rule inet lopat in udp dport "$P" numgen inc mod 5 == 2 counter drop
nft_ns add rule inet lopat in udp sport "$P" numgen inc mod 5 == 3 counter drop
sleep 2
w1=$(now '[j["window"]["twamp"]["reflector"], j["window"]["twamp"].get("forward_lost", 0) > 3, j["window"]["twamp"].get("backward_lost", 0) > 3]')
is "$w1" '["stateful", true, true]' \
    "drops: the window sees a stateful reflector, forward_lost and backward_lost rise"
nft_ns flush ruleset
sleep 3.6
is "$(now '[j["window"]["twamp"]["reflector"], j["window"]["twamp"]["forward_lost"], j["window"]["twamp"]["backward_lost"], j["window"]["twamp"]["replies"] > 100]')" \
    '["stateful", 0, 0, true]' \
    "no drops for more than the window: forward_lost and backward_lost back to 0"
is "$(now '[j["total"]["twamp"]["backward_lost"] > 3, j["total"]["twamp"]["forward_lost"] > 3, j["window"]["twamp"]["replies"] < j["total"]["twamp"]["replies"]]')" \
    '[true, true, true]' "the total keeps the losses; the window holds fewer replies"
api rw POST "/api/v1/tasks/$CID/stop" >/dev/null
task_wait "$CID" 5000
is "$(task_get '[j["status"], j["window"]["twamp"]["replies"] > 100, "p99" in j["window"]["twamp"]["backward"]]')" \
    '["stopped", true, true]' "stopped: the window's twamp figures are kept"
task_create udp "{\"target\":\"127.0.0.1\",\"mode\":\"continuous\",\"interval\":\"50ms\",\"window\":\"2s\"}" ||
    diag "udp: $API_CODE $(cat "$API_BODY")"
CID=$TASK_ID
sleep 0.5
is "$(now '["twamp" in j["window"], "twamp" in j["total"], "stats" in j["window"]]')" \
    '[false, false, true]' "another task's window has no twamp"
api rw POST "/api/v1/tasks/$CID/stop" >/dev/null
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# 4. Invalid requests: 400 naming the field.
lopad_start "$NS" "$(refl "127.0.0.1:$P")" || give_up "lopad did not start"
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
bad twamp '{"target":"127.0.0.1","padding":-2}' padding
bad twamp '{"target":"127.0.0.1","tlvs":[]}' tlvs
bad stamp '{"target":"127.0.0.1","tlvs":[{"type":"padding"},{"type":"hmac"}]}' 'tlvs[1].type'
bad stamp '{"target":"127.0.0.1","tlvs":[{"type":"cos","dscp":64}]}' 'tlvs[0].dscp'
bad stamp '{"target":"127.0.0.1","tlvs":[{"type":"timestamp_info","length":4}]}' 'tlvs[0].length'
bad stamp '{"target":"127.0.0.1","padding":8,"tlvs":[{"type":"cos"}]}' tlvs
bad stamp '{"target":"127.0.0.1","tlvs":[{"type":0}]}' 'tlvs[0].type'
bad stamp '{"target":"127.0.0.1","packet_size":99,"tlvs":[{"type":"cos"}]}' tlvs
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
