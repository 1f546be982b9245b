#!/bin/bash
#
# Passive tasks through the API (TAP): the counters of interfaces, read
# by lopad every interval.  lopad runs in namespace NS, joined to NS2 by
# a veth pair vA (198.18.7.1, in NS) - vB (198.18.7.2, in NS2), IPv6
# off on both so that only the test's own traffic crosses it.
#
#  a) a duration task on vA (interval 500ms, duration 3s) while NS pings
#     NS2 ten times: it finishes with 6 rounds (5 to 7 accepted); its
#     total equals what /proc/net/dev of vA moved by from before its
#     creation to after its end, within 2 packets and 300 bytes each
#     way (the check itself sends nothing over vA: the API is on a UNIX
#     socket; the slack is for a stray ARP packet); the rounds add up
#     to the total; each round's rates are its deltas over its length
#     (500ms) and its stats the sum of its interfaces;
#  b) a continuous task on vA and lo, window 2s: while both carry
#     pings, the window holds about 2 s of them (per interface and
#     summed, the sums equal), both present; once quiet, the window
#     empties;
#  c) an interface (a veth pair's end) deleted under a continuous task: present false,
#     the error names it, status running, reads go on; created again:
#     present true, gone 1, the error cleared;
#  d) a task on an interface that does not exist fails with the error;
#  e) Lopa's bodies: {"target":"vA"} without interval is a duration
#     task of 60s read every 10s (Lopa crashed here), running; with
#     interval 0 and mode continuous, the same interval and a 60s window;
#  f) bad bodies are 400s that name the field: a probe field (count),
#     mode count, an interface twice, interval 10ms, target "a,b",
#     target and interfaces both, more than 3600 intervals, 9
#     interfaces, a window in duration mode;
#  g) a continuous passive task survives a restart (state file): the
#     same id, its parameters, reading again;
#  h) stop (results kept, a second stop 409), DELETE (then 404), and
#     task lists filtered by type passive;
#  i) counters that go back (the interface deleted and created again
#     between two reads): a reset, counted from zero, no huge delta;
#  j) thresholds on a continuous task: pps_in above 3 (clear 1) alerts
#     while NS2 pings vA and recovers once it stops, one of each.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 89

lopad_init
netns_new NS
netns_new NS2
nx() {
	ip netns exec "$NS" "$@"
}
for n in "$NS" "$NS2"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 || bail "sysctl in $n failed"
done
ip -n "$NS" link add vA type veth peer name vB netns "$NS2" ||
    bail "veth failed"
ip -n "$NS" addr add 198.18.7.1/24 dev vA || bail "address on vA failed"
ip -n "$NS2" addr add 198.18.7.2/24 dev vB || bail "address on vB failed"
ip -n "$NS" link set vA up || bail "vA up failed"
ip -n "$NS2" link set vB up || bail "vB up failed"

lopad_start "$NS" || give_up "lopad did not start"

# Background commands (pings), killed at exit when still running: simple
# commands, so that $! is the command itself (ip netns exec exec's).
declare -A BG=()
bg_kill() {
	local p

	for p in "${!BG[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
}
cleanup_push bg_kill
bg() {
	"$@" </dev/null >/dev/null 2>&1 &
	BG[$!]=1
	BG_PID=$!
}
bg_wait() {
	wait "$1" 2>/dev/null
	unset "BG[$1]"
}

# pcreate BODY: POST /api/v1/tasks/passive; TASK_ID ("" when refused).
pcreate() {
	task_create passive "$1"
}

# get ID: GET the task into $LOPAD_DIR/get.json (GOT); jget EXPR on it.
GOT=$LOPAD_DIR/get.json
get() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	cp "$API_BODY" "$GOT"
}
jget() {
	json_get "$GOT" "($1)"
}

# until_true ID EXPR [LIMIT_MS]: GET the task until EXPR is true (GOT).
until_true() {
	local id=$1 expr=$2 limit=${3:-5000} start

	start=$(now_ms)
	while :; do
		get "$id"
		[ "$(jget "$expr" 2>/dev/null)" = true ] && return 0
		[ $(($(now_ms) - start)) -ge "$limit" ] && return 1
		sleep 0.1
	done
}

