#!/bin/bash
#
# lopactl and thresholds (TAP): lopad runs in a network namespace of the
# test's own and probes 127.0.0.1 there (its UDP echo and TWAMP/STAMP
# reflectors are on that loopback too); nftables on the output hook drops
# the echo requests for a while to make a loss rule alert and recover.
# Covered:
#  - the options build the request: --loss-threshold and
#    --latency-threshold (Lopa's fields), --threshold rules by position
#    and by name, --webhook and Lopa's --alert-callback-url, the secret
#    of --webhook-secret-file (sent, shown nowhere), checked in the
#    task's params;
#  - usage errors: exit 2, a message naming the option, no task created;
#  - task show: the rules and their states, only for a task that has
#    some (rtt_avg above 1ns alerts on the first reply);
#  - -f on a continuous task: ALERT and RECOVERY lines among the probes,
#    with -q too;
#  - monitor: a line per state change and notification of a task created
#    meanwhile, until SIGINT (exit 0); events -j: the events' JSON, a
#    document a line; monitor when the daemon goes away (exit 3).
# Tasks are stopped, never deleted.  Every wait is bounded.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 68

command -v nft >/dev/null || bail "nft not found"

need_root
lopad_init
netns_new NS
ip netns exec "$NS" nft add table inet lopactlat ||
    bail "nft add table failed"
ip netns exec "$NS" nft add chain inet lopactlat out \
    '{ type filter hook output priority 0; }' || bail "nft add chain failed"

lopad_start "$NS" || give_up "lopad did not start"

OUT=$LOPAD_DIR/client/out
ERR=$LOPAD_DIR/client/err
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# ctl ARGS...: lopactl on the test daemon's socket, bounded; sets rc,
# out and err.
ctl() {
	timeout -k 2 20 "$LOPACTL" -s "$LOPAD_SOCK" "$@" >"$OUT" 2>"$ERR"
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

# usage_error DESC ERE ARGS...: lopactl ARGS exits 2, prints nothing on
# stdout and a message matching ERE on stderr.
usage_error() {
	local desc=$1 ere=$2

	shift 2
	ctl "$@"
	if [ "$rc" -eq 2 ] && [ -z "$out" ] &&
	    printf '%s\n' "$err" | grep -Eq -- "$ere"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "lopactl $*: exit $rc, want 2"
		diag "stdout: $out"
		diag "stderr: $err (want '$ere')"
	fi
}

# snap ID: GET /api/v1/tasks/ID into SNAP; sget EXPR: json_get on it.
SNAP=$LOPAD_DIR/snap.json
snap() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	cp "$API_BODY" "$SNAP"
	[ "$API_CODE" = 200 ]
}
sget() {
	json_get "$SNAP" "$1"
}
# alert_state ID METRIC STATE: the task's rule is in that state.
alert_state() {
	snap "$1" && [ "$(sget "j['alerts']['$2']['state']")" = "$3" ]
}
# ntasks: how many tasks the daemon has.
ntasks() {
	api rw GET /api/v1/tasks >/dev/null
	json_get "$API_BODY" 'len(j)'
}
# stop ID: stop a task (tasks with thresholds are never deleted here).
stop() {
	api rw POST "/api/v1/tasks/$1/stop" >/dev/null
	[ "$API_CODE" = 202 ] || diag "stop $1: $API_CODE $(cat "$API_BODY")"
}
# header_id FILE: the id of "PING 127.0.0.1: task ID, ..." in FILE.
header_id() {
	sed -n '1s/^[A-Z]* [^ ]*: task \([^ ,]*\),.*/\1/p' "$1"
}
drop_on() {
	ip netns exec "$NS" nft add rule inet lopactlat out \
	    icmp type echo-request drop || diag "nft add rule failed"
}
drop_off() {
	ip netns exec "$NS" nft flush chain inet lopactlat out ||
	    diag "nft flush failed"
}
cleanup_push drop_off

