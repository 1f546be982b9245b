#!/bin/bash
#
# lopactl twamp, stamp and reflector against the real daemon (TAP): lopad
# in a network namespace of the test's own, its TWAMP-light/STAMP
# reflector (reflector.twamp_addr) on a test port of 127.0.0.1, measured
# by its own sender through lopactl:
#  - twamp -c 5 -i 100ms: five live lines with rtt, fwd, bwd, hops 0/0
#    and ttl 255, then the summary table (Outbound / Inbound / Roundtrip
#    rows, Min / Max / Avg / Jitter / Loss columns), percentiles,
#    processing time, a stateless reflector; exit 0;
#  - stamp --ssid 7: the same, the SSID in the task's parameters, no TLV
#    lines;
#  - a port without reflector: every probe refused, exit 1;
#  - usage errors (exit 2, a message, no task created); --control (full
#    TWAMP against lopad's own TWAMP-Control server) and --imix (twamp
#    and stamp) run, exit 0;
#  - -j: one JSON document a line, the result with the twamp figures;
#  - reflector: the listeners with the counts of GET /api/v1/reflector
#    (the twamp listener saw at least the 15 probes of the tasks above),
#    and -j as the API's body;
#  - a stateful reflector with nftables dropping requests and replies:
#    the Outbound and Inbound loss columns split the round trip's loss;
#  - --rounds and --round-delay (twamp, stamp): the first line says the
#    rounds, a line per round after the total, the daemon's rounds and
#    delay; -j passes the result's total and rounds on as the API has
#    them; with -w or --continuous, or out of range, usage errors;
#  - a continuous stamp task followed with -f and stopped through the
#    API: the total without percentiles (it keeps none), then the window
#    ("window 1s: ...") with its own table and percentiles, its counts
#    those of the API; -j: the window and its twamp object as the API's;
#  - stamp --tlv: the TLVs sent as asked (the task's parameters), the
#    summary's TLV, timestamp and class-of-service lines as the API's
#    figures say; a type number unknown to the reflector: unrecognized;
#    -j: the twamp object with them as the API's; a bad list, --tlv with
#    twamp or -s: usage errors; 9 TLVs: the daemon's 400.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 87

need_root
command -v nft >/dev/null || bail "nft not found"
lopad_init
netns_new NS

lopad_port P || bail "no free port"
lopad_port PX || bail "no free port"

refl() {
	printf 'reflector:\n  addr: "127.0.0.1:%s"\n  twamp_addr: "127.0.0.1:%s"\n%s' \
	    "$LOPAD_REFL_PORT" "$P" "${1:-}"
}

lopad_start "$NS" "$(refl)" || give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on" || diag "no reflector line"

OUT=$LOPAD_DIR/ctl.out
ERR=$LOPAD_DIR/ctl.err

# ctl ARGS...: lopactl on the test daemon's socket, bounded; sets rc, out
# and err.
ctl() {
	timeout -k 2 30 "$LOPACTL" -s "$LOPAD_SOCK" "$@" >"$OUT" 2>"$ERR"
	rc=$?
	out=$(cat "$OUT")
	err=$(cat "$ERR")
}

# expect_rc WANT DESC
expect_rc() {
	if [ "$rc" -eq "$1" ]; then
		ok "$2"
	else
		not_ok "$2"
		diag "exit $rc, want $1"
		diag "stdout: $(head -c 1500 "$OUT")"
		diag "stderr: $(head -c 1500 "$ERR")"
	fi
}

probes() {
	printf '%s\n' "$out" | grep '^seq='
}

