#!/bin/bash
#
# Thresholds on continuous tasks (TAP).  lopad runs in a network
# namespace of the test's own and pings 127.0.0.1 and 127.0.0.2 on its
# loopback; nftables on the output hook drops the echo requests (a send
# that fails counts as lost).  GET /api/v1/events (the read-only socket)
# is recorded throughout; its state events carry task_id, it has no
# probes.
#  - one outage (every request dropped until the windows are 100 % lost,
#    then none), four tasks at 50 ms, window 1 s:
#    A (loss above 0.2, clear 0.05, for 2, min_samples 5) gives exactly one
#    alert and one recovery, in order, with Lopa's fields (types, units,
#    "20.00%") and ours; its GET ends 1/1, state ok; the control process
#    logs both; one loss evaluation per decided probe.  Its rtt_avg rule
#    (above 1s) has no data during the outage and stays ok; its rtt_p99
#    rule waits for min_samples 1000 (more than the window holds); its
#    jitter rule (for 1000000) is pending, and no data resets it to ok.
#    B's rtt_avg rule (above 1ns) alerted before the outage, alerts along
#    with the loss rule during it, without data, and never recovers; B's
#    task stream carries its own two loss notifications only.  E is Lopa's
#    loss_threshold and latency_threshold (1ns): reasons loss and latency,
#    params echo them, not thresholds.  G (clear_for 1000000) stays
#    recovering;
#  - flapping: nftables (numgen) drops the requests in bursts of 6 out of
#    every 12 (300 ms of drops, 300 ms without, counted in packets: no
#    scheduling jitter), so a 1 s window's loss swings between 40 % and
#    60 % around a 50 % level.  C, with clear 0.1, for 3 and clear_for 5,
#    alerts once and recovers only once the drops stop; D, the same input
#    without hysteresis, alerts and recovers again and again (alternately,
#    as many events as its counters say);
#  - stamp: forward_p99 above 1ns and backward_p99 below 1h both alert,
#    with the window's twamp figures;
#  - repeat 1s: repeats while alerting (event alert, repeat true);
#  - a count task accepts Lopa's loss_threshold and has no alerts;
#    webhook_secret is shown nowhere (GET, list, events, log);
#  - invalid requests: 400, the detail starting with the field's name;
#  - TODO (bugs): duration levels of 2^63 - 1 ns are shown negative;
#    deleting a task with thresholds and no webhook_secret kills the
#    engine (and lopad).
# Webhook delivery is not tested.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 71

need_root
lopad_init
netns_new NS

nft_ns() {
	ip netns exec "$NS" nft "$@"
}
nft_ns add table inet lopat ||
    bail "nft add table failed"
nft_ns add chain inet lopat out '{ type filter hook output priority 0; }' ||
    bail "nft add chain failed"

lopad_start "$NS" || give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on" 10000 ||
    diag "no twamp reflector line"

# Every event of /api/v1/events, from now on, until killed.
EV=$LOPAD_DIR/events.sse
EVJ=$LOPAD_DIR/events.json
timeout -k 2 120 curl -sN -D "$EV.h" --unix-socket "$LOPAD_RSOCK" \
    http://lopad/api/v1/events >"$EV" 2>/dev/null &
EV_PID=$!
cleanup_push "kill $EV_PID 2>/dev/null"
wait_until 10000 50 grep -q '^HTTP/1.1 200' "$EV.h" ||
    diag "/api/v1/events did not answer: $(cat "$EV.h")"
like "$(tr -d '\r' <"$EV.h")" '^Content-Type: text/event-stream$' \
    "/api/v1/events: 200, an event stream (read-only socket)"

# snap ID: GET /api/v1/tasks/ID into SNAP; al METRIC.FIELD...: those
# fields of its "alerts" as a JSON list ("MISSING" when absent).
SNAP=$LOPAD_DIR/snap.json
snap() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	cp "$API_BODY" "$SNAP"
	[ "$API_CODE" = 200 ]
}
al() {
	python3 - "$SNAP" "$@" <<'EOF'
import json, sys
try:
    a = json.load(open(sys.argv[1])).get("alerts", {})
except ValueError:
    a = {}
out = []
for f in sys.argv[2:]:
    m, k = f.split(".", 1)
    out.append(a.get(m, {}).get(k, "MISSING"))
print(json.dumps(out))
EOF
}
# tget EXPR: json_get on SNAP.
tget() {
	json_get "$SNAP" "$1"
}
stop_task() {
	api rw POST "/api/v1/tasks/$1/stop" >/dev/null
	[ "$API_CODE" = 202 ] || diag "stop $1: $API_CODE $(cat "$API_BODY")"
}
create() {
	task_create "$1" "$2" ||
	    diag "create $1 $2: $API_CODE $(cat "$API_BODY")"
	echo "$API_CODE" >>"$LOPAD_DIR/codes"
}

