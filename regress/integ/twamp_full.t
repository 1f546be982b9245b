#!/bin/bash
#
# Full TWAMP (RFC 5357): a twamp task with control: true in lopad A
# negotiates its test session over TWAMP-Control with lopad B's server
# (reflector.twamp_addr), in two namespaces joined by a veth (TAP):
#  - a session: sent == received, the reflector's own sequence numbers
#    0..N-1, sane figures; two rounds: two sessions, "stateful"; B's
#    counters under reflector.twamp_control (sessions accepted and
#    ended, test packets reflected); tshark's twamp.control dissector on
#    the control connection: no malformed packets or expert warnings,
#    the commands and Accepts in order, Stop-Sessions last;
#  - receiver_port asked for and used; a continuous task stopped: its
#    session ends on B too;
#  - refusals become task errors naming the Accept: padding above B's
#    reflector.twamp_max_padding (4), a receiver port below 1024 (1);
#  - a fake server greeting with Count 512 (reached with control_port):
#    the task fails naming the Count; a silent one: it fails on
#    sender.twamp_response_timeout (2 s here) in time; nothing listening:
#    connection refused;
#  - the API: control only for twamp, control_port and receiver_port
#    checked and only with control: true;
#  - A's sender survived it all (seccomp, sandbox).

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 34

netns_new A
netns_new B
netns_veth "$A" "198.18.0.1/24" "$B" "198.18.0.2/24"
lopad_init

# Two daemons: B (server) then A (client), each with its own files;
# use_a / use_b point lopad.sh's variables at one of them.
B_SOCK=$LOPAD_DIR/b.sock B_RSOCK=$LOPAD_DIR/b.rsock
B_CONF=$LOPAD_DIR/b.conf B_LOG=$LOPAD_DIR/b.log B_STATE=$LOPAD_DIR/b.state
A_SOCK=$LOPAD_DIR/a.sock A_RSOCK=$LOPAD_DIR/a.rsock
A_CONF=$LOPAD_DIR/a.conf A_LOG=$LOPAD_DIR/a.log A_STATE=$LOPAD_DIR/a.state
use_b() {
	LOPAD_SOCK=$B_SOCK LOPAD_RSOCK=$B_RSOCK LOPAD_CONF=$B_CONF
	LOPAD_LOG=$B_LOG LOPAD_STATE=$B_STATE LOPAD_PID=$B_PID LOPAD_NS=$B
}
use_a() {
	LOPAD_SOCK=$A_SOCK LOPAD_RSOCK=$A_RSOCK LOPAD_CONF=$A_CONF
	LOPAD_LOG=$A_LOG LOPAD_STATE=$A_STATE LOPAD_PID=$A_PID LOPAD_NS=$A
}

B_PID= A_PID=
use_b
lopad_start "$B" "reflector:
  addr: \"\"
  twamp_addr: \"198.18.0.2:862\"
  twamp_max_padding: 200" || give_up "lopad B did not start"
B_PID=$LOPAD_PID
B_KIDS=("${LOPAD_CHILDREN[@]}")
use_a
lopad_start "$A" "sender:
  twamp_response_timeout: 2s" || give_up "lopad A did not start"
A_PID=$LOPAD_PID
A_SENDER=$(lopad_role_pid sender)
LOPAD_CHILDREN+=("${B_KIDS[@]}")
ok "two lopads: B serves TWAMP-Control on 198.18.0.2:862, A runs tasks"

# B's reflector.twamp_control counters: "accepted ended reflected".
b_counters() {
	use_b
	api rw GET /api/v1/status >/dev/null
	json_get "$API_BODY" 'j["reflector"]["twamp_control"]' >"$LOPAD_DIR/ctl.json"
	python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
s = c["sessions"]
print(s["accepted"], s["ended"], s["reflected"])
' "$LOPAD_DIR/ctl.json"
	use_a
}

# run JSON [LIMIT_MS]: create a twamp task in A and wait for its end.
run() {
	use_a
	if ! task_create twamp "$1"; then
		diag "twamp $1: $API_CODE $(cat "$API_BODY")"
		return 1
	fi
	task_wait "$TASK_ID" "${2:-30000}"
}

# tshark on B's side of the veth, the control connection only.
have_tshark=0
if command -v tshark >/dev/null 2>&1; then
	have_tshark=1
	PCAP=$LOPAD_DIR/ctl.pcap
	chmod 777 "$LOPAD_DIR"
	ip netns exec "$B" tshark -i "$NETNS_IF2" -f "tcp port 862" \
	    -w "$PCAP" -a duration:60 >"$LOPAD_DIR/tshark.out" 2>&1 &
	tshark_pid=$!
	cleanup_push "kill $tshark_pid 2>/dev/null"
	wait_until 10000 100 grep -q "Capturing on" "$LOPAD_DIR/tshark.out" ||
	    diag "tshark did not say it was capturing"