# all_probes_like ERE N DESC: exactly N probe lines, each matching ERE.
all_probes_like() {
	local n bad

	n=$(probes | wc -l)
	bad=$(probes | grep -Evc -- "$1")
	if [ "$n" -eq "$2" ] && [ "$bad" -eq 0 ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "$n probe lines ($bad not matching '$1'), want $2:"
		printf '%s\n' "$out" | head -n 20 | diag -
	fi
}

# table_ok DESC: the summary table's header and its three rows, each
# with four times and a loss.
MS='-?[0-9]+\.[0-9]{3}'
table_ok() {
	local t

	t=$(printf '%s\n' "$out" | grep -Ec -e \
	    '^Direction \(ms\) +Min +Max +Avg +Jitter +Loss$' -e \
	    "^(Outbound|Inbound|Roundtrip) +$MS +$MS +$MS +$MS +(-|[0-9.]+%)$")
	is "$t" 4 "$1"
}

# row NAME: the fields of a summary row.
row() {
	printf '%s\n' "$out" | sed -n "s/^$1 *//p" | tr -s ' '
}

# task_of_output: the task id in the first line ("TWAMP h:p: task ID, ...").
task_of_output() {
	printf '%s\n' "$out" | sed -n '1s/^[A-Z]* [^ ]*: task \([^,]*\),.*/\1/p'
}

ntasks() {
	api rw GET /api/v1/tasks >/dev/null
	json_get "$API_BODY" 'len(j)'
}

# 1. twamp
LINE="^seq=[0-9]+ rtt=$MS ms fwd=$MS ms bwd=$MS ms hops=0/0 ttl=255( unsynchronized)?\$"
ctl twamp "127.0.0.1:$P" -c 5 -i 100ms
expect_rc 0 "twamp: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" \
    "^TWAMP 127\.0\.0\.1:$P: task [^ ]+, count 5, interval 100ms\$" \
    "twamp: the first line names the task"
all_probes_like "$LINE" 5 "twamp: 5 live lines with rtt, fwd, bwd, hops and ttl"
table_ok "twamp: the summary table, three rows, five columns"
like "$(row Roundtrip)" ' 0%$' "twamp: round-trip loss 0%"
is "$(row Outbound | awk '{print $5}') $(row Inbound | awk '{print $5}')" \
    "- -" "twamp: no one-way loss from a stateless reflector"
like "$out" "p50/p99: outbound $MS/$MS ms, inbound $MS/$MS ms, roundtrip $MS/$MS ms" \
    "twamp: the percentiles"
like "$out" "processing min/avg/max = $MS/$MS/$MS ms, p50/p99 = $MS/$MS ms" \
    "twamp: the processing time"
like "$out" $'\nhops outbound 0, inbound 0\nreflector stateless' \
    "twamp: hops and a stateless reflector"
id=$(task_of_output)
api rw GET "/api/v1/tasks/$id" >/dev/null
is "$(json_get "$API_BODY" '[j["type"], j["total"]["received"], j["params"]["packet_size"]]')" \
    '["twamp", 5, 41]' "twamp: the daemon's task, 5 replies, 41 octets"

ctl twamp "127.0.0.1:$P" -c 2 -i 50ms -s 100 -Q 46 -t 64 -q
expect_rc 0 "twamp -s 100 -Q 46 -t 64 -q: exit 0"
is "$(probes | wc -l)" 0 "twamp -q: no probe lines"
api rw GET /api/v1/tasks >/dev/null
is "$(json_get "$API_BODY" '[[t["params"].get(k) for k in ("padding", "packet_size", "dscp", "ttl")] for t in j if t["type"] == "twamp"][-1]')" \
    '[null, 114, 46, 64]' "twamp -s: padding 100 (114 octets), dscp, ttl sent"

# 2. stamp
ctl stamp "127.0.0.1:$P" -c 5 -i 100ms --ssid 7
expect_rc 0 "stamp: exit 0"
all_probes_like "$LINE" 5 "stamp: 5 live lines"
table_ok "stamp: the summary table"
like "$out" "^--- 127\.0\.0\.1:$P stamp statistics ---" "stamp: the summary's title"
api rw GET "/api/v1/tasks/$(task_of_output)" >/dev/null
is "$(json_get "$API_BODY" '[j["type"], j["params"]["ssid"], j["total"]["received"]]')" \
    '["stamp", 7, 5]' "stamp: the SSID sent"
unlike "$out" 'TLVs|reflector timestamps|class of service' \
    "stamp without --tlv: no TLV lines"

# 3. No reflector: ICMP port unreachable for each probe.
ctl twamp "127.0.0.1:$PX" -c 3 -i 100ms -W 500ms
expect_rc 1 "no reflector: exit 1"
all_probes_like '^seq=[0-9]+ (refused|timeout)' 3 \
    "no reflector: every line refused or timeout"
like "$out" $'\nno reply from a reflector$' "no reflector: said in the summary"

# 4. Usage errors: exit 2, a message, no task.
n0=$(ntasks)
usage_err() {
	local desc=$1
	shift
	ctl "$@"
	if [ "$rc" -eq 2 ] && [ -n "$err" ] && [ -z "$out" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "exit $rc; stdout: $out; stderr: $err"
	fi
}
usage_err "twamp without a target" twamp
usage_err "twamp -s and --imix" twamp 127.0.0.1 -s 10 --imix
usage_err "twamp --ssid" twamp 127.0.0.1 --ssid 3
usage_err "stamp --control" stamp 127.0.0.1 --control
usage_err "stamp --ssid 65536" stamp 127.0.0.1 --ssid 65536
usage_err "twamp -c 0" twamp 127.0.0.1 -c 0
usage_err "twamp -w and --rounds" twamp 127.0.0.1 -w 2s --rounds 2
like "$err" '^lopactl: --rounds and --round-delay apply to count tasks only$' \
    "twamp -w and --rounds: the message says why"
usage_err "stamp --continuous and --round-delay" stamp 127.0.0.1 \
    --continuous --round-delay 1s
usage_err "twamp --rounds 0" twamp 127.0.0.1 --rounds 0
like "$err" 'invalid argument "0" to --rounds: too small \(minimum 1\)' \
    "twamp --rounds 0: the message names the limit"
usage_err "stamp --rounds 10001" stamp 127.0.0.1 --rounds 10001
usage_err "stamp --round-delay 25h" stamp 127.0.0.1 --round-delay 25h
usage_err "twamp --tlv" twamp 127.0.0.1 --tlv cos
usage_err "stamp -s and --tlv" stamp 127.0.0.1 -s 8 --tlv cos
usage_err "stamp --tlv with an unknown TLV" stamp 127.0.0.1 --tlv cos,hmac
like "$err" '^lopactl: --tlv: invalid TLV "hmac": expected padding\[:LENGTH\], timestamp_info, cos\[:DSCP\] or NUMBER\[:LENGTH\]$' \
    "stamp --tlv hmac: the message names the TLV and the valid ones"
usage_err "stamp --tlv 256" stamp 127.0.0.1 --tlv 256
usage_err "stamp --tlv padding:65536" stamp 127.0.0.1 --tlv padding:65536
usage_err "stamp --tlv cos:64" stamp 127.0.0.1 --tlv cos:64
usage_err "stamp --tlv with 9 TLVs: the daemon's 400" stamp 127.0.0.1 \
    --tlv cos,cos,cos,cos,cos,cos,cos,cos,cos
like "$err" 'at most 8 TLVs \(field tlvs\)' "9 TLVs: the daemon's detail"
is "$(ntasks)" "$n0" "usage errors create no task"

# --control (full TWAMP against lopad's own TWAMP-Control server) and
# --imix run.
ctl twamp "127.0.0.1:$P" -c 2 -i 50ms --control
expect_rc 0 "twamp --control: exit 0"
ctl twamp "127.0.0.1:$P" -c 12 -i 20ms --imix
expect_rc 0 "twamp --imix: exit 0"
ctl stamp "127.0.0.1:$P" -c 12 -i 20ms --imix
expect_rc 0 "stamp --imix: exit 0"

# 5. -j: every line JSON, the last the result with the twamp figures.
ctl -j twamp "127.0.0.1:$P" -c 3 -i 50ms
expect_rc 0 "twamp -j: exit 0"
is "$(python3 - "$OUT" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
docs = [json.loads(l) for l in lines]
probes = [d for d in docs[:-1] if d.get("kind") == "probe"]
r = docs[-1]; tw = r["total"]["twamp"]
ok = (len(probes) == 3 and all("forward" in p and "backward" in p
    and "hops" in p for p in probes) and tw["replies"] == 3 and
    all(k in tw["forward"] for k in ("min", "max", "avg", "jitter", "p50",
    "p99")) and tw["reflector"] == "stateless")
print("ok" if ok else "bad: %r" % docs)
EOF
)" ok "twamp -j: probe events with forward/backward/hops, the result's twamp object"

# 6. reflector
ctl reflector
expect_rc 0 "reflector: exit 0"
api ro GET /api/v1/reflector >/dev/null
is "$API_CODE" 200 "GET /api/v1/reflector on the read-only socket: 200"
cp "$API_BODY" "$LOPAD_DIR/refl.json"
is "$(python3 - "$OUT" "$LOPAD_DIR/refl.json" <<'EOF'
import json, sys
text = open(sys.argv[1]).read().splitlines()
j = json.load(open(sys.argv[2]))
bad = []
if text[0].split() != ["LISTENER", "ADDRESS", "STATE", "RECEIVED",
    "REFLECTED", "DROPPED"]:
    bad.append("header %r" % text[0])
rows = {l.split()[0]: l.split() for l in text[1:4]}
for name in ("udp_echo", "twamp", "twamp_control"):
    l = j[name]
    c = l if "received" in l else l["sessions"]
    want = [name, l["listen"] or "-", "up" if l["up"] else "down",
        str(c["received"]), str(c["reflected"]), str(c["dropped"])]
    if rows.get(name) != want:
        bad.append("%s: %r, want %r" % (name, rows.get(name), want))
if j["twamp"]["received"] < 15:
    bad.append("twamp received %d" % j["twamp"]["received"])
if not any(l.startswith("twamp control: 0 connections active") for l in text):
    bad.append("no control line")
print("ok" if not bad else "; ".join(bad))
EOF
)" ok "reflector: the listeners' rows match GET /api/v1/reflector"
ctl -j reflector
is "$(json_get "$OUT" 'sorted(j.keys())')" '["twamp", "twamp_control", "udp_echo"]' \
    "reflector -j: the API's body"