# A count task: its state events carry task_id (and the stream is live).
task_create ping '{"target":"127.0.0.1","count":2,"interval":"20ms","timeout":"1s"}' ||
    diag "count task: $API_CODE $(cat "$API_BODY")"
W=$TASK_ID
wait_until 10000 50 grep -q "\"status\":\"finished\",\"task_id\":\"$W\"" "$EV" ||
    diag "no finished event for $W"

# 1, 2, 3, 5. One outage, three tasks.
CONT='"target":"127.0.0.1","mode":"continuous","interval":"50ms","window":"1s","timeout":"500ms"'
LOSS='"loss":{"above":0.2,"clear":0.05,"for":2,"min_samples":5}'
: >"$LOPAD_DIR/codes"
create ping "{$CONT,\"thresholds\":{$LOSS,\"rtt_avg\":{\"above\":\"1s\"},\"rtt_p99\":{\"above\":\"1ns\",\"min_samples\":1000},\"jitter\":{\"above\":\"1ns\",\"for\":1000000}}}"
A=$TASK_ID
create ping "{$CONT,\"thresholds\":{$LOSS,\"rtt_avg\":{\"above\":\"1ns\"}}}"
B=$TASK_ID
create ping "{$CONT,\"loss_threshold\":0.2,\"latency_threshold\":1}"
E=$TASK_ID
create ping "{$CONT,\"thresholds\":{\"loss\":{\"above\":0.2,\"clear\":0.05,\"for\":2,\"clear_for\":1000000,\"min_samples\":5}}}"
G=$TASK_ID
is "$(tr '\n' ' ' <"$LOPAD_DIR/codes")" "201 201 201 201 " \
    "four continuous tasks with thresholds: 201"

snap "$A"
is "$(tget 'j["params"]["thresholds"]')" \
    '{"jitter": {"above": 1, "clear_for": 1000000, "for": 1000000, "min_samples": 1, "repeat": 0}, "loss": {"above": 0.2, "clear": 0.05, "clear_for": 2, "for": 2, "min_samples": 5, "repeat": 0}, "rtt_avg": {"above": 1000000000, "clear_for": 1, "for": 1, "min_samples": 1, "repeat": 0}, "rtt_p99": {"above": 1, "clear_for": 1, "for": 1, "min_samples": 1000, "repeat": 0}}' \
    "params.thresholds echo the rules (levels in ns), defaults filled"
snap "$E"
is "$(tget '[j["params"]["loss_threshold"], j["params"]["latency_threshold"], "thresholds" in j["params"], sorted(j["alerts"])]')" \
    '[0.2, 1, false, ["loss", "rtt_avg"]]' \
    "Lopa's loss_threshold, latency_threshold: echoed as such, not as thresholds; alerts on loss and rtt_avg"

# Before the outage: enough samples; B's and E's rtt_avg (1ns) alert.
before_ready() {
	snap "$A" && [ "$(al loss.waiting loss.state rtt_avg.no_data)" = \
	    '[false, "ok", false]' ] && [ "$(al loss.evaluations)" != '[0]' ] &&
	    snap "$B" && [ "$(al rtt_avg.state)" = '["alerting"]' ] &&
	    snap "$E" && [ "$(al rtt_avg.state)" = '["alerting"]' ]
}
wait_until 10000 100 before_ready || diag "not ready: $(cat "$SNAP")"
snap "$A"
is "$(al loss.state loss.alerts loss.waiting loss.no_data rtt_avg.state rtt_avg.no_data rtt_avg.alerts)" \
    '["ok", 0, false, false, "ok", false, 0]' "A before: loss and rtt_avg ok"
is "$(tget '[isinstance(j["alerts"]["rtt_avg"]["value"], int), j["alerts"]["rtt_avg"]["value"] > 0, j["alerts"]["rtt_avg"]["evaluations"] > 0]')" \
    '[true, true, true]' "A before: rtt_avg has a value (integer ns)"