# Background lopactl, bounded by timeout(1), which passes SIGINT on:
# bg NAME ARGS... starts it with its output in $LOPAD_DIR/NAME.out and
# .err, its PID in BG_PID; bg_end PID [LIMIT_MS] waits for it (SIGKILL
# after the limit) and sets rc.  Those not reaped are killed at exit
# (never a PID reaped already, which may be another process's now).
declare -A BG_LIVE=()
bg_kill() {
	local p

	for p in "${!BG_LIVE[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
}
cleanup_push bg_kill
bg() {
	local name=$1

	shift
	timeout -k 2 90 "$LOPACTL" -s "$LOPAD_SOCK" "$@" \
	    >"$LOPAD_DIR/$name.out" 2>"$LOPAD_DIR/$name.err" &
	BG_PID=$!
	BG_LIVE[$BG_PID]=1
}
bg_end() {
	local pid=$1

	if wait_until "${2:-5000}" 50 eval "! proc_alive $pid"; then
		wait "$pid"
		rc=$?
	else
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rc=255
		diag "lopactl (pid $pid) still ran after ${2:-5000} ms: killed"
	fi
	unset "BG_LIVE[$pid]"
}
# warm FILE ERE_FMT: the stream written to FILE is live: a count task
# created now shows up in it (ERE_FMT has a %s for its id).
warm() {
	local id

	task_create ping '{"target":"127.0.0.1","count":1,"interval":"10ms","timeout":"1s"}' ||
	    return 1
	id=$TASK_ID
	# shellcheck disable=SC2059
	wait_until 1500 50 grep -Eq "$(printf "$2" "$id")" "$1"
}

# --- 1. The options build the request

ctl ping 127.0.0.1 --continuous -i 100ms --loss-threshold 5% \
    --latency-threshold 150ms
expect_rc 0 "--loss-threshold, --latency-threshold: created"
T1=$out
snap "$T1"
is "$(sget '[j["params"]["loss_threshold"], j["params"]["latency_threshold"], "thresholds" in j["params"], sorted(j["alerts"])]')" \
    '[0.05, 150000000, false, ["loss", "rtt_avg"]]' \
    "Lopa's fields: loss_threshold 5% is 0.05, latency_threshold in ns; rules loss and rtt_avg"

SECRET=s3cret-$$-$RANDOM
SF=$LOPAD_DIR/client/secret
( umask 077; printf '\n  %s \n' "$SECRET" >"$SF" )
ctl udp "127.0.0.1:$LOPAD_REFL_PORT" --mode continuous -i 200ms \
    --threshold rtt_p99:above:150ms:100ms:3 \
    --threshold loss:above:10%:2%::clear_for=5:min_samples=10:repeat=1m \
    --threshold jitter:below:1ms \
    --webhook http://127.0.0.1:9/hook --webhook-secret-file "$SF"
expect_rc 0 "--threshold three times, --webhook, --webhook-secret-file: created"
T2=$out
snap "$T2"
is "$(sget 'j["params"]["thresholds"]')" \
    '{"jitter": {"below": 1000000, "clear_for": 1, "for": 1, "min_samples": 1, "repeat": 0}, "loss": {"above": 0.1, "clear": 0.02, "clear_for": 5, "for": 1, "min_samples": 10, "repeat": 60000000000}, "rtt_p99": {"above": 150000000, "clear": 100000000, "clear_for": 3, "for": 3, "min_samples": 1, "repeat": 0}}' \
    "--threshold: params.thresholds as given (levels in ns, 10% as 0.1), defaults filled"
is "$(sget '[j["params"]["alert_callback_url"], j["params"]["loss_threshold"], j["params"]["latency_threshold"], sorted(j["alerts"])]')" \
    '["http://127.0.0.1:9/hook", 0.0, 0, ["jitter", "loss", "rtt_p99"]]' \
    "--webhook: params.alert_callback_url; no Lopa threshold"
api rw GET /api/v1/tasks >/dev/null
if grep -qF -- "$SECRET" "$SNAP" "$API_BODY" "$LOPAD_LOG"; then
	not_ok "the webhook secret is shown nowhere (task, list, log)"