like "$err" '^$' "reflector -j: nothing on stderr"

# 7. A stateful reflector; nftables drops requests 3, 8, 13, 18 and of
# the replies that come back the 4th, 9th and 14th (as twamp_probe.t).
lopad_stop
lopad_start "$NS" "$(refl "  twamp_stateful: true")" ||
    give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on" || diag "no reflector line"
nft_ns() {
	ip netns exec "$NS" nft "$@"
}
nft_ns add table inet lopactlt
nft_ns add chain inet lopactlt in '{ type filter hook input priority 0; }'
nft_ns add rule inet lopactlt in udp dport "$P" numgen inc mod 5 == 2 counter drop
nft_ns add rule inet lopactlt in udp sport "$P" numgen inc mod 5 == 3 counter drop
ctl twamp "127.0.0.1:$P" -c 20 -i 20ms -W 500ms
counters=$(nft_ns list chain inet lopactlt in |
    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | tr '\n' ' ')
is "$counters" "4 3 " "nft dropped 4 requests and 3 replies"
expect_rc 0 "stateful: exit 0"
is "$(row Outbound | awk '{print $5}') $(row Inbound | awk '{print $5}') $(row Roundtrip | awk '{print $5}')" \
    "20% 15% 35%" "stateful: Outbound 4/20, Inbound 3/20, Roundtrip 7/20 lost"