is "$(al rtt_p99.state rtt_p99.waiting rtt_p99.value rtt_p99.evaluations rtt_p99.alerts)" \
    '["ok", true, null, 0, 0]' \
    "A: rtt_p99 above 1ns with min_samples 1000 (a window holds ~20) waits, never evaluated"
is "$(al jitter.state jitter.alerts jitter.no_data)" '["pending", 0, false]' \
    "A: jitter above 1ns for 1000000: pending"
snap "$B"
is "$(tget '[j["alerts"]["rtt_avg"]["state"], j["alerts"]["rtt_avg"]["alerts"], j["alerts"]["rtt_avg"]["worst"] > 1, isinstance(j["alerts"]["rtt_avg"]["since"], str), j["alerts"]["loss"]["state"]]')" \
    '["alerting", 1, true, true, "ok"]' \
    "B before: rtt_avg above 1ns alerting (worst, since), loss ok"

# B's own stream, live before the outage.
BS=$LOPAD_DIR/b.sse
timeout -k 2 60 curl -sN --unix-socket "$LOPAD_RSOCK" \
    "http://lopad/api/v1/tasks/$B/stream" >"$BS" 2>/dev/null &
BS_PID=$!
cleanup_push "kill $BS_PID 2>/dev/null"
wait_until 10000 50 grep -q '^event: probe' "$BS" ||
    diag "no probe event on B's stream"

# The outage: every echo request dropped, until each window is all lost.
nft_ns add rule inet lopat out icmp type echo-request drop
during() {
	snap "$A" && [ "$(al loss.state rtt_avg.no_data)" = '["alerting", true]' ] &&
	    snap "$B" && [ "$(al loss.state rtt_avg.no_data)" = '["alerting", true]' ] &&
	    snap "$E" && [ "$(al loss.state)" = '["alerting"]' ]
}
wait_until 10000 100 during || diag "outage not seen: $(cat "$SNAP")"
snap "$A"
is "$(al loss.state loss.alerts loss.worst loss.no_data)" '["alerting", 1, 1.0, false]' \
    "A during: loss alerting once, worst 100 %"
is "$(tget '[j["window"]["stats"]["received"], j["alerts"]["rtt_avg"]["state"], j["alerts"]["rtt_avg"]["no_data"], j["alerts"]["rtt_avg"]["value"], j["alerts"]["rtt_avg"]["alerts"]]')" \
    '[0, "ok", true, null, 0]' \
    "A during: nothing received, rtt_avg no_data, value null, still ok"
is "$(al jitter.state jitter.no_data jitter.alerts)" '["ok", true, 0]' \
    "A during: jitter no_data broke its count in progress: ok, not pending"
snap "$B"
is "$(al loss.state loss.alerts rtt_avg.state rtt_avg.no_data rtt_avg.alerts rtt_avg.recoveries)" \
    '["alerting", 1, "alerting", true, 1, 0]' \
    "B during: loss and rtt_avg alerting together; rtt_avg without data does not recover"
sleep 0.5
snap "$B"
is "$(al rtt_avg.state rtt_avg.no_data rtt_avg.recoveries)" '["alerting", true, 0]' \
    "B during, 0.5 s later: rtt_avg still alerting, no data"
nft_ns flush chain inet lopat out

after() {
	snap "$A" && [ "$(al loss.recoveries)" = '[1]' ] &&
	    snap "$B" && [ "$(al loss.recoveries)" = '[1]' ] &&
	    snap "$E" && [ "$(al loss.recoveries)" = '[1]' ]
}
wait_until 10000 100 after
result $? "after the outage: A, B and E recover from loss" ||
    diag "$(cat "$SNAP")"
# Quiet for a while: nothing more may come.
sleep 1
snap "$A"
is "$(al loss.state loss.alerts loss.recoveries loss.worst loss.no_data rtt_avg.state rtt_avg.alerts rtt_avg.no_data)" \
    '["ok", 1, 1, "MISSING", false, "ok", 0, false]' \
    "A after: loss ok, 1 alert, 1 recovery, no worst; rtt_avg never alerted"
like "$(al loss.since loss.value)" '^\["[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z", 0\.0' \
    "A after: since is a time, value 0"
snap "$B"
is "$(al loss.state loss.alerts loss.recoveries rtt_avg.state rtt_avg.alerts rtt_avg.recoveries)" \
    '["ok", 1, 1, "alerting", 1, 0]' "B after: loss 1/1 ok; rtt_avg still alerting"