else
	ok "the webhook secret is shown nowhere (task, list, log)"
fi
ctl -j task show "$T2"
unlike "$out" "webhook_secret|$SECRET" "task show -j: no webhook_secret"

ctl ping 127.0.0.1 --continuous -i 100ms --threshold loss:above:50% \
    --alert-callback-url=http://127.0.0.1:9/lopa
expect_rc 0 "Lopa's --alert-callback-url: created"
T3=$out
snap "$T3"
is "$(sget '[j["params"]["alert_callback_url"], j["params"]["thresholds"]["loss"]["above"]]')" \
    '["http://127.0.0.1:9/lopa", 0.5]' \
    "--alert-callback-url is --webhook: params.alert_callback_url"

ctl stamp "127.0.0.1:$LOPAD_TWAMP_PORT" --continuous -i 100ms \
    --threshold forward_p99:above:1h --threshold backward_p99:below:0
expect_rc 0 "stamp: one-way rules: created"
T4=$out
snap "$T4"
is "$(sget '[j["type"], j["params"]["thresholds"]["forward_p99"]["above"], j["params"]["thresholds"]["backward_p99"]["below"]]')" \
    '["stamp", 3600000000000, 0]' "stamp: forward_p99 above 1h, backward_p99 below 0"
for t in "$T1" "$T2" "$T3" "$T4"; do
	stop "$t"
done

# --- 2. Usage errors: exit 2, nothing created
before=$(ntasks)
usage_error "--threshold on a count task" \
    '^lopactl: --threshold applies to continuous tasks only \(--continuous or --mode continuous\)$' \
    ping 127.0.0.1 --threshold rtt_avg:above:1ms
usage_error "--loss-threshold with --mode count" \
    '^lopactl: --loss-threshold applies to continuous tasks only' \
    ping 127.0.0.1 --mode count --loss-threshold 5%
usage_error "--webhook on a duration task" \
    '^lopactl: --webhook applies to continuous tasks only' \
    udp 127.0.0.1 -w 5s --webhook http://127.0.0.1:9/
usage_error "--latency-threshold on a twamp count task" \
    '^lopactl: --latency-threshold applies to continuous tasks only' \
    twamp 127.0.0.1 -c 2 --latency-threshold 1ms
usage_error "an unknown metric" \
    '^lopactl: --threshold rtt:above:1ms: unknown metric "rtt": loss, rtt_avg, rtt_p99, jitter, forward_p99, backward_p99, or for passive tasks bps_in, bps_out, pps_in, pps_out, errors_in_rate, errors_out_rate, drops_in_rate, drops_out_rate$' \
    ping 127.0.0.1 --continuous --threshold rtt:above:1ms
usage_error "a loss level over 100%" \
    '^lopactl: --threshold loss:above:150%: level "150%": more than 100%$' \
    ping 127.0.0.1 --continuous --threshold loss:above:150%
usage_error "clear above an above level" \
    '^lopactl: --threshold rtt_p99:above:1ms:2ms: clear is above the level' \
    tcp 127.0.0.1:9 --continuous --threshold rtt_p99:above:1ms:2ms
usage_error "a one-way metric on ping" \
    'forward_p99:above:1ms: only twamp and stamp measure one-way delays$' \
    ping 127.0.0.1 --continuous --threshold forward_p99:above:1ms
usage_error "two rules for one metric" \
    '^lopactl: --threshold: two rules for loss$' \
    ping 127.0.0.1 --continuous --threshold loss:above:5% \
    --threshold loss:above:6%
usage_error "--loss-threshold and --threshold loss" \
    '^lopactl: --loss-threshold is the rule loss:above:LEVEL' \
    ping 127.0.0.1 --continuous --loss-threshold 5% \
    --threshold loss:above:6%
usage_error "--webhook without thresholds" \
    '^lopactl: --webhook receives the notifications of thresholds' \
    ping 127.0.0.1 --continuous --webhook http://127.0.0.1:9/