like "$out" $'\nreflector stateful, lost 4 outbound and 3 inbound' \
    "stateful: the reflector and the split in numbers"
nft_ns delete table inet lopactlt

# 8. Rounds: the total, then a line per round as ping prints them.
ROUND="^round [12]: 3 sent, 3 received, 0% loss, rtt min/avg/max = $MS/$MS/$MS ms\$"
ctl twamp "127.0.0.1:$P" -c 3 -i 20ms --rounds 2 --round-delay 100ms
expect_rc 0 "twamp --rounds 2: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" \
    "^TWAMP 127\.0\.0\.1:$P: task [^ ]+, count 3, interval 20ms, 2 rounds\$" \
    "twamp --rounds 2: the first line says the rounds"
all_probes_like "$LINE" 6 "twamp --rounds 2: 6 live lines"
table_ok "twamp --rounds 2: the total's table"
is "$(printf '%s\n' "$out" | tail -n 2 | grep -Ec "$ROUND")" 2 \
    "twamp --rounds 2: a line per round after the total"
api rw GET "/api/v1/tasks/$(task_of_output)" >/dev/null
is "$(json_get "$API_BODY" '[j["params"]["rounds"], j["params"]["round_delay"], [r["stats"]["twamp"]["replies"] for r in j["rounds"]]]')" \
    '[2, 100000000, [3, 3]]' "twamp --rounds 2: the daemon's rounds, delay and replies"

# stamp, -j: the result's total and rounds as the API has them.
ctl -j stamp "127.0.0.1:$P" -c 2 -i 20ms --rounds 3 --round-delay 0
expect_rc 0 "stamp -j --rounds 3: exit 0"
r=$(tail -n 1 "$OUT")
api rw GET "/api/v1/tasks/$(printf '%s' "$r" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')" >/dev/null
is "$(python3 - "$OUT" "$API_BODY" <<'EOF2'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
a = json.load(open(sys.argv[2]))
bad = []
if [x["stats"]["twamp"]["replies"] for x in r.get("rounds", [])] != [2, 2, 2]:
    bad.append("rounds %r" % r.get("rounds"))
for k in ("total", "rounds", "params"):
    if r.get(k) != a.get(k):
        bad.append("%s differs" % k)
print("ok" if not bad else "; ".join(bad))
EOF2
)" ok "stamp -j --rounds 3: 3 rounds with their twamp objects, as GET has them"