snap "$E"
is "$(al loss.state loss.alerts loss.recoveries rtt_avg.alerts rtt_avg.recoveries)" \
    '["ok", 1, 1, 1, 0]' "E (Lopa's thresholds) after: loss 1/1 ok"
snap "$G"
is "$(al loss.state loss.alerts loss.recoveries loss.worst)" '["recovering", 1, 0, 1.0]' \
    "G (clear_for 1000000) after: recovering, not recovered, worst kept"
log_like "control: task $A: alert: loss [0-9]+\\.[0-9]{2}% >= 20\\.00%\$" \
    "log: A's alert"
log_like "control: task $A: recovery: loss [0-4]\\.[0-9]{2}% < 5\\.00% \\(worst 100\\.00%\\)\$" \
    "log: A's recovery, with the worst"
is "$(grep -cE "task $A: (alert|recovery|repeat):" "$LOPAD_LOG")" 2 \
    "log: two notifications of A"
for t in "$A" "$B" "$E" "$G"; do
	stop_task "$t"
done
# One evaluation per probe whose fate became known (less the first four,
# while the window held fewer than min_samples 5: batches may make it
# fewer).
snap "$A"
fates=$(tget 'j["total"]["received"] + j["total"]["lost"]')
evals=$(tget 'j["alerts"]["loss"]["evaluations"]')
diag "A: $fates fates, $evals loss evaluations"
if [ "$evals" -le "$fates" ] && [ "$evals" -ge "$((fates - 4))" ]; then
	ok "A: one loss evaluation per decided probe ($evals of $fates)"
else
	not_ok "A: one loss evaluation per decided probe ($evals of $fates)"
fi
wait_until 10000 50 eval '! proc_alive $BS_PID' ||
    diag "B's stream did not end"
wait "$BS_PID" 2>/dev/null
is "$(python3 - "$BS" "$B" <<'EOF'
import json, sys
al = []
for block in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    if block.startswith("event: alert\n"):
        d = json.loads(block.split("data: ", 1)[1])
        al.append([d["task_id"] == sys.argv[2], d["event"], d["metric"]])
print(json.dumps(al))
EOF
)" '[[true, "alert", "loss"], [true, "recovery", "loss"]]' \
    "B's task stream: its loss alert and recovery, in order, nothing else"
is "$(grep -c '^event: summary' "$BS")" 1 "B's task stream: a summary at the end"

# 4. Flapping: bursts of 6 drops in every 12 requests, per address.
nft_ns add rule inet lopat out ip daddr 127.0.0.1 icmp type echo-request \
    numgen inc mod 12 '<' 6 drop
nft_ns add rule inet lopat out ip daddr 127.0.0.2 icmp type echo-request \
    numgen inc mod 12 '<' 6 drop
FL='"mode":"continuous","interval":"50ms","window":"1s","timeout":"500ms"'
: >"$LOPAD_DIR/codes"
create ping "{\"target\":\"127.0.0.1\",$FL,\"thresholds\":{\"loss\":{\"above\":0.5,\"clear\":0.1,\"for\":3,\"clear_for\":5,\"min_samples\":10}}}"
C=$TASK_ID
create ping "{\"target\":\"127.0.0.2\",$FL,\"thresholds\":{\"loss\":{\"above\":0.5,\"min_samples\":10}}}"
D=$TASK_ID
is "$(tr '\n' ' ' <"$LOPAD_DIR/codes")" "201 201 " "flapping: two tasks, 201"
c_alerting() {
	snap "$C" && [ "$(al loss.state)" = '["alerting"]' ]
}
wait_until 10000 100 c_alerting || diag "C did not alert: $(cat "$SNAP")"
sleep 3
snap "$C"
is "$(al loss.state loss.alerts loss.recoveries)" '["alerting", 1, 0]' \
    "flapping, hysteresis (clear 0.1, for 3, clear_for 5): one alert, no recovery"
diag "C: window loss $(tget 'j["window"]["stats"]["loss_rate"]'), $(al loss.evaluations) evaluations"
snap "$D"
d_alerts=$(tget 'j["alerts"]["loss"]["alerts"]')
cmp_le 2 "$d_alerts" \
    "flapping, no hysteresis: the same input crossed the level again and again (D alerted $d_alerts times)"
nft_ns flush chain inet lopat out
flap_over() {
	snap "$C" && [ "$(al loss.state loss.recoveries)" = '["ok", 1]' ] &&
	    snap "$D" && [ "$(al loss.state)" = '["ok"]' ]
}
wait_until 10000 100 flap_over
result $? "flapping over: C recovers, D is ok" || diag "$(cat "$SNAP")"
snap "$C"
is "$(al loss.state loss.alerts loss.recoveries)" '["ok", 1, 1]' \
    "C: exactly one alert and one recovery for the whole flapping episode"
