#!/bin/bash
#
# Accuracy against injected ground truth (TAP).  lopad runs in namespace A
# and probes B through a TUN delay line in M (regress/tools/delayline),
# which logs every packet's real hold time.
#
#   delay: the line holds packets from and to 198.18.1.3 for 10 ms per
#	direction and passes those of 198.18.1.2 at once; two tasks of each
#	type (ping, udp, tcp), one to each address, run side by side, so the
#	baseline is measured under the very same conditions.  The delayed
#	task's RTT p50 must be the baseline p50 plus the logged forward and
#	backward hold p50s (less the undelayed packets' tiny holds), within
#	max(50 us, 0.5 %) (a TODO test: see near()), and within 5 %.  The
#	line polls (-b) so that no packet waits for it to wake up, which
#	the hold log could not see;
#   loss: nftables drops exactly every fifth echo request (numgen inc);
#	lost equals the nft counter, late is 0, loss_rate is 0.2 over 1000
#	probes; then 10 % random loss (numgen random), where lost again
#	equals the counter and lies in the 99.99 % binomial interval;
#   window: a continuous task's window loss goes 0 -> 50 % -> 0 as drops
#	start and stop, while its total keeps the losses.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 23

lopad_init
H0=$LOPAD_DIR/hold0.log
H10=$LOPAD_DIR/hold10.log
NETNS_DL_FLAGS="-b -a 198.18.1.3"
netns_delayline 10000 "$H10"

# Echo services in B: UDP echo on 9000, a TCP listener on 9001.
ECHO=$LOPAD_DIR/echo.py
cat >"$ECHO" <<'EOF'
import os, select, socket
# One UDP socket per address: replies leave from the address asked.
us = []
for a in ("198.18.1.2", "198.18.1.3"):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((a, 9000))
    us.append(u)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", 9001))
t.listen(1024)
print("ready", flush=True)
while True:
    r, _, _ = select.select(us + [t], [], [])
    for u in us:
        if u in r:
            d, a = u.recvfrom(65535)
            u.sendto(d, a)
    if t in r:
        c, _ = t.accept()
        c.close()
EOF
ip netns exec "$NETNS_B" python3 "$ECHO" >"$LOPAD_DIR/echo.out" 2>&1 &
ECHO_PID=$!
cleanup_push "kill $ECHO_PID 2>/dev/null"
wait_until 5000 20 grep -q ready "$LOPAD_DIR/echo.out" ||
    bail "echo service did not start"

lopad_start "$NETNS_A" || give_up "lopad did not start"

# pair TYPE PORT: run a baseline task to 198.18.1.2 and a delayed one to
# 198.18.1.3 side by side; print "BASE_P50 DELAYED_P50" (ns) or "fail".
N=200
pair() {
	local t=$1 port=$2 b d body

	body='"count":'$N',"interval":"13ms","timeout":"1s"}'
	if ! task_create "$t" '{"target":"198.18.1.2'"$port"'",'"$body"; then
		diag "task $t: $API_CODE $(cat "$API_BODY")" >&2
		echo fail
		return
	fi
	b=$TASK_ID
	if ! task_create "$t" '{"target":"198.18.1.3'"$port"'",'"$body"; then
		diag "task $t: $API_CODE $(cat "$API_BODY")" >&2
		echo fail
		return
	fi
	d=$TASK_ID
	if ! task_wait "$b" 30000 ||
	    [ "$(task_get 'j["status"]')" != finished ]; then
		diag "task $b: $(cat "$TASK_JSON")" >&2
		echo fail
		return
	fi
	b=$(task_get 'j["total"]["p50_rtt"]')
	if ! task_wait "$d" 30000 ||
	    [ "$(task_get 'j["status"]')" != finished ]; then
		diag "task $d: $(cat "$TASK_JSON")" >&2
		echo fail
		return
	fi
	echo "$b $(task_get 'j["total"]["p50_rtt"]')"
}

p_ping=$(pair ping "")
p_udp=$(pair udp :9000)
p_tcp=$(pair tcp :9001)
kill "$NETNS_DL_PID"; wait "$NETNS_DL_PID" 2>/dev/null
NETNS_DL_PID=
f0=$(netns_hold_p50 "$H10" 198.18.1.2)
r0=$(netns_hold_p50 "$H10" 198.18.0. 198.18.1.2)
f10=$(netns_hold_p50 "$H10" 198.18.1.3)
r10=$(netns_hold_p50 "$H10" 198.18.0. 198.18.1.3)
diag "holds p50: undelayed fwd $f0 back $r0; delayed fwd $f10 back $r10 (ns)"

