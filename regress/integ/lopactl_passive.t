#!/bin/bash
#
# lopactl passive against the real daemon (TAP): lopad runs in namespace
# NS, joined to NS2 by a veth pair vA (198.18.8.1) - vB (198.18.8.2),
# IPv6 off.  Covered: a duration task on vA and lo while NS pings NS2
# (the header line, the table's header and a row per interval and
# interface, the totals, which are the daemon's); Lopa's spellings
# (--mode, --duration, --interval); -j (a round a line, then the
# result); a task on a missing interface (exit 1, the error); usage
# errors (exit 2, the message, no task created); a continuous task
# (its id; --name and --label sent); -f on a continuous task, with an
# interface deleted and created again under it ("not found" rows), and
# SIGINT (left running, exit 0); -j -f (the result a line at each
# read); SIGINT to a duration task (stopped, the totals printed); task
# list and task show of passive tasks; -h lists the command.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 76

lopad_init
netns_new NS
netns_new NS2
for n in "$NS" "$NS2"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 || bail "sysctl in $n failed"
done
ip -n "$NS" link add vA type veth peer name vB netns "$NS2" ||
    bail "veth failed"
ip -n "$NS" addr add 198.18.8.1/24 dev vA || bail "address on vA failed"
ip -n "$NS2" addr add 198.18.8.2/24 dev vB || bail "address on vB failed"
ip -n "$NS" link set vA up || bail "vA up failed"
ip -n "$NS2" link set vB up || bail "vB up failed"

lopad_start "$NS" || give_up "lopad did not start"

OUT=$LOPAD_DIR/client/out
ERR=$LOPAD_DIR/client/err

# ctl ARGS...: lopactl on the test daemon's socket, bounded; sets rc,
# out and err.
ctl() {
	timeout -k 2 20 "$LOPACTL" -s "$LOPAD_SOCK" "$@" >"$OUT" 2>"$ERR"
	rc=$?
	out=$(cat "$OUT")
	err=$(cat "$ERR")
}

# mlike GOT ERE DESC: the whole of GOT, lines and all, matches ERE (as
# bash's =~: "." matches a newline too, ^ and $ are GOT's ends).
mlike() {
	if [[ $1 =~ $2 ]]; then
		ok "$3"
		return 0
	fi
	not_ok "$3"
	diag "         got: '$(printf '%s' "$1" | head -c 2000)'"
	diag "doesn't match: '$2'"
	return 1
}
NL=$'\n'
L='[^'$'\n'']*'	# the rest of a line

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

# Background processes, killed at exit unless reaped (never a PID
# reaped already).  bg_ctl ARGS...: lopactl (CTL_PID), output in OUT and
# ERR; ctl_wait LIMIT_MS: wait for it, sets rc, out, err.
declare -A BG=()
bg_kill() {
	local p

	for p in "${!BG[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
}
cleanup_push bg_kill
bg_ctl() {
	"$LOPACTL" -s "$LOPAD_SOCK" "$@" >"$OUT" 2>"$ERR" &
	CTL_PID=$!
	BG[$CTL_PID]=1
}
ctl_wait() {
	if wait_until "$1" 50 eval '! proc_alive $CTL_PID'; then
		wait "$CTL_PID"
		rc=$?
	else
		kill -KILL "$CTL_PID" 2>/dev/null
		wait "$CTL_PID" 2>/dev/null
		rc=255
		diag "lopactl (pid $CTL_PID) still ran after $1 ms: killed"
	fi
	unset "BG[$CTL_PID]"
	out=$(cat "$OUT")
	err=$(cat "$ERR")
}
# bg_ping ADDR COUNT: ping from NS, 5 a second (PING_PID).
bg_ping() {
	ip netns exec "$NS" ping -q -i 0.2 -c "$2" "$1" >/dev/null 2>&1 &
	PING_PID=$!
	BG[$PING_PID]=1
}
ping_end() {
	kill "$PING_PID" 2>/dev/null
	wait "$PING_PID" 2>/dev/null
	unset "BG[$PING_PID]"
}

# rows [IFACE]: the table's rows (of IFACE) in the last output.
RATE='[0-9.]+ [kMGTPE]?bit/s'
rows() {
	printf '%s\n' "$out" | grep -E "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ${1:-[^ ]+} "
}
nrows() {
	rows "$@" | grep -c .
}
rows_in_file() {
	[ "$(grep -cE "^[0-9:.]{12} $1 " "$OUT")" -ge "$2" ]
}
header_id() {
	printf '%s\n' "$out" | sed -n '1s/^PASSIVE [^ ]*: task \([^ ,]*\),.*/\1/p'
}
ntasks() {
	api rw GET /api/v1/tasks >/dev/null
	json_get "$API_BODY" 'len(j)'
}
status_of() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	json_get "$API_BODY" 'j["status"]' 2>/dev/null || echo "$API_CODE"
}
status_is() {
	[ "$(status_of "$1")" = "$2" ]
}