snap "$D"
d_counts=$(tget '[j["alerts"]["loss"]["alerts"], j["alerts"]["loss"]["recoveries"]]')
is "$(tget 'j["alerts"]["loss"]["alerts"] == j["alerts"]["loss"]["recoveries"]')" \
    true "D: as many recoveries as alerts ($d_counts)"
stop_task "$C"
stop_task "$D"

# stamp: one-way delays, above and below.
S_BODY="{\"target\":\"127.0.0.1:$LOPAD_TWAMP_PORT\",\"mode\":\"continuous\",\"interval\":\"50ms\",\"window\":\"1s\",\"timeout\":\"500ms\",\"thresholds\":{\"forward_p99\":{\"above\":\"1ns\"},\"backward_p99\":{\"below\":\"1h\"}}}"
create stamp "$S_BODY"
S=$TASK_ID
s_alerting() {
	snap "$S" && [ "$(al forward_p99.state backward_p99.state)" = \
	    '["alerting", "alerting"]' ]
}
wait_until 10000 100 s_alerting
snap "$S"
is "$(al forward_p99.state forward_p99.alerts forward_p99.above backward_p99.state backward_p99.alerts backward_p99.below backward_p99.above)" \
    '["alerting", 1, 1, "alerting", 1, 3600000000000, "MISSING"]' \
    "stamp: forward_p99 above 1ns and backward_p99 below 1h alert"
is "$(tget 'j["params"]["thresholds"]["backward_p99"]')" \
    '{"below": 3600000000000, "clear_for": 1, "for": 1, "min_samples": 1, "repeat": 0}' \
    "stamp: params echo below"
stop_task "$S"

# Lopa's loss_threshold on a count task: accepted, no alerts.
task_create ping '{"target":"127.0.0.1","count":2,"interval":"20ms","timeout":"1s","loss_threshold":0.2}' ||
    diag "count with loss_threshold: $API_CODE $(cat "$API_BODY")"
if [ -n "$TASK_ID" ] && task_wait "$TASK_ID" 10000; then
	is "$(task_get '[j["status"], j["params"]["loss_threshold"], "alerts" in j, "thresholds" in j["params"]]')" \
	    '["finished", 0.2, false, false]' \
	    "count task with loss_threshold: finished, echoed, no alerts"
else
	not_ok "count task with loss_threshold: finished, echoed, no alerts"
fi

# webhook_secret is never shown, even once an alert carried it.
SECRET=NoShow-$$-$RANDOM-secret
create ping "{$CONT,\"webhook_url\":\"http://127.0.0.1:9/hook\",\"webhook_secret\":\"$SECRET\",\"thresholds\":{\"rtt_avg\":{\"above\":\"1ns\",\"repeat\":\"1s\"}}}"
F=$TASK_ID
f_alerting() {
	snap "$F" && [ "$(al rtt_avg.alerts)" = '[1]' ] &&
	    [ "$(al rtt_avg.repeats)" != '[0]' ]
}
wait_until 10000 100 f_alerting || diag "F did not alert: $(cat "$SNAP")"
snap "$F"
is "$(tget '[j["params"].get("alert_callback_url", j["params"].get("webhook_url")), "webhook_secret" in j["params"], j["alerts"]["rtt_avg"]["alerts"]]')" \
    '["http://127.0.0.1:9/hook", false, 1]' "webhook: the URL is shown, not the secret"
api rw GET /api/v1/tasks >/dev/null
cat "$SNAP" "$API_BODY" "$LOPAD_LOG" >"$LOPAD_DIR/all.txt"
is "$(grep -c -- "$SECRET" "$LOPAD_DIR/all.txt")" 0 \
    "webhook_secret in neither GET, the task list nor the log"
stop_task "$F"
snap "$F"
f_repeats=$(tget 'j["alerts"]["rtt_avg"]["repeats"]')
is "$(tget '[j["alerts"]["rtt_avg"]["alerts"], j["alerts"]["rtt_avg"]["repeats"] >= 1, j["alerts"]["rtt_avg"]["state"]]')" \
    '[1, true, "alerting"]' "repeat 1s: F repeated while alerting ($f_repeats)"