# devstat IF: "rx_bytes rx_packets tx_bytes tx_packets" of IF in NS.
devstat() {
	nx cat /proc/net/dev | awk -v i="$1:" '
	    { sub(/^ +/, "") }
	    $1 == i { print $2, $3, $10, $11 }'
}

# near GOT WANT SLACK DESC: |GOT - WANT| <= SLACK.
near() {
	local d=$(($1 - $2))

	[ "$d" -lt 0 ] && d=$((-d))
	if [ "$d" -le "$3" ]; then
		ok "$4"
	else
		not_ok "$4"
		diag "got $1, want $2 (+/- $3)"
	fi
}

# in_range GOT LO HI DESC
in_range() {
	if [ "$1" -ge "$2" ] 2>/dev/null && [ "$1" -le "$3" ]; then
		ok "$4"
	else
		not_ok "$4"
		diag "got '$1', want $2 to $3"
	fi
}

# field_400 BODY FIELD DESC: a 400 whose "field" is FIELD.
field_400() {
	api rw POST /api/v1/tasks/passive -H 'Content-Type: application/json' \
	    --data-binary "$1" >/dev/null
	if [ "$API_CODE" = 400 ] &&
	    [ "$(json_get "$API_BODY" 'j.get("field")')" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "body $1: $API_CODE $(head -c 400 "$API_BODY")"
	fi
}

# --- a) a duration task while NS pings NS2 ---------------------------

nx ping -c 1 -W 2 198.18.7.2 >/dev/null 2>&1 ||
    diag "the first ping across failed"
sleep 0.2
read -r rb0 rp0 tb0 tp0 <<<"$(devstat vA)"
pcreate '{"target":"vA","interval":"500ms","duration":"3s"}'
is "$API_CODE" 201 "a) duration task on vA created"
TA=$TASK_ID
bg ip netns exec "$NS" ping -c 10 -i 0.2 -q 198.18.7.2
PING_PID=$BG_PID
task_wait "$TA" 8000
is "$(task_get 'j["status"]')" finished "a) it finishes"
bg_wait "$PING_PID"
read -r rb1 rp1 tb1 tp1 <<<"$(devstat vA)"
cp "$TASK_JSON" "$GOT"
diag "vA moved by rx $((rb1 - rb0)) bytes $((rp1 - rp0)) packets, tx" \
    "$((tb1 - tb0)) bytes $((tp1 - tp0)) packets; the task: $(jget \
    '[j["total"].get(k, 0) for k in ("bytes_in", "packets_in",
    "bytes_out", "packets_out")]')"
in_range "$(jget 'len(j["rounds"])')" 5 7 "a) about 6 rounds (500ms in 3s)"
is "$(jget '[r["index"] for r in j["rounds"]] ==
    list(range(1, len(j["rounds"]) + 1))')" true "a) rounds numbered from 1"
cmp_le 10 "$(jget 'j["total"].get("packets_out", 0)')" \
    "a) at least the 10 echo requests counted"
near "$(jget 'j["total"].get("bytes_in", 0)')" $((rb1 - rb0)) 300 \
    "a) total bytes_in is /proc/net/dev's rx_bytes delta (+/- 300)"
near "$(jget 'j["total"].get("packets_in", 0)')" $((rp1 - rp0)) 2 \
    "a) total packets_in is the rx_packets delta (+/- 2)"
near "$(jget 'j["total"].get("bytes_out", 0)')" $((tb1 - tb0)) 300 \
    "a) total bytes_out is the tx_bytes delta (+/- 300)"
near "$(jget 'j["total"].get("packets_out", 0)')" $((tp1 - tp0)) 2 \
    "a) total packets_out is the tx_packets delta (+/- 2)"
is "$(jget '[j["interfaces"][0][k] for k in ("name", "present", "gone",
    "resets")]')" '["vA", true, 0, 0]' "a) per interface: vA, present"
is "$(jget 'all(j["interfaces"][0]["total"][k] == j["total"].get(k, 0)
    for k in ("bytes_in", "bytes_out", "packets_in", "packets_out",
    "errors_in", "errors_out", "drops_in", "drops_out", "multicast_in"))')" \
    true "a) Lopa's total is the interface's (one interface)"