usage_error "--webhook-secret-file without --webhook" \
    '^lopactl: --webhook-secret-file signs the webhook.s notifications: give --webhook too$' \
    ping 127.0.0.1 --continuous --threshold loss:above:5% \
    --webhook-secret-file "$SF"
usage_error "--webhook not http(s)" \
    '^lopactl: --webhook ftp://127.0.0.1/x: not an http or https URL$' \
    ping 127.0.0.1 --continuous --threshold loss:above:5% \
    --webhook ftp://127.0.0.1/x
usage_error "a secret file that does not exist" \
    "^lopactl: $LOPAD_DIR/client/nosuch: No such file or directory\$" \
    ping 127.0.0.1 --continuous --threshold loss:above:5% \
    --webhook http://127.0.0.1:9/ \
    --webhook-secret-file "$LOPAD_DIR/client/nosuch"
: >"$LOPAD_DIR/client/empty"
usage_error "an empty secret file" \
    '^lopactl: .*/empty: no webhook secret in file$' \
    ping 127.0.0.1 --continuous --threshold loss:above:5% \
    --webhook http://127.0.0.1:9/ \
    --webhook-secret-file "$LOPAD_DIR/client/empty"
usage_error "--loss-threshold 0" \
    '^lopactl: invalid argument "0" to --loss-threshold: must be above 0$' \
    ping 127.0.0.1 --continuous --loss-threshold 0
usage_error "monitor with an unknown verb" \
    '^lopactl: unknown argument "frob" after "monitor"; valid: add, list, show, delete, update, events$' \
    monitor frob
is "$(ntasks)" "$before" "usage errors created no task"

# --- 3. task show
ctl ping 127.0.0.1 --continuous -i 50ms -w 2s \
    --threshold rtt_avg:above:1ns --threshold loss:above:50%:10%:2
expect_rc 0 "rtt_avg above 1ns: created"
T5=$out
wait_until 10000 100 alert_state "$T5" rtt_avg alerting ||
    diag "rtt_avg of $T5 not alerting: $(cat "$SNAP")"
ctl task show "$T5"
expect_rc 0 "task show of a task with thresholds: exit 0"
like "$out" '^thresholds$' "task show: a thresholds block"
like "$out" '^  rtt_avg +alerting, value [0-9]+\.[0-9]{3} ms, worst [0-9]+\.[0-9]{3} ms, since [0-9]{4}-[0-9]{2}-[0-9]{2}T' \
    "task show: rtt_avg alerting, its value, worst and since"
like "$out" '^ {15}>= 0\.000001 ms, clear < 0\.000001 ms, for 1, clear_for 1, min_samples 1$' \
    "task show: rtt_avg's level (1ns), clear and counts"
like "$out" '^ {15}alerts 1, recoveries 0, repeats 0, evaluations [1-9][0-9]*$' \
    "task show: rtt_avg alerted once"
like "$out" '^  loss +ok, value 0\.00%$' "task show: loss ok, 0%"
like "$out" '^ {15}>= 50\.00%, clear < 10\.00%, for 2, clear_for 2, min_samples 1$' \
    "task show: loss's level, clear and counts"
is "$(printf '%s\n' "$out" | grep -E '^(params|thresholds|total)( |$)' | awk '{ print $1 }' | tr '\n' ' ')" \
    'params thresholds total ' "task show: thresholds between params and total"
ctl task show "$T1"
like "$out" '^ {15}>= 5\.00%, clear < 5\.00%$' \
    "task show: Lopa's loss_threshold, without counts (not in params.thresholds)"
like "$out" '^ {15}>= 150 ms, clear < 150 ms$' \
    "task show: Lopa's latency_threshold in ms"
task_create ping '{"target":"127.0.0.1","count":1,"interval":"10ms"}'
task_wait "$TASK_ID" 10000
ctl task show "$TASK_ID"
expect_rc 0 "task show of a task without thresholds: exit 0"
unlike "$out" '^thresholds' "task show: no thresholds block without thresholds"
stop "$T5"