log_like "control: task $F: repeat: rtt_avg [0-9.]+(ns|µs|ms|s) >= 1ns\$" \
    "log: F's repeat"
api rw DELETE "/api/v1/tasks/$F" >/dev/null

# The events, all of them now.
sleep 0.3
kill "$EV_PID" 2>/dev/null
wait "$EV_PID" 2>/dev/null
python3 - "$EV" >"$EVJ" <<'EOF'
import json, sys
out = []
for block in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    ev, data = None, []
    for line in block.split("\n"):
        if line.startswith("event: "):
            ev = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
    if ev is None:
        continue
    try:
        d = json.loads("\n".join(data))
    except ValueError:
        d = {"unparsed": "\n".join(data)}
    out.append({"event": ev, "data": d})
json.dump(out, sys.stdout)
EOF
# notes ID [FIELD...]: the task's alert events, as lists of FIELDs
# (default event and metric).
notes() {
	local id=$1 f

	shift
	[ "$#" -eq 0 ] && set -- event metric
	f=$(printf 'e["data"].get("%s"), ' "$@")
	json_get "$EVJ" "[[${f%, }] for e in j if e[\"event\"] == \"alert\" and e[\"data\"].get(\"task_id\") == \"$id\"]"
}
is "$(json_get "$EVJ" 'sorted(set(e["event"] for e in j))')" '["alert", "state"]' \
    "events: only state and alert events (no probes)"