is "$(jget 'all(sum(r["interfaces"][0][k] for r in j["rounds"]) ==
    j["interfaces"][0]["total"][k] for k in ("bytes_in", "bytes_out",
    "packets_in", "packets_out"))')" true "a) the rounds add up to the total"
is "$(jget 'all(r["stats"].get(k, 0) == r["interfaces"][0][k]
    for r in j["rounds"] for k in ("bytes_in", "packets_out"))')" true \
    "a) each round's stats are its interfaces' sums"
# rates: delta / interval (the round's length, 500ms within 10%)
is "$(jget 'all(r["interfaces"][0]["bps_in"] == 0 and
    r["interfaces"][0]["bytes_in"] == 0 or
    abs(r["interfaces"][0]["bps_in"] -
    r["interfaces"][0]["bytes_in"] * 8 / 0.5) <=
    0.1 * r["interfaces"][0]["bytes_in"] * 8 / 0.5 for r in j["rounds"])')" \
    true "a) each round's bps_in is its bytes_in * 8 / 500ms (10%)"
is "$(jget 'all(abs(r["interfaces"][0]["pps_out"] -
    r["interfaces"][0]["packets_out"] / 0.5) <=
    0.1 * r["interfaces"][0]["packets_out"] / 0.5 + 1e-9
    for r in j["rounds"])')" true \
    "a) each round's pps_out is its packets_out / 500ms (10%)"
is "$(jget 'j["interfaces"][0]["last"]["bytes_in"] ==
    j["rounds"][-1]["interfaces"][0]["bytes_in"] and
    0.45 < j["interfaces"][0]["last"]["seconds"] < 0.55')" true \
    "a) last is the last round's interval, about 0.5 s long"
is "$(jget '[j["type"], j["mode"], j["target"], "window" in j]')" \
    '["passive", "duration", "vA", false]' "a) Lopa's fields, no window"
is "$(jget 'j["reads"] == len(j["rounds"]) + 1')" true \
    "a) reads: the baseline and one per round"

# --- b) continuous on vA and lo, window 2s ---------------------------

pcreate '{"interfaces":["vA","lo"],"mode":"continuous","interval":"500ms",
    "window":"2s","name":"pv-b"}'
is "$API_CODE" 201 "b) continuous task on vA and lo created"
TB=$TASK_ID
bg ip netns exec "$NS" ping -c 30 -i 0.2 -q 198.18.7.2
P1=$BG_PID
bg ip netns exec "$NS" ping -c 30 -i 0.2 -q 127.0.0.1
P2=$BG_PID
sleep 3.2
get "$TB"
diag "window after 3 s of pings: $(jget '[(i["name"],
    i["window"]["packets_in"], i["window"]["seconds"]) for i in
    j["interfaces"]]')"
is "$(jget '[j["status"], [i["present"] for i in j["interfaces"]]]')" \
    '["running", [true, true]]' "b) running, both interfaces present"
in_range "$(jget 'j["interfaces"][0]["window"]["packets_in"]')" 6 14 \
    "b) vA's window: about 2 s of replies at 5 a second (6 to 14)"
in_range "$(jget 'j["interfaces"][1]["window"]["packets_in"]')" 12 28 \
    "b) lo's window: about 2 s of echoes both ways at 5 a second (12 to 28)"
is "$(jget 'all(j["window"]["stats"].get(k, 0) == sum(i["window"][k]
    for i in j["interfaces"]) for k in ("bytes_in", "bytes_out",
    "packets_in", "packets_out"))')" true \
    "b) window.stats are the sums of the interfaces' windows"
is "$(jget '1.4 <= j["interfaces"][0]["window"]["seconds"] <= 2.6 and
    j["window"]["duration"] == 2000000000')" true \
    "b) the window spans about 2 s"
is "$(jget 'all(abs(i["window"]["pps_in"] * i["window"]["seconds"] -
    i["window"]["packets_in"]) < 0.01 for i in j["interfaces"])')" true \
    "b) the window's rates are its sums over its span"
is "$(jget 'j["total"]["packets_in"] >= j["window"]["stats"]["packets_in"]
    and j["total"]["packets_in"] == sum(i["total"]["packets_in"]
    for i in j["interfaces"])')" true \
    "b) total: the sum of the interfaces', at least the window"