# --- 4. and 5. -f and monitor, while the echo requests are dropped
bg mon monitor
MON_PID=$BG_PID
MON=$LOPAD_DIR/mon.out
wait_until 10000 200 warm "$MON" "^$TS task %s finished\$" ||
    diag "monitor: no line for a count task: $(cat "$MON" "$LOPAD_DIR/mon.err")"
bg fol ping 127.0.0.1 --continuous -f -i 50ms -W 200ms -w 1s \
    --threshold loss:above:20% --threshold rtt_avg:above:1ns
FOL_PID=$BG_PID
FOL=$LOPAD_DIR/fol.out
bg folq ping 127.0.0.1 --continuous -f -q -i 50ms -W 200ms -w 1s \
    --threshold loss:above:20%
FOLQ_PID=$BG_PID
FOLQ=$LOPAD_DIR/folq.out
ctl ping 127.0.0.1 --continuous -i 50ms -W 200ms -w 1s \
    --threshold rtt_avg:above:1ns --threshold loss:above:20%
T6=$out
wait_until 10000 50 grep -Eq "task $T6 ALERT rtt_avg" "$MON" ||
    diag "monitor: no rtt_avg alert of $T6"
wait_until 10000 50 grep -q '^ALERT rtt_avg' "$FOL" ||
    diag "-f: no rtt_avg alert"
drop_on
wait_until 10000 50 grep -Eq "task $T6 ALERT loss" "$MON" ||
    diag "monitor: no loss alert of $T6"
wait_until 5000 50 eval 'grep -q "^ALERT loss" "$FOL" && grep -q "^ALERT loss" "$FOLQ"' ||
    diag "-f: no loss alert"
drop_off
wait_until 10000 50 grep -Eq "task $T6 RECOVERY loss" "$MON" ||
    diag "monitor: no loss recovery of $T6"
wait_until 5000 50 eval 'grep -q "^RECOVERY loss" "$FOL" && grep -q "^RECOVERY loss" "$FOLQ"' ||
    diag "-f: no loss recovery"
stop "$T6"
wait_until 5000 50 grep -Eq "task $T6 stopped" "$MON" ||
    diag "monitor: no stopped line of $T6"

kill -INT "$FOL_PID"
bg_end "$FOL_PID"
is "$rc" 0 "-f with thresholds, SIGINT: exit 0"
F_ID=$(header_id "$FOL")
fol=$(cat "$FOL")
like "$fol" '^seq=[0-9]+ rtt=' "-f: probe lines"
is "$(grep -c '^ALERT rtt_avg [0-9]*\.[0-9]\{3\} ms >= 0\.000001 ms$' "$FOL")" 1 \
    "-f: one ALERT line for rtt_avg above 1ns"
like "$fol" '^ALERT loss [0-9]+\.[0-9]{2}% >= 20\.00%$' "-f: ALERT loss line"
like "$fol" '^RECOVERY loss [0-9]+\.[0-9]{2}% < 20\.00% \(worst [0-9]+\.[0-9]{2}%\)$' \
    "-f: RECOVERY loss line with the worst value"
is "$(grep -E '^(ALERT|RECOVERY) loss' "$FOL" | cut -d' ' -f1 | tr '\n' ' ')" \
    "ALERT RECOVERY " "-f: the loss rule alerted once, then recovered once"
kill -INT "$FOLQ_PID"
bg_end "$FOLQ_PID"
is "$rc" 0 "-f -q, SIGINT: exit 0"
folq=$(cat "$FOLQ")
unlike "$folq" '^seq=' "-f -q: no probe lines"
like "$folq" '^ALERT loss .*' "-f -q: the ALERT line still"
like "$folq" '^RECOVERY loss .*' "-f -q: the RECOVERY line still"
FQ_ID=$(header_id "$FOLQ")
stop "$F_ID"
stop "$FQ_ID"