fi

N=20
run '{"target":"198.18.0.2","control":true,"count":'$N',"interval":"20ms",
    "timeout":"1s","padding":100,"dscp":46}'
is "$(task_get 'j["status"]')" finished "a full TWAMP session finishes" ||
    diag "$(task_get 'j.get("error")')"
is "$(task_get '"%d %d" % (j["total"]["sent"], j["total"]["received"])')" \
    "$N $N" "sent == received == $N"
api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
is "$(json_get "$API_BODY" '" ".join(str(s["reflector_seq"]) for s in (j["samples"] if isinstance(j, dict) else j) if "reflector_seq" in s)')" \
    "$(seq -s ' ' 0 $((N - 1)))" \
    "the reflector's own sequence numbers: 0..$((N - 1))"
check "the figures are sane (0 < min <= avg <= max < 1 s, no router either way)" \
    task_get '(lambda t, w: 0 < t["min_rtt"] <= t["avg_rtt"] <= t["max_rtt"] < 10**9 and w["replies"] == '$N' and w["hops"]["forward"] == 0 and w["hops"]["backward"] == 0 and w["nonconformant"] == 0)(j["total"], j["total"]["twamp"]) or exit(1)'
is "$(task_get '"%s %s" % (j["params"]["control"], j["params"]["receiver_port"])')" \
    "True 0" "the task shows control: true, receiver_port 0"
for i in $(seq 50); do
	c=$(b_counters)
	[ "$(echo "$c" | cut -d' ' -f2)" = 1 ] && break
	sleep 0.1
done
is "$c" "1 1 $N" "B: one session accepted, ended, $N packets reflected"

if [ "$have_tshark" = 1 ]; then
	sleep 0.5
	kill -INT "$tshark_pid" 2>/dev/null
	wait "$tshark_pid" 2>/dev/null
	dis=$(tshark -r "$PCAP" -d "tcp.port==862,twamp.control" -V 2>&1)
	unlike "$dis" "[Mm]alformed" "tshark: no malformed packet"
	exp=$(tshark -r "$PCAP" -d "tcp.port==862,twamp.control" -q \
	    -z expert 2>&1)
	unlike "$exp" "^(Errors|Warns) " "tshark: no expert errors or warnings"
	f=$(tshark -r "$PCAP" -d "tcp.port==862,twamp.control" \
	    -Y twamp.control -T fields -e twamp.control.modes \
	    -e twamp.control.command -e twamp.control.accept 2>/dev/null |
	    awk '{ $1 = $1; if ($0 != "") print }' | tr '\n' '/')
	# Greeting, Server-Start, Request, Accept, Start, Ack, Stop.
	is "$f" "1/0/5/0/2/0/3 0/" \
	    "tshark: modes 1, accept 0, command 5, accept 0, 2, accept 0, stop 3 0"
else
	for d in "tshark: no malformed" "tshark: no expert" "tshark: fields"; do
		skip "$d" "tshark is not installed"
	done
fi

# Two rounds: a session each; the reflector restarts at 0 while our
# numbers go on, so it shows as stateful, nothing lost.
run '{"target":"198.18.0.2:862","control":true,"count":5,"rounds":2,
    "interval":"20ms","round_delay":"100ms"}'
is "$(task_get '"%s %d" % (j["status"], j["total"]["received"])')" \
    "finished 10" "two rounds: two sessions, 10 replies"
is "$(task_get '(lambda w: "%s %d %d" % (w["reflector"], w.get("forward_lost", -1), w.get("backward_lost", -1)))(j["total"]["twamp"])')" \
    "stateful 0 0" "two rounds: a stateful reflector, nothing lost either way"

# A receiver port asked for: B logs the session on it.
run '{"target":"198.18.0.2","control":true,"count":3,"interval":"20ms",
    "receiver_port":40123}'
is "$(task_get '"%s %d" % (j["status"], j["total"]["received"])')" \
    "finished 3" "receiver_port 40123: finished, 3 replies"
use_b
log_like "session on port 40123 ended" "B reflected on port 40123"
use_a

# A continuous task, stopped: Stop-Sessions, B ends the session.
before=$(b_counters | cut -d' ' -f2)
use_a
task_create twamp '{"target":"198.18.0.2","control":true,"mode":"continuous",
    "interval":"50ms"}'
id=$TASK_ID
sleep 1
api rw POST "/api/v1/tasks/$id/stop" >/dev/null
task_wait "$id" 5000
is "$(task_get '"%s %d" % (j["status"], j["total"]["received"] > 5)')" \
    "stopped 1" "a continuous session runs until stopped"
for i in $(seq 30); do
	after=$(b_counters | cut -d' ' -f2)
	[ "$after" -gt "$before" ] && break
	sleep 0.1
