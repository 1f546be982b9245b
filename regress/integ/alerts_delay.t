#!/bin/bash
#
# Latency thresholds against an injected delay (TAP).  A pings B through
# the TUN delay line in M (regress/tools/delayline, its delay changed
# while it runs: netns_delayline_set); lopad in A has a continuous ping
# task with rtt_avg above 20 ms (clear 10 ms, for 3) and rtt_p99 above
# 30 ms.  At 0 ms nothing alerts; at 40 ms (each way: 80 ms more RTT)
# each rule alerts exactly once, with a value that the delay explains; back at 0 ms each recovers
# exactly once; the loss rule never fires.  The events of
# /api/v1/events are the witnesses.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 10

need_root
lopad_init
HOLD=$LOPAD_DIR/hold.log
netns_delayline 0 "$HOLD"

lopad_start "$NETNS_A" || give_up "lopad did not start"
EV=$LOPAD_DIR/events.sse
timeout 60 curl -sN --unix-socket "$LOPAD_RSOCK" \
    http://lopad/api/v1/events >"$EV" 2>/dev/null &
evpid=$!
cleanup_push "kill $evpid 2>/dev/null"

task_create ping '{"target":"198.18.1.2","mode":"continuous","interval":"50ms","timeout":"1s","window":"1s","thresholds":{"rtt_avg":{"above":"20ms","clear":"10ms","for":3},"rtt_p99":{"above":"30ms","clear":"15ms","for":3},"loss":{"above":0.2,"min_samples":5}}}' ||
    give_up "create: $API_CODE $(cat "$API_BODY")"
T=$TASK_ID

# notes METRIC EVENT: how many such alert events the stream has.
notes() {
	python3 - "$EV" "$T" "$1" "$2" <<'EOF'
import json, sys
n = 0
for block in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    ev = data = None
    for line in block.split("\n"):
        if line.startswith("event: "): ev = line[7:]
        elif line.startswith("data: "): data = line[6:]
    if ev != "alert" or data is None: continue
    d = json.loads(data)
    if d["task_id"] == sys.argv[2] and d["metric"] == sys.argv[3] and \
       d["event"] == sys.argv[4]:
        n += 1
print(n)
EOF
}

# value METRIC EVENT: the value (ns) of the first such event.
value() {
	python3 - "$EV" "$T" "$1" "$2" <<'EOF'
import json, sys
for block in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    ev = data = None
    for line in block.split("\n"):
        if line.startswith("event: "): ev = line[7:]
        elif line.startswith("data: "): data = line[6:]
    if ev != "alert" or data is None: continue
    d = json.loads(data)
    if d["task_id"] == sys.argv[2] and d["metric"] == sys.argv[3] and \
       d["event"] == sys.argv[4]:
        print(int(d["value"])); break
else:
    print(-1)
EOF
}

sleep 2
is "$(notes rtt_avg alert) $(notes rtt_p99 alert)" "0 0" \
    "no delay: no latency alert"

netns_delayline_set 40000 "$HOLD" || bail "cannot change the delay"
wait_until 10000 100 eval '[ "$(notes rtt_avg alert)" -ge 1 ] && [ "$(notes rtt_p99 alert)" -ge 1 ]'
result $? "40 ms injected: rtt_avg and rtt_p99 alert"
v=$(value rtt_avg alert)
cmp_le 20000000 "$v" "the rtt_avg alert's value is at least the level (20 ms): $v ns"
cmp_le "$v" 85000000 "... and no more than the delay explains (85 ms): $v ns"
v=$(value rtt_p99 alert)
if [ "$v" -ge 78000000 ] && [ "$v" -le 95000000 ]; then
	ok "the rtt_p99 alert's value is the delayed RTT (80 ms + the path): $v ns"
else
	not_ok "the rtt_p99 alert's value is the delayed RTT (80 ms + the path): $v ns"
fi
sleep 2
is "$(notes rtt_avg alert) $(notes rtt_p99 alert)" "1 1" \
    "while the delay lasts: exactly one alert each"

netns_delayline_set 0 "$HOLD" || bail "cannot change the delay"
wait_until 10000 100 eval '[ "$(notes rtt_avg recovery)" -ge 1 ] && [ "$(notes rtt_p99 recovery)" -ge 1 ]'
result $? "the delay gone: rtt_avg and rtt_p99 recover"
sleep 2
is "$(notes rtt_avg alert) $(notes rtt_avg recovery) $(notes rtt_p99 alert) $(notes rtt_p99 recovery)" \
    "1 1 1 1" "one alert and one recovery each, no more"
is "$(notes loss alert)" 0 "the loss rule never fired"
api rw POST "/api/v1/tasks/$T/stop" >/dev/null
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