# 9. A continuous stamp task followed with -f, stopped through the API:
# its total (no percentiles: it keeps none) and its window.
ctl_bg() {
	timeout -k 2 30 "$LOPACTL" -s "$LOPAD_SOCK" "$@" >"$OUT" 2>"$ERR" &
	CTL_PID=$!
}
ctl_wait() {
	wait "$CTL_PID"
	rc=$?
	out=$(cat "$OUT")
	err=$(cat "$ERR")
}
# window_filled: CID is the running task, its window holds 20 replies.
window_filled() {
	if [ -z "$CID" ]; then
		api rw GET /api/v1/tasks >/dev/null
		CID=$(json_get "$API_BODY" '([t["id"] for t in j if t["status"] == "running"] + [""])[0]')
		[ -n "$CID" ] || return 1
	fi
	api rw GET "/api/v1/tasks/$CID" >/dev/null
	[ "$(json_get "$API_BODY" 'j.get("window", {}).get("twamp", {}).get("replies", 0) >= 20')" = true ]
}
# follow_and_stop ARGS...: lopactl ARGS in the background until the
# task's window fills, then POST stop; rc, out and err as ctl's.
follow_and_stop() {
	CID=
	ctl_bg "$@"
	wait_until 10000 100 window_filled || diag "no running task with replies in its window"
	api rw POST "/api/v1/tasks/$CID/stop" >/dev/null
	ctl_wait
}
# the text before and from the line "window ..."
before_window() {
	printf '%s\n' "$out" | sed '/^window /,$d'
}
from_window() {
	printf '%s\n' "$out" | sed -n '/^window /,$p'
}

follow_and_stop stamp "127.0.0.1:$P" --continuous -f -q -w 1s -i 20ms
expect_rc 0 "stamp --continuous -f, stopped: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" \
    "^STAMP 127\.0\.0\.1:$P: task [^ ]+, continuous, interval 20ms, window 1s\$" \
    "continuous: the first line"
t=$(before_window)
if printf '%s\n' "$t" | grep -Eq "^Roundtrip +$MS" &&
    printf '%s\n' "$t" | grep -Eq "^processing min/avg/max = $MS/$MS/$MS ms\$" &&
    ! printf '%s\n' "$t" | grep -q 'p50'; then
	ok "continuous: the total's table, no percentiles"
else
	not_ok "continuous: the total's table, no percentiles"
	printf '%s\n' "$out" | diag -
fi
w=$(from_window)
like "$w" "^window 1s: [0-9]+ sent, [0-9]+ received, [0-9.]+% loss" \
    "continuous: the window's counts"
is "$(printf '%s\n' "$out" | grep -Ec -e '^Direction \(ms\) ' \
    -e "^(Outbound|Inbound|Roundtrip) +$MS +$MS +$MS +$MS +(-|[0-9.]+%)\$")" \
    8 "continuous: two tables, the total's and the window's"
is "$(printf '%s\n' "$w" | grep -Ec \
    -e "^p50/p99: outbound $MS/$MS ms, inbound $MS/$MS ms, roundtrip $MS/$MS ms\$" \
    -e "^processing min/avg/max = $MS/$MS/$MS ms, p50/p99 = $MS/$MS ms\$")" 2 \
    "continuous: the window's percentiles and processing time"
api rw GET "/api/v1/tasks/$CID" >/dev/null
is "$(printf '%s\n' "$w" | sed -n '1s/^window 1s: \([0-9]*\) sent, \([0-9]*\) received.*/[\1, \2]/p')" \
    "$(json_get "$API_BODY" '[j["window"]["stats"]["sent"], j["window"]["stats"]["received"]]')" \
    "continuous: the window's counts are the API's"

follow_and_stop -j stamp "127.0.0.1:$P" --continuous -f -q -w 1s -i 20ms
expect_rc 0 "stamp -j --continuous -f, stopped: exit 0"
api rw GET "/api/v1/tasks/$CID" >/dev/null
is "$(python3 - "$OUT" "$API_BODY" <<'EOF2'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
a = json.load(open(sys.argv[2]))
bad = []
if len(lines) != 1:
    bad.append("%d lines" % len(lines))
r = json.loads(lines[-1])
w = r.get("window", {})
if not ("p50" in w.get("twamp", {}).get("forward", {}) and
    w["twamp"]["replies"] >= 20):
    bad.append("window %r" % w)