is "$(json_get "$EVJ" "[e[\"data\"][\"status\"] for e in j if e[\"event\"] == \"state\" and e[\"data\"].get(\"task_id\") == \"$W\"]")" \
    '["pending", "running", "finished"]' "events: a count task's states, with task_id"
is "$(json_get "$EVJ" "[e[\"data\"][\"status\"] for e in j if e[\"event\"] == \"state\" and e[\"data\"].get(\"task_id\") == \"$A\"]")" \
    '["pending", "running", "stopped"]' "events: A's states"
is "$(notes "$A")" '[["alert", "loss"], ["recovery", "loss"]]' \
    "events: A: exactly one loss alert, then one recovery"

# check_payload ID N KIND: the N-th alert event of task ID, a loss
# alert (KIND alert) or recovery, field by field; "ok" or what is wrong.
check_payload() {
	python3 - "$EVJ" "$1" "$2" "$3" <<'EOF'
import json, re, sys
j = json.load(open(sys.argv[1]))
tid, n, kind = sys.argv[2], int(sys.argv[3]), sys.argv[4]
evs = [e["data"] for e in j if e["event"] == "alert" and e["data"].get("task_id") == tid]
if len(evs) <= n:
    print("no event %d of %d" % (n, len(evs))); sys.exit()
d, bad = evs[n], []
def num(x): return isinstance(x, (int, float)) and not isinstance(x, bool)
def isint(x): return isinstance(x, int) and not isinstance(x, bool)
DUR = r"^([0-9]+(\.[0-9]+)?(h|m|s|ms|µs|us|ns))+$|^0s$"
want = {"task_id": tid, "target": "127.0.0.1", "type": "ping",
        "mode": "continuous", "metric": "loss", "repeat": False,
        "direction": "above", "window_seconds": 1}
if kind == "alert":
    want.update({"event": "alert", "reason": "loss", "threshold": "20.00%"})
else:
    want.update({"event": "recovery", "reason": "recovery", "threshold": "",
                 "recovered_from": "loss", "recovered_from_value": 1.0})
for k, v in want.items():
    if d.get(k) != v or type(d.get(k)) != type(v):
        bad.append("%s=%r" % (k, d.get(k)))
if not isinstance(d.get("node_id"), str) or not d["node_id"]:
    bad.append("node_id=%r" % d.get("node_id"))
for k in ("sent", "received"):
    if not isint(d.get(k)): bad.append("%s=%r" % (k, d.get(k)))
for k in ("loss_rate", "value", "threshold_value", "clear_value"):
    if not num(d.get(k)): bad.append("%s=%r" % (k, d.get(k)))
for k in ("min_rtt", "max_rtt", "avg_rtt"):
    if not isinstance(d.get(k), str) or not re.match(DUR, d[k]):
        bad.append("%s=%r" % (k, d.get(k)))
if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", str(d.get("timestamp"))):
    bad.append("timestamp=%r" % d.get("timestamp"))
if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", str(d.get("at"))):
    bad.append("at=%r" % d.get("at"))
if abs(d.get("threshold_value", 0) - 0.2) > 1e-9 or abs(d.get("clear_value", 0) - 0.05) > 1e-9:
    bad.append("levels %r %r" % (d.get("threshold_value"), d.get("clear_value")))
w = d.get("window")
if not isinstance(w, dict) or w.get("sent") != d.get("sent") or \
   w.get("received") != d.get("received") or w.get("loss_rate") != d.get("loss_rate"):
    bad.append("window=%r" % w)
if num(d.get("value")) and num(d.get("loss_rate")):
    v = d["value"]
    if kind == "alert":
        if not (0.2 <= v <= 1 and d["loss_rate"] == v):
            bad.append("value %r loss_rate %r" % (v, d["loss_rate"]))
        if d.get("current_value") != "%.2f%%" % (v * 100):
            bad.append("current_value=%r" % d.get("current_value"))
        if "recovered_from" in d or "recovered_from_value" in d:
            bad.append("recovered_from in an alert")
    else:
        if not (v < 0.05 and d["loss_rate"] == v and d["received"] > 0):
            bad.append("value %r loss_rate %r" % (v, d["loss_rate"]))
        if not re.match(r"^loss=\d+\.\d\d%, avg_rtt=\S+$", str(d.get("current_value"))):
            bad.append("current_value=%r" % d.get("current_value"))
        if d.get("avg_rtt") == "0s":
            bad.append("avg_rtt 0s with replies")
print("ok" if not bad else "; ".join(bad))
EOF
}
is "$(check_payload "$A" 0 alert)" ok \
    "A's alert: Lopa's fields (threshold \"20.00%\", loss_rate a number, RTTs as durations...) and ours"
is "$(check_payload "$A" 1 recovery)" ok \
    "A's recovery: reason recovery, threshold \"\", recovered_from loss (1.0), current_value loss=..., avg_rtt=..."
is "$(notes "$B")" '[["alert", "rtt_avg"], ["alert", "loss"], ["recovery", "loss"]]' \
    "events: B: rtt_avg alert before the outage, then one loss alert and one recovery; rtt_avg never recovers"
is "$(notes "$E" event reason threshold recovered_from)" \
    '[["alert", "latency", "1ns", null], ["alert", "loss", "20.00%", null], ["recovery", "recovery", "", "loss"]]' \
    "events: E (Lopa's thresholds): reasons latency and loss, one recovery from loss"
is "$(notes "$C")" '[["alert", "loss"], ["recovery", "loss"]]' \
    "events: C (hysteresis): one alert, one recovery for the flapping"
is "$(notes "$G")" '[["alert", "loss"]]' "events: G: one alert, no recovery"
is "$(json_get "$EVJ" "(lambda l: [all(x == ('alert' if i % 2 == 0 else 'recovery') for i, x in enumerate(l)), l.count('alert'), l.count('recovery')])([e['data']['event'] for e in j if e['event'] == 'alert' and e['data'].get('task_id') == '$D'])")" \
    "[true, ${d_counts#[}" "events: D: alerts and recoveries alternate, as many as its counters ($d_counts)"
is "$(notes "$S" event metric direction threshold reason | python3 -c 'import json, sys; print(json.dumps(sorted(json.load(sys.stdin))))')" \
    '[["alert", "backward_p99", "below", "1h0m0s", "backward_p99"], ["alert", "forward_p99", "above", "1ns", "forward_p99"]]' \
    "events: stamp: forward_p99 above 1ns, backward_p99 below 1h, one alert each"
is "$(json_get "$EVJ" "[isinstance(e['data']['window'].get('twamp'), dict) for e in j if e['event'] == 'alert' and e['data'].get('task_id') == '$S']")" \
    '[true, true]' "events: stamp alerts carry the window's twamp figures"
is "$(notes "$F" event metric repeat)" \
    "$(python3 -c 'import json, sys; n = int(sys.argv[1]); print(json.dumps([["alert", "rtt_avg", False]] + [["alert", "rtt_avg", True]] * n))' "$f_repeats")" \
    "events: F's alert, then its $f_repeats repeat(s) (event alert, repeat true)"
is "$(grep -c -- "$SECRET" "$EV")" 0 "events: no webhook_secret"

# 6. Invalid requests: 400, the detail names the field.
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
C0='"target":"127.0.0.1","mode":"continuous"'
bad ping '{"target":"127.0.0.1","count":3,"thresholds":{"loss":{"above":0.2}}}' thresholds
bad ping "{$C0,\"thresholds\":{\"rtt_p50\":{\"above\":\"1ms\"}}}" thresholds.rtt_p50
bad ping "{$C0,\"thresholds\":{\"loss\":{\"above\":1.5}}}" thresholds.loss.above
bad ping "{$C0,\"thresholds\":{\"loss\":{\"above\":0.2,\"clear\":0.3}}}" thresholds.loss.clear
bad ping "{$C0,\"thresholds\":{\"forward_p99\":{\"above\":\"1ms\"}}}" thresholds.forward_p99
bad ping "{$C0,\"webhook_secret\":\"s3cret\"}" webhook_secret
bad ping "{$C0,\"thresholds\":{\"loss\":{\"clear\":0.1}}}" thresholds.loss
bad udp "{\"target\":\"127.0.0.1:9\",\"mode\":\"continuous\",\"thresholds\":{\"jitter\":{\"above\":\"1ms\",\"for\":0}}}" thresholds.jitter.for
bad tcp "{\"target\":\"127.0.0.1:9\",\"mode\":\"continuous\",\"loss_threshold\":0.2,\"thresholds\":{\"loss\":{\"above\":0.3}}}" loss_threshold
bad twamp "{\"target\":\"127.0.0.1:$LOPAD_TWAMP_PORT\",\"mode\":\"continuous\",\"thresholds\":{\"rtt_p99\":{\"above\":\"1ms\",\"repeat\":\"500ms\"}}}" thresholds.rtt_p99.repeat
bad ping "{$C0,\"webhook_url\":\"http://127.0.0.1:9/a\",\"alert_callback_url\":\"http://127.0.0.1:9/b\"}" webhook_url

# A duration level as large as a duration goes (2^63 - 1 ns, Go's
# maxDuration): refused, or shown as given (positive).  Levels are
# doubles: (int64_t)(double)INT64_MAX overflowed, and GET, the events and
# the log showed -2562047h47m16.854775808s; levels are at most 24h now.
huge() {
	local body=$1 field=$2 expr=$3 id got

	api rw POST /api/v1/tasks/ping -H 'Content-Type: application/json' \
	    --data-binary "$body" >/dev/null
	if [ "$API_CODE" = 400 ]; then
		got=$(json_get "$API_BODY" 'j["detail"]')
		[ "${got%%:*}" = "$field" ] && got=ok
		echo "$got"
		return
	fi
	[ "$API_CODE" = 201 ] || { echo "$API_CODE"; return; }
	id=$(json_get "$API_BODY" 'j["id"]')
	snap "$id"
	api rw POST "/api/v1/tasks/$id/stop" >/dev/null
	got=$(json_get "$SNAP" "all($expr)")
	[ "$got" = true ] && got=ok ||
	    got="201, $(json_get "$SNAP" '[j["params"].get("thresholds"), j["params"]["latency_threshold"], j.get("alerts")]')"
	echo "$got"
}
is "$(huge "{$C0,\"thresholds\":{\"rtt_avg\":{\"above\":9223372036854775807}}}" \
    thresholds.rtt_avg.above \
    '[j["params"]["thresholds"]["rtt_avg"]["above"] > 0, j["alerts"]["rtt_avg"]["above"] > 0, j["alerts"]["rtt_avg"]["clear"] > 0]')" \
    ok "rtt_avg above 9223372036854775807 (ns): refused, or echoed positive"
is "$(huge "{$C0,\"latency_threshold\":9223372036854775807}" latency_threshold \
    '[j["params"]["latency_threshold"] > 0, j["alerts"]["rtt_avg"]["above"] > 0]')" \
    ok "Lopa's latency_threshold 9223372036854775807: refused, or its rule shown positive"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# 7. Deleting a task that has thresholds but no webhook_secret (the
# engine's task_free() called strlen() on the NULL secret: SIGSEGV, and
# lopad ended).  A daemon of its own, so that the rest does not depend on
# it.
lopad_start "$NS" || give_up "lopad did not start again"
task_create ping "{$CONT,\"thresholds\":{\"loss\":{\"above\":0.5}}}" ||
    diag "create: $API_CODE $(cat "$API_BODY")"
X=$TASK_ID
sleep 0.3
stop_task "$X"
is "$(api rw DELETE "/api/v1/tasks/$X")" 204 \
    "DELETE a stopped task with thresholds, no webhook_secret: 204"
is "$(api rw GET "/api/v1/tasks/$X")" 404 "then 404: lopad still answers"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0 after that"

done_testing