kill "$P1" "$P2" 2>/dev/null
bg_wait "$P1"
bg_wait "$P2"
if until_true "$TB" 'j["window"]["stats"].get("packets_in", 0) <= 2' 4000
then
	ok "b) quiet for a window: it empties"
else
	not_ok "b) quiet for a window: it empties"
	diag "window: $(jget 'j["window"]')"
fi
is "$(jget '[j["status"], "rounds" in j, j["name"]]')" \
    '["running", false, "pv-b"]' "b) still running, no rounds, its name"

# --- c) an interface deleted under a continuous task ------------------

# dm0: a veth pair's end (its peer dm1 goes with it)
nx ip link add dm0 type veth peer name dm1 || bail "veth dm0 failed"
nx ip link set dm0 up
pcreate '{"interfaces":["dm0","lo"],"mode":"continuous","interval":"200ms",
    "window":"2s"}'
is "$API_CODE" 201 "c) continuous task on dm0 and lo"
TC=$TASK_ID
until_true "$TC" 'j["reads"] >= 2' 3000
is "$(jget '[j["interfaces"][0]["present"], j["interfaces"][0]["gone"],
    "error" in j]')" '[true, 0, false]' "c) dm0 present, no error"
nx ip link del dm0
if until_true "$TC" 'j["interfaces"][0]["present"] == False' 3000; then
	ok "c) dm0 deleted: present false"
else
	not_ok "c) dm0 deleted: present false"
fi
is "$(jget '[j["status"], j.get("error")]')" \
    '["running", "interface dm0 not found"]' \
    "c) status running, the error names dm0"
is "$(jget '[j["interfaces"][1]["present"], j["interfaces"][0]["gone"]]')" \
    '[true, 1]' "c) lo still present; dm0 gone once"
R1=$(jget 'j["reads"]')
sleep 0.6
get "$TC"
cmp_le $((R1 + 1)) "$(jget 'j["reads"]')" "c) reads go on meanwhile"
nx ip link add dm0 type veth peer name dm1
nx ip link set dm0 up
if until_true "$TC" 'j["interfaces"][0]["present"] == True' 3000; then
	ok "c) dm0 created again: present true"
else
	not_ok "c) dm0 created again: present true"
fi
is "$(jget '[j["status"], j.get("error"), j["interfaces"][0]["gone"]]')" \
    '["running", null, 1]' "c) running, the error cleared, gone 1"
nx ip link del dm0
until_true "$TC" 'j["interfaces"][0]["gone"] == 2' 3000
is "$(jget '[j["interfaces"][0]["gone"], j.get("error")]')" \
    '[2, "interface dm0 not found"]' "c) deleted again: gone 2"

# --- d) no such interface --------------------------------------------

pcreate '{"target":"nope0","interval":"500ms","duration":"2s"}'
is "$API_CODE" 201 "d) a task on nope0 is created"
task_wait "$TASK_ID" 3000
is "$(task_get '[j["status"], j.get("error")]')" \
    '["failed", "interface nope0 not found"]' \
    "d) it fails: interface nope0 not found"
is "$(task_get '[j["interfaces"][0]["present"], j.get("rounds", [])]')" \
    '[false, []]' "d) not present, no rounds"

# --- e) Lopa's bodies ------------------------------------------------

pcreate '{"target":"vA"}'
is "$API_CODE" 201 "e) {\"target\":\"vA\"} is created"
TE=$TASK_ID
sleep 0.3
get "$TE"
is "$(jget '[j["status"], j["mode"], j["params"]["interval"],
    j["params"]["duration"]]')" \
    '["running", "duration", 10000000000, 60000000000]' \
    "e) running, duration 60s, interval 10s (params)"
pcreate '{"target":"vA","interval":0,"mode":"continuous"}'
is "$API_CODE" 201 "e) interval 0, continuous: created"
TE2=$TASK_ID
get "$TE2"
is "$(jget '[j["status"], j["params"]["interval"], j["params"]["window"],
    j["window"]["duration"]]')" \
    '["running", 10000000000, 60000000000, 60000000000]' \
    "e) running, interval 10s, window 60s"
pcreate '{"target":"vA","mode":"continuous","duration":"5s",
    "interval":"1s"}'
get "$TASK_ID"
is "$(jget '[j["params"]["window"], "duration" in j["params"]]')" \
    '[5000000000, false]' "e) Lopa's duration is a continuous task's window"