ip netns exec "$NS" ping -c 1 -W 2 198.18.8.2 >/dev/null 2>&1 ||
    diag "the first ping across failed"

# --- 1. A duration task on vA and lo while pinging

bg_ping 198.18.8.2 12
ctl passive vA lo -w 2s -i 500ms
ping_end
expect_rc 0 "passive vA lo -w 2s -i 500ms: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" \
    '^PASSIVE vA,lo: task [^ ]+-[0-9]+, duration 2s, interval 500ms$' \
    "the first line names the interfaces, the task and what runs"
is "$(printf '%s\n' "$out" | sed -n 2p)" \
    "TIME         INTERFACE      RX bit/s      TX bit/s   RX pkt/s   TX pkt/s RX err/drop TX err/drop" \
    "then the table's header"
D1=$(header_id)
is "$(nrows vA) $(nrows lo)" "4 4" "a row per interval (4) for each interface"
bad=$(rows | grep -Evc "^[0-9:.]{12} (vA|lo) +$RATE +$RATE +[0-9.]+k? +[0-9.]+k? +[0-9]+/[0-9]+ +[0-9]+/[0-9]+$")
is "$bad" 0 "each row: time, interface, rates, pkt/s, err/drop"
like "$(rows vA | head -n 1)" " [1-9][0-9.]* kbit/s " \
    "vA's rows show the pings' kbit/s"
is "$(rows | awk '{ print $1 }' | uniq | sort -c && echo sorted)" sorted \
    "rows in time order"
mlike "$out" "${NL}--- vA,lo passive statistics ---${NL}4 intervals in [12]\\.[0-9]{3} s, 5 reads${NL}" \
    "the summary's title and extent"
api rw GET "/api/v1/tasks/$D1" >/dev/null
want=$(json_get "$API_BODY" '(lambda t: "  rx %d bytes%s, %d packets" %
    (t["bytes_in"], " (%.2f kB)" % (t["bytes_in"] / 1000.0)
    if t["bytes_in"] >= 1000 else "", t["packets_in"]))(
    j["interfaces"][0]["total"])')
want_re=$(printf '%s' "$want" | sed 's/[][\.*^$()+?{}|]/\\&/g')
mlike "$out" "${NL}vA${NL}$want_re," "vA's totals are the daemon's ($want)"
mlike "$out" "${NL}vA${NL}  rx $L${NL}  tx [0-9]+ bytes$L, [0-9]+ packets, 0 errors, 0 drops${NL}  average rx $RATE, [0-9.]+ pkt/s; tx $RATE, [0-9.]+ pkt/s${NL}lo${NL}" \
    "vA's tx and average rates, then lo"
is "$(printf '%s\n' "$out" | tail -n 3 | head -n 1)" \
    "  rx 0 bytes, 0 packets, 0 errors, 0 drops, 0 multicast" \
    "lo's totals (nothing crossed it)"
is "$err" "" "nothing on stderr"

# --- 2. Lopa's spellings; -j

ctl passive vA --mode duration --duration 1s --interval=500ms
expect_rc 0 "Lopa's --mode duration --duration 1s --interval=500ms: exit 0"
like "$out" '^PASSIVE vA: task [^ ]+, duration 1s, interval 500ms' \
    "Lopa's options: duration 1s, interval 500ms"
is "$(nrows vA)" 2 "two rows"
ctl -j passive vA -w 1s -i 500ms
expect_rc 0 "-j: exit 0"
is "$(printf '%s\n' "$out" | python3 -c '
import json, sys
l = [json.loads(x) for x in sys.stdin]
print([x.get("index") for x in l[:-1]], l[-1]["type"], l[-1]["status"],
    len(l[-1]["rounds"]), "interfaces" in l[0])')" \
    "[1, 2] passive finished 2 True" \
    "-j: a round a line (with its interfaces), then the result"

# --- 3. Errors

N=$(ntasks)
ctl passive nope0 -w 1s -i 500ms
expect_rc 1 "a missing interface: exit 1"
like "$err" '^lopactl: task [^ ]+ failed: interface nope0 not found$' \
    "the task's error on stderr"
mlike "$out" "${NL}nope0 \\(not found\\)${NL}" "the summary says nope0 was not found"
N=$(ntasks)
usage() {
	local want=$1 desc=$2

	shift 2
	ctl "$@"
	if [ "$rc" = 2 ] && printf '%s\n' "$err" | grep -Eq -- "$want"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "exit $rc, stderr: $err"
	fi
}
usage '^lopactl: -i 50ms: too short \(minimum 100ms; 0 is the default, 10s\)$' \
    "-i 50ms: exit 2, too short" passive vA -i 50ms