done
is "$after" "$((before + 1))" "B ended the stopped session"

# Refusals, with their Accept codes.
run '{"target":"198.18.0.2","control":true,"count":3,"padding":300}'
is "$(task_get 'j["status"]')" failed "padding above B's limit: failed"
is "$(task_get 'j["error"]')" \
    "TWAMP-Control: Accept-Session refused: cannot perform the request due to permanent resource limitations (4)" \
    "the error names Accept-Session and Accept 4"
run '{"target":"198.18.0.2","control":true,"count":3,"receiver_port":1000}'
like "$(task_get 'j["error"]')" \
    "^TWAMP-Control: Accept-Session refused: .* \(1\)$" \
    "receiver port 1000: Accept-Session refused, Accept 1"

# Fake servers in B.
FAKE=$LOPAD_DIR/fake.py
cat >"$FAKE" <<'EOF'
# fake.py MODE PORT: count512 greets with Count 512; silent says nothing.
import os, socket, struct, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("198.18.0.2", port))
l.listen(8)
print("ready", flush=True)
held = []
while True:
    c, _ = l.accept()
    if mode == "count512":
        c.sendall(bytes(12) + struct.pack(">I", 1) + os.urandom(32) +
                  struct.pack(">I", 512) + bytes(12))
    held.append(c)
EOF
for m in count512:8620 silent:8621; do
	ip netns exec "$B" python3 "$FAKE" "${m%:*}" "${m#*:}" \
	    >"$LOPAD_DIR/fake-${m%:*}.out" 2>&1 &
	cleanup_push "kill $! 2>/dev/null"
	wait_until 5000 50 grep -q ready "$LOPAD_DIR/fake-${m%:*}.out" ||
	    diag "fake server $m did not start"
done
run '{"target":"198.18.0.2","control":true,"control_port":8620,"count":3}'
is "$(task_get '"%s: %s" % (j["status"], j["error"])')" \
    "failed: TWAMP-Control: Server Greeting Count 512: below 1024" \
    "greeting Count 512 (control_port 8620): failed, naming the Count"
t0=$(now_ms)
run '{"target":"198.18.0.2:8621","control":true,"count":3}' 10000
t=$(($(now_ms) - t0))
like "$(task_get 'j["error"]')" \
    "^TWAMP-Control: no Server Greeting from 198\.18\.0\.2 port 8621 within 2s \(sender\.twamp_response_timeout\)$" \
    "a silent server: failed on the response timeout"
check "... after about 2 s (${t} ms)" test "$t" -ge 1900 -a "$t" -lt 5000
run '{"target":"198.18.0.2:8622","control":true,"count":3}'
is "$(task_get 'j["error"]')" \
    "TWAMP-Control: connect to 198.18.0.2 port 8622: Connection refused" \
    "nothing listening: connection refused"

# The API.
bad() {
	use_a
	api rw POST "/api/v1/tasks/$1" -H 'Content-Type: application/json' \
	    --data-binary "$2" >/dev/null
	echo "$API_CODE $(json_get "$API_BODY" 'j["detail"]')"
}
like "$(bad stamp '{"target":"198.18.0.2","control":true}')" \
    "^400 control: only twamp tasks" "stamp with control: 400 naming control"
like "$(bad twamp '{"target":"198.18.0.2","control_port":862}')" \
    "^400 control_port: only with control: true" \
    "control_port without control: 400"
like "$(bad twamp '{"target":"198.18.0.2","control":true,"receiver_port":70000}')" \
    "^400 receiver_port: must be between 0" "receiver_port 70000: 400"
like "$(bad twamp '{"target":"198.18.0.2:863","control":true,"control_port":862}')" \
    "^400 control_port: 862, but the target says 863" \
    "control_port and a target port that differ: 400"
like "$(bad twamp '{"target":"198.18.0.2","receiver_port":2000}')" \
    "^400 receiver_port: only with control: true" \
    "receiver_port without control: 400"
like "$(bad twamp '{"target":"198.18.0.2","control":"yes"}')" \
    "^400 control: expected true or false" "control must be a boolean"

# IPv4 light still works next to it, and the sender lived through it all.
run '{"target":"198.18.0.2","count":3,"interval":"20ms"}'
is "$(task_get 'j["status"]')" finished "TWAMP-light to B still works"
is "$(lopad_role_pid sender)" "$A_SENDER" \
    "A's sender is the one it started with (not killed by its sandbox)"
unlike "$(grep -i 'seccomp\|killed\|signal' "$A_LOG")" "." \
    "A's log has no sandbox kill"
check "B is alive" proc_alive "$B_PID"
check "A is alive" proc_alive "$A_PID"

use_b
lopad_stop
use_a
lopad_stop
done_testing