api rw DELETE "/api/v1/tasks/$TASK_ID" >/dev/null
api rw GET /-/ready >/dev/null
is "$API_CODE" 200 "e) lopad still answers"

# --- f) bad bodies ---------------------------------------------------

api rw GET /api/v1/tasks >/dev/null
NTASKS=$(json_get "$API_BODY" 'len(j)')
field_400 '{"target":"vA","count":3}' count "f) count: 400, field count"
field_400 '{"target":"vA","timeout":"1s"}' timeout \
    "f) timeout: 400, field timeout"
field_400 '{"target":"vA","mode":"count"}' mode "f) mode count: 400"
like "$(json_get "$API_BODY" 'j["detail"]')" 'duration or continuous' \
    "f) mode count: the detail says which modes"
field_400 '{"interfaces":["vA","vA"]}' 'interfaces[1]' \
    "f) an interface twice: 400, field interfaces[1]"
field_400 '{"target":"vA","interval":"10ms"}' interval \
    "f) interval 10ms: 400, field interval"
field_400 '{"target":"a,b"}' target "f) target \"a,b\": 400, field target"
field_400 '{"target":"vA","interfaces":["lo"]}' interfaces \
    "f) target and interfaces: 400"
field_400 '{"target":"vA","interval":"100ms","duration":"361s"}' duration \
    "f) 3610 intervals in the duration: 400, field duration"
field_400 '{"interfaces":["vA"],"mode":"continuous","interval":"1s",
    "window":"2h"}' window "f) 7200 intervals in the window: 400"
field_400 '{"interfaces":["a","b","c","d","e","f","g","h","i"]}' \
    interfaces "f) 9 interfaces: 400"
field_400 '{"interfaces":[]}' interfaces "f) no interface: 400"
field_400 '{}' target "f) neither target nor interfaces: 400"
field_400 '{"target":"vA","window":"5s"}' window \
    "f) a window in duration mode: 400"
field_400 '{"target":"0123456789abcdef"}' target \
    "f) a name longer than 15 bytes: 400"
api rw GET /api/v1/tasks >/dev/null
is "$(json_get "$API_BODY" 'len(j)')" "$NTASKS" "f) none of them was created"

# --- g) a restart ----------------------------------------------------

pcreate '{"interfaces":["vA","lo"],"mode":"continuous","interval":"200ms",
    "window":"1s","name":"pv-g","labels":{"site":"x"}}'
is "$API_CODE" 201 "g) continuous task pv-g created"
TG=$TASK_ID
get "$TG"
PG=$(jget 'j["params"]')
wait_until 3000 20 grep -q '"passive"' "$LOPAD_STATE"
like "$(grep -c '"type":"passive"' "$LOPAD_STATE")" '^[1-9]' \
    "g) the state file holds passive tasks"
lopad_stop
is "$LOPAD_EXIT" 0 "g) lopad exits 0 on SIGTERM"
lopad_start "$NS" || give_up "lopad did not start again"
get "$TG"
is "$API_CODE" 200 "g) after the restart: $TG is there"
is "$(jget '[j["id"], j["type"], j["mode"], j["name"], j["labels"]]')" \
    "[\"$TG\", \"passive\", \"continuous\", \"pv-g\", {\"site\": \"x\"}]" \
    "g) the same id, type, mode, name and labels"
is "$(jget 'j["params"]')" "$PG" "g) the same parameters"
if until_true "$TG" 'j["status"] == "running" and j["reads"] >= 2 and
    all(i["present"] for i in j["interfaces"])' 3000; then
	ok "g) running and reading again"
else
	not_ok "g) running and reading again"
	diag "$(head -c 600 "$GOT")"
fi
get "$TB"
is "$(jget 'j["status"]')" running "g) b)'s continuous task is back too"
get "$TA"
is "$API_CODE" 404 "g) a) (a duration task) was not kept"

# --- h) stop, delete, lists ------------------------------------------

api rw POST "/api/v1/tasks/$TG/stop" >/dev/null
like "$API_CODE" '^20[0-4]$' "h) stop: 2xx"
if until_true "$TG" 'j["status"] == "stopped"' 3000; then
	ok "h) the task is stopped"
else
	not_ok "h) the task is stopped"