usage '^lopactl: vA: interface given twice$' "vA twice: exit 2" \
    passive vA lo vA
usage '^lopactl: -W applies to continuous tasks only' \
    "-W in duration mode: exit 2" passive vA -W 2s
usage 'mutually exclusive' "--continuous --mode duration: exit 2" \
    passive vA --continuous --mode duration
usage '^lopactl: -w and -W are both the window' "-w and -W: exit 2" \
    passive vA --continuous -w 2s -W 2s
usage '^lopactl: -w 2h: more than 3600 intervals of 1s' \
    "more than 3600 intervals: exit 2" passive vA -w 2h -i 1s
usage '^lopactl: -w 1s is shorter than the interval 10s$' \
    "a duration shorter than the interval: exit 2" passive vA -w 1s
usage '^lopactl: the default window 1m0s is shorter than the interval 1h0m0s$' \
    "the default window shorter than the interval: exit 2" \
    passive vA --continuous -i 1h
usage 'longer than 15 bytes' "a name too long: exit 2" \
    passive 0123456789abcdef
usage 'not an interface name' "a name with a slash: exit 2" passive a/b
usage '^lopactl: unknown argument "-c" after "vA"' "-c: exit 2" \
    passive vA -c 3
usage 'IFACE given more than 8 times' "9 interfaces: exit 2" \
    passive a b c d e f g h i
usage 'KEY=VALUE' "--label without =: exit 2" passive vA --label x
is "$(ntasks)" "$N" "no task created by the usage errors"

# --- 4. A continuous task

ctl passive vA lo --continuous -i 200ms -W 1s --name pv-c --label site=x \
    --label rack=2
expect_rc 0 "--continuous: exit 0"
like "$out" '^[^ ]+-[0-9]+$' "--continuous: prints the id only"
C1=$out
api rw GET "/api/v1/tasks/$C1" >/dev/null
is "$(json_get "$API_BODY" '[j["status"], j["mode"], j["name"], j["labels"],
    j["params"]["interfaces"], j["params"]["interval"],
    j["params"]["window"]]')" \
    '["running", "continuous", "pv-c", {"rack": "2", "site": "x"}, ["vA", "lo"], 200000000, 1000000000]' \
    "the task: running, its name, labels, interfaces, interval, window"
ctl -j passive lo --mode continuous --duration 20s
expect_rc 0 "-j --mode continuous: exit 0"
like "$out" '^\{"id":"[^"]+"\}$' "-j: the id as JSON"
C2=$(json_get "$OUT" 'j["id"]')
api rw GET "/api/v1/tasks/$C2" >/dev/null
is "$(json_get "$API_BODY" '[j["params"]["interval"], j["params"]["window"]]')" \
    '[10000000000, 20000000000]' "Lopa's --duration is the window; interval 10s"

# --- 5. -f: rows at each read, an interface deleted, SIGINT

ip netns exec "$NS" ip link add dm0 type veth peer name dm1 ||
    bail "veth dm0 failed"
ip netns exec "$NS" ip link set dm0 up
bg_ctl passive dm0 lo --continuous -i 200ms -W 1s -f
wait_until 5000 50 rows_in_file dm0 2 || diag "no two dm0 rows in 5 s"
ip netns exec "$NS" ip link del dm0
wait_until 3000 50 grep -Eq '^[0-9:.]{12} dm0 +not found$' "$OUT" ||
    diag "no \"not found\" row in 3 s"
ip netns exec "$NS" ip link add dm0 type veth peer name dm1
ip netns exec "$NS" ip link set dm0 up
sleep 0.8
kill -INT "$CTL_PID"
ctl_wait 5000
expect_rc 0 "-f, SIGINT: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" \
    '^PASSIVE dm0,lo: task [^ ]+, continuous, interval 200ms, window 1s$' \
    "-f: the first line"
F1=$(header_id)
like "$err" "^lopactl: task $F1 left running: \"lopactl task stop $F1\" stops it\$" \
    "-f, SIGINT: the task is named as left running"
is "$(status_of "$F1")" running "-f, SIGINT: the task runs on"
cmp_le 2 "$(nrows lo)" "-f: rows for lo"
mlike "$out" "${NL}[0-9:.]{12} dm0 +not found${NL}" "-f: dm0 deleted: \"not found\" rows"
is "$(rows dm0 | grep -v 'not found' | grep -vcE "$RATE")" 0 \
    "-f: dm0's other rows have rates"
like "$(rows dm0 | tail -n 1)" "$RATE" "-f: dm0 back: rows with rates again"
api rw GET "/api/v1/tasks/$F1" >/dev/null
is "$(json_get "$API_BODY" 'j["interfaces"][0]["gone"]')" 1 \
    "the daemon saw dm0 gone once"
