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
#  - stamp --ssid 7: the same, the SSID in the task's parameters;
#  - a port without reflector: every probe refused, exit 1;
#  - usage errors (exit 2, a message, no task created); --control (full
#    TWAMP against lopad's own TWAMP-Control server) and --imix (twamp
#    and stamp) run, exit 0;
#  - -j: one JSON document a line, the result with the twamp figures;
#  - reflector: the listeners with the counts of GET /api/v1/reflector
#    (the twamp listener saw at least the 15 probes of the tasks above),
#    and -j as the API's body;
#  - a stateful reflector with nftables dropping requests and replies:
#    the Outbound and Inbound loss columns split the round trip's loss.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 43

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

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