kill -INT "$MON_PID"
bg_end "$MON_PID"
is "$rc" 0 "monitor, SIGINT: exit 0"
mon=$(cat "$MON")
is "$(cat "$LOPAD_DIR/mon.err")" "" "monitor: nothing on stderr"
like "$mon" "^$TS task $T6 running\$" "monitor: the task's running line"
like "$mon" "^$TS task $T6 ALERT rtt_avg [0-9]+\\.[0-9]{3} ms >= 0\\.000001 ms, target 127\\.0\\.0\\.1\$" \
    "monitor: the rtt_avg ALERT line, with the target"
like "$mon" "^$TS task $T6 ALERT loss [0-9]+\\.[0-9]{2}% >= 20\\.00%, target 127\\.0\\.0\\.1\$" \
    "monitor: the loss ALERT line"
like "$mon" "^$TS task $T6 RECOVERY loss [0-9]+\\.[0-9]{2}% < 20\\.00% \\(worst [0-9]+\\.[0-9]{2}%\\), target 127\\.0\\.0\\.1\$" \
    "monitor: the loss RECOVERY line"
like "$mon" "^$TS task $T6 stopped\$" "monitor: the stopped line"
order=$(printf '%s\n' "$mon" | grep " task $T6 " |
    sed -E "s/^$TS task $T6 ([A-Za-z]+)( ([a-z_]+))?.*/\\1\\3/" | uniq | tr '\n' ' ')
is "$order" "pending running ALERTrtt_avg ALERTloss RECOVERYloss stopped " \
    "monitor: the task's lines in order"
is "$(grep -vEc "^$TS task [^ ]+ " "$MON")" 0 "monitor: every line is TIME task ID WHAT"
like "$mon" "^$TS task $F_ID ALERT loss" "monitor: the followed task's alerts too"

# --- 6. events -j
bg evj -j events
EVJ_PID=$BG_PID
EVJ=$LOPAD_DIR/evj.out
wait_until 10000 200 warm "$EVJ" '"status":"finished","task_id":"%s"' ||
    diag "events -j: no line for a count task: $(cat "$EVJ" "$LOPAD_DIR/evj.err")"
ctl ping 127.0.0.1 --continuous -i 50ms --threshold rtt_avg:above:1ns
T7=$out
wait_until 10000 50 grep -q "\"event\":\"alert\",\"task_id\":\"$T7\"" "$EVJ" ||
    diag "events -j: no alert of $T7"
stop "$T7"
wait_until 5000 50 grep -q "\"status\":\"stopped\",\"task_id\":\"$T7\"" "$EVJ" ||
    diag "events -j: no stopped event of $T7"
kill -INT "$EVJ_PID"
bg_end "$EVJ_PID"
is "$rc" 0 "events -j, SIGINT: exit 0"
is "$(python3 - "$EVJ" "$T7" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
docs = [json.loads(l) for l in lines]
mine = [d for d in docs if d.get("task_id") == sys.argv[2]]
st = [d["status"] for d in mine if "status" in d and "event" not in d]
al = [[d["event"], d["metric"], d["threshold_value"], d["direction"],
       d["target"], d["reason"], d["threshold"]]
      for d in mine if d.get("event") == "alert"]
print(json.dumps([len(lines) == len(docs) > 0, st, al]))
EOF
)" "[true, [\"pending\", \"running\", \"stopped\"], [[\"alert\", \"rtt_avg\", 1, \"above\", \"127.0.0.1\", \"latency\", \"1ns\"]]]" \
    "events -j: a JSON document a line: the task's states, then its alert as the daemon sent it"

# --- 7. The daemon goes away under monitor
bg mon2 monitor
MON2_PID=$BG_PID
wait_until 10000 200 warm "$LOPAD_DIR/mon2.out" "^$TS task %s finished\$" ||
    diag "monitor: no line for a count task"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0 (tasks with thresholds stopped, not deleted)"
bg_end "$MON2_PID" 5000
is "$rc" 3 "monitor: the daemon went away: exit 3"
like "$(cat "$LOPAD_DIR/mon2.err")" "^lopactl: $LOPAD_SOCK: " \
    "monitor: stderr names the socket"
ctl monitor
is "$rc" 3 "monitor without a daemon: exit 3"

done_testing