bg_ctl -j passive lo --continuous -i 200ms -W 1s -f
sleep 1.2
kill -INT "$CTL_PID"
ctl_wait 5000
expect_rc 0 "-j -f, SIGINT: exit 0"
is "$(printf '%s\n' "$out" | python3 -c '
import json, sys
r = [json.loads(x)["reads"] for x in sys.stdin]
print(len(r) >= 3, r == sorted(set(r)))')" "True True" \
    "-j -f: the result a line at each read, reads increasing"

# --- 6. SIGINT to a duration task

bg_ctl passive vA -w 30s -i 200ms
wait_until 5000 50 rows_in_file vA 3 || diag "no 3 rows in 5 s"
kill -INT "$CTL_PID"
ctl_wait 8000
expect_rc 0 "duration, SIGINT: exit 0"
mlike "$out" "${NL}--- vA passive statistics ---${NL}" "SIGINT: the totals printed"
S1=$(header_id)
is "$(status_of "$S1")" stopped "SIGINT: the daemon's task is stopped"
n=$(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) intervals in .*/\1/p')
api rw GET "/api/v1/tasks/$S1" >/dev/null
is "$n" "$(json_get "$API_BODY" 'j["round"]')" \
    "SIGINT: the intervals counted are the daemon's"
is "$(nrows vA)" "$n" "SIGINT: a row per interval"

# --- 7. task list, task show

ctl task list
expect_rc 0 "task list: exit 0"
like "$out" '^ID +TYPE +MODE +TARGET +STATUS +SENT +RECV +LOSS% +AVG +P99$' \
    "task list: the header"
api rw GET "/api/v1/tasks/$D1" >/dev/null
bi=$(json_get "$API_BODY" 'j["total"].get("bytes_in", 0)')
bo=$(json_get "$API_BODY" 'j["total"].get("bytes_out", 0)')
pi=$(json_get "$API_BODY" 'j["total"].get("packets_in", 0)')
po=$(json_get "$API_BODY" 'j["total"].get("packets_out", 0)')
mlike "$out" "${NL}$D1 +passive +duration +vA,lo +finished +bytes:$bi/$bo pkts:$pi/$po${NL}" \
    "task list: Lopa's bytes:in/out pkts:in/out of the first task"
mlike "$out" "${NL}$C1 +passive +continuous +vA,lo +running +bytes:[0-9]+/[0-9]+ pkts:[0-9]+/[0-9]+${NL}" \
    "task list: the continuous task"
ctl task list type passive status failed
expect_rc 0 "task list type passive status failed: exit 0"
is "$(printf '%s\n' "$out" | sed 1d | awk '{ print $2, $4, $5 }')" \
    "passive nope0 failed" "task list type passive status failed: nope0's"
ctl task show "$D1"
expect_rc 0 "task show: exit 0"
mlike "$out" "${NL}type      passive, duration${NL}status    finished${NL}target    vA,lo${NL}" \
    "task show: type, status, target"
mlike "$out" "${NL}params    type=passive mode=duration interval=500ms duration=2s${NL}" \
    "task show: the parameters"
mlike "$out" "${NL}measured  4 intervals in [12]\\.[0-9]{3} s, 5 reads${NL}total${NL}  rx " \
    "task show: what was measured, then the sums"
mlike "$out" "${NL}interface vA${NL}  total   rx $L${NL}          tx $L${NL}          average rx $L${NL}  last    0\\.[45][0-9]{2} s${NL}" \
    "task show: vA's total and last interval"
mlike "$out" "${NL}rounds${NL}TIME +INTERFACE +RX bit/s" "task show: the rounds' table"
is "$(nrows vA) $(nrows lo)" "4 4" "task show: a row per round and interface"
ctl task show "$C1"
mlike "$out" "${NL}  window  [01]\\.[0-9]{3} s${NL}" "task show, continuous: each window"
mlike "$out" "${NL}window 1\\.000 s${NL}  rx $L${NL}  tx $L\$" \
    "task show, continuous: the window's sums last"
ctl -j task show "$C1"
is "$(json_get "$OUT" '[j["id"], j["type"]]')" "[\"$C1\", \"passive\"]" \
    "-j task show: the daemon's JSON"
ctl -h
mlike "$out" "${NL}	passive IFACE \\[IFACE \\.\\.\\.\\] \\[-w DURATION\\] \\[--continuous\\] \\[-W WINDOW\\] \\[-i INTERVAL\\]" \
    "-h lists passive"

ctl task stop "$C1"
expect_rc 0 "task stop of a passive task: exit 0"
ctl task delete "$F1"
expect_rc 0 "task delete of a passive task: exit 0"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