for k in ("total", "window"):
    if r.get(k) != a.get(k):
        bad.append("%s differs" % k)
print("ok" if not bad else "; ".join(bad))
EOF2
)" ok "stamp -j --continuous: the window and its twamp object, as GET has them"

# 10. stamp --tlv: the TLVs sent, what the reflector returned in them.
ctl stamp "127.0.0.1:$P" -c 3 -i 20ms -Q 10 \
    --tlv timestamp_info,cos:46,padding:10
expect_rc 0 "stamp --tlv: exit 0"
all_probes_like "$LINE" 3 "stamp --tlv: 3 live lines"
api rw GET "/api/v1/tasks/$(task_of_output)" >/dev/null
is "$(json_get "$API_BODY" '[j["params"]["tlvs"], j["params"]["packet_size"]]')" \
    '[[{"type": "timestamp_info"}, {"dscp": 46, "ecn": 0, "type": "cos"}, {"length": 10, "type": "padding"}], 74]' \
    "stamp --tlv: the TLVs in order, 74 octets"
# The last lines against the API's figures (the names of RFC 8972's
# registries; the reflector saw DSCP 10, -Q).
is "$(printf '%s\n' "$out" | sed -n '/^TLVs: /,$p')" "$(python3 - "$API_BODY" <<'EOF2'
import json, sys
tw = json.load(open(sys.argv[1]))["total"]["twamp"]
sync = {1: "NTP", 2: "PTP", 3: "SSU/BITS", 4: "GNSS", 5: "free-running"}
meth = {1: "hardware", 2: "software", 3: "control-plane"}
ts, cos = tw["reflector_timestamp"], tw["cos"]
print("TLVs: %d unrecognized, %d malformed" % (tw["tlv_unrecognized"],
    tw["tlv_malformed"]))
print("reflector timestamps: in %s/%s, out %s/%s" % (
    sync.get(ts["sync_in"], ts["sync_in"]),
    meth.get(ts["method_in"], ts["method_in"]),
    sync.get(ts["sync_out"], ts["sync_out"]),
    meth.get(ts["method_out"], ts["method_out"])))
print("class of service: received with DSCP %d, ECN %d, %s" % (cos["dscp2"],
    cos["ecn"], {0: "replied with DSCP1",
    1: "could not reply with DSCP1"}.get(cos["rp"], "rp %d" % cos["rp"])))
EOF2
)" "stamp --tlv: the TLV lines say what the API's twamp object says"
is "$(printf '%s\n' "$out" | grep -Ec -e '^TLVs: 0 unrecognized, 0 malformed$' \
    -e '^reflector timestamps: in [^ ]+, out [^ ]+$' \
    -e '^class of service: received with DSCP 10, ECN 0, ')" 3 \
    "stamp --tlv: all TLVs known to lopad's reflector, DSCP 10 received"

# A type lopad's reflector does not know comes back with U, each reply.
ctl stamp "127.0.0.1:$P" -c 2 -i 20ms -q --tlv 200:4,timestamp_info
expect_rc 0 "stamp --tlv 200:4: exit 0"
is "$(printf '%s\n' "$out" | grep '^TLVs: ')" "TLVs: 2 unrecognized, 0 malformed" \
    "stamp --tlv 200:4: 2 unrecognized"
api rw GET "/api/v1/tasks/$(task_of_output)" >/dev/null
is "$(json_get "$API_BODY" '[j["params"]["tlvs"], j["total"]["twamp"]["tlv_unrecognized"]]')" \
    '[[{"length": 4, "type": 200}, {"type": "timestamp_info"}], 2]' \
    "stamp --tlv 200:4: type 200 sent with 4 octets, 2 unrecognized in the API"

ctl -j stamp "127.0.0.1:$P" -c 2 -i 20ms -q --tlv timestamp_info
expect_rc 0 "stamp -j --tlv: exit 0"
api rw GET "/api/v1/tasks/$(json_get "$OUT" 'j["id"]')" >/dev/null
is "$(python3 - "$OUT" "$API_BODY" <<'EOF2'
import json, sys
r = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
tw = r["total"]["twamp"]
bad = []
if not (tw.get("tlv_unrecognized") == 0 and
    isinstance(tw.get("reflector_timestamp"), dict)):
    bad.append("twamp %r" % tw)
if r["total"] != a["total"]:
    bad.append("total differs")
print("ok" if not bad else "; ".join(bad))
EOF2
)" ok "stamp -j --tlv: the TLV figures in the total's twamp, as GET has them"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