fi
is "$(jget '[j["finished"][:4] != "0001", "interfaces" in j,
    j["reads"] >= 2]')" '[true, true, true]' \
    "h) finished set, its results kept"
api rw POST "/api/v1/tasks/$TG/stop" >/dev/null
is "$API_CODE" 409 "h) a second stop: 409"
api rw DELETE "/api/v1/tasks/$TB" >/dev/null
like "$API_CODE" '^20[0-4]$' "h) DELETE a running continuous task: 2xx"
get "$TB"
is "$API_CODE" 404 "h) then it is gone (404)"
pcreate '{"target":"lo","interval":"1s","duration":"30s"}'
TH=$TASK_ID
api rw DELETE "/api/v1/tasks/$TH" >/dev/null
like "$API_CODE" '^20[0-4]$' "h) DELETE a running duration task: 2xx"
get "$TH"
is "$API_CODE" 404 "h) then it is gone (404)"
pcreate '{"target":"lo"}'
api rw GET '/api/v1/tasks?type=passive' >/dev/null
is "$(json_get "$API_BODY" '(all(t["type"] == "passive" for t in j) and
    len(j) > 0)')" true "h) task list type=passive: passive tasks"
api rw GET '/api/v1/tasks?type=passive&status=stopped' >/dev/null
is "$(json_get "$API_BODY" '[t["id"] for t in j]')" "[\"$TG\"]" \
    "h) type=passive&status=stopped: the stopped one"
api rw GET '/api/v1/tasks?type=ping' >/dev/null
is "$(json_get "$API_BODY" 'j')" '[]' "h) type=ping: none"

# --- i) counters that go back -----------------------------------------
ip -n "$NS" link add vR type veth peer name vS || bail "veth vR failed"
ip -n "$NS" link set vR up
ip -n "$NS" link set vS up
ip -n "$NS" addr add 198.18.9.1/24 dev vR
pcreate '{"target":"vR","mode":"continuous","interval":"2s","window":"10s"}'
TR=$TASK_ID
until_true "$TR" 'j["reads"] >= 1' 5000 || diag "no first read"
# Traffic, so that the counters are well above zero, then a read.
nx ping -c 20 -i 0.01 -q -W 1 198.18.9.2 >/dev/null 2>&1
until_true "$TR" 'j["reads"] >= 2' 5000 || diag "no second read"
# Deleted and created again within one interval: present at both reads,
# its counters back near zero.
ip -n "$NS" link del vR
ip -n "$NS" link add vR type veth peer name vS
ip -n "$NS" link set vR up
ip -n "$NS" link set vS up
until_true "$TR" 'j["reads"] >= 3' 5000 || diag "no third read"
until_true "$TR" 'j["interfaces"][0]["resets"] >= 1' 3000
result $? "i) counters that went back count as a reset"
is "$(jget 'j["interfaces"][0]["last"]["bytes_out"] < 100000 and
    j["interfaces"][0]["total"]["bytes_out"] < 10000000')" true     "i) ... counted from zero: no wrapped delta"
api rw DELETE "/api/v1/tasks/$TR" >/dev/null

# --- j) thresholds -------------------------------------------------------
pcreate '{"target":"vA","mode":"continuous","interval":"200ms","window":"1s",
    "thresholds":{"pps_in":{"above":3,"clear":1}}}'
TJ=$TASK_ID
ip netns exec "$NS2" ping -c 15 -i 0.1 -q -W 1 198.18.7.1 >/dev/null 2>&1
until_true "$TJ" 'j["alerts"]["pps_in"]["alerts"] == 1' 3000
result $? "j) pps_in above 3/s while pinged at 10/s: an alert"
until_true "$TJ" 'j["alerts"]["pps_in"]["state"] == "ok" and
    j["alerts"]["pps_in"]["recoveries"] == 1' 5000
result $? "j) quiet again: one recovery, state ok"
is "$(jget '[j["alerts"]["pps_in"]["alerts"], j["params"]["thresholds"]["pps_in"]["above"]]')"     '[1, 3.0]' "j) one alert in all; the rule in the parameters"
lopad_log_wait "task $TJ: alert: pps_in [0-9.]+/s >= 3.00/s" ||
    diag "no alert line"
ok "j) the log line says the rate"

sleep 0.2
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