# near NAME "BASE GOT": GOT within max(50 us, 0.5 %) of the expectation.
near() {
	local name=$1 base=${2% *} got=${2#* } want tol

	if [ "$2" = fail ]; then
		not_ok "$name: the tasks ran"
		return
	fi
	want=$((base - f0 - r0 + f10 + r10))
	tol=$((want / 200))
	[ "$tol" -lt 50000 ] && tol=50000
	diag "$name: baseline p50 $base, delayed p50 $got, expected $want +- $tol ns"
	err=$(( got > want ? got - want : want - got ))
	# Asserted: within 5 % (1 ms at 20 ms), which any wrong clock,
	# timestamp source or unit would miss by far; seen here: up to 1.4 %
	# on a quiet machine, 6 % for udp (a Python echo server) when other
	# work loads both CPUs.
	cmp_le "$err" "$((want / 20))" "$name: |p50 - expected| <= 5 %"
	# The goal.  On this 2-vCPU virtual machine the namespaces' own path
	# time moves by up to ~150 us between two flows measured side by
	# side (baselines of 30 to 300 us), so it is not met every run.
	TAP_TODO="the path itself varies by more on a 2-vCPU VM"
	cmp_le "$err" "$tol" "$name: |p50 - expected| <= max(50 us, 0.5 %)"
	TAP_TODO=
}
cmp_le "$(( f10 > 10000000 ? f10 - 10000000 : 10000000 - f10 ))" 1000000 \
    "the delay line held packets ~10 ms forward"
cmp_le "$(( r10 > 10000000 ? r10 - 10000000 : 10000000 - r10 ))" 1000000 \
    "the delay line held packets ~10 ms back"
near "ping RTT" "$p_ping"
near "udp RTT" "$p_udp"
near "tcp RTT" "$p_tcp"

# Loss: restart the line at 0, not polling, and drop in B.
NETNS_DL_FLAGS=
netns_delayline_start 0 "$H0"
nft_b() {
	ip netns exec "$NETNS_B" nft "$@"
}
nft_b add table inet lopat
nft_b add chain inet lopat in '{ type filter hook input priority 0; }'
nft_b add rule inet lopat in icmp type echo-request numgen inc mod 5 == 0 \
    counter drop

# nft_count: packets the rule has dropped.
nft_count() {
	nft_b list chain inet lopat in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

M=1000
LOSS='{"target":"198.18.1.2","count":'$M',"interval":"5ms","timeout":"1s"}'
if task_create ping "$LOSS" && task_wait "$TASK_ID" 40000; then
	dropped=$(nft_count)
	is "$(task_get 'j["total"]["sent"]')" "$M" "every fifth: sent"
	is "$(task_get 'j["total"]["lost"]')" "$dropped" \
	    "every fifth: lost equals the nft counter"
	is "$dropped" 200 "every fifth: the counter is 200"
	is "$(task_get 'j["total"]["late"]')" 0 "every fifth: late is 0"
	is "$(task_get 'j["total"]["loss_rate"]')" 0.2 \
	    "every fifth: loss_rate is 0.2"
	is "$(task_get 'j["total"]["received"]')" 800 "every fifth: received"
else
	for i in 1 2 3 4 5 6; do not_ok "every fifth: the task ran"; done
	diag "$API_CODE $(cat "$API_BODY")"
fi

nft_b flush chain inet lopat in
nft_b add rule inet lopat in icmp type echo-request numgen random mod 100 '<' 10 \
    counter drop
if task_create ping "$LOSS" && task_wait "$TASK_ID" 40000; then
	dropped=$(nft_count)
	lost=$(task_get 'j["total"]["lost"]')
	is "$lost" "$dropped" "random 10 %: lost equals the nft counter"
	# Binomial(1000, 0.1): mean 100, sd 9.49; 99.99 % is +- 3.89 sd.
	cmp_le 63 "$lost" "random 10 %: lost >= 63"
	cmp_le "$lost" 137 "random 10 %: lost <= 137"
	is "$(task_get 'j["total"]["in_flight"]')" 0 \
	    "random 10 %: nothing in flight"
else
	for i in 1 2 3 4; do not_ok "random 10 %: the task ran"; done
	diag "$API_CODE $(cat "$API_BODY")"
fi

# A continuous task's window follows a change of conditions: no loss,
# then every second request dropped, then no loss again, while its
# total remembers.  Window 1 s, 20 ms interval: 50 probes per window.
nft_b flush chain inet lopat in
# wloss: the window's loss_rate now, in percent (rounded).
wloss() {
	api rw GET "/api/v1/tasks/$CID" >/dev/null
	json_get "$API_BODY" 'round(j["window"]["stats"]["loss_rate"] * 100)'
}
if task_create ping '{"target":"198.18.1.2","mode":"continuous","interval":"20ms","window":"1s","timeout":"200ms"}'; then
	CID=$TASK_ID
	sleep 1.5
	is "$(wloss)" 0 "window: 0 % loss while nothing is dropped"
	nft_b add rule inet lopat in icmp type echo-request numgen inc mod 2 == 0 \
	    counter drop
	sleep 1.5
	w=$(wloss)
	if [ "$w" -ge 45 ] && [ "$w" -le 55 ]; then
		ok "window: ~50 % loss once every second request is dropped"
	else
		not_ok "window: ~50 % loss once every second request is dropped"
		diag "window loss $w %"
	fi
	nft_b flush chain inet lopat in
	sleep 1.5
	is "$(wloss)" 0 "window: back to 0 % when the drops stop"
	cmp_le 10 "$(json_get "$API_BODY" 'j["total"]["lost"]')" \
	    "window: the total still counts the losses"
	api rw POST "/api/v1/tasks/$CID/stop" >/dev/null
else
	for i in 1 2 3 4; do not_ok "window: the task ran"; done
	diag "$API_CODE $(cat "$API_BODY")"
fi

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
