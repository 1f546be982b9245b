#!/bin/bash
#
# Hard conditions for the sender (TAP).  lopad in namespace A probes B
# through the delay line in M (regress/tools/delayline), at 0 at first.
#
#   tcp SYN loss: nftables drops every fifth SYN to B; the kernel sends
#	it again after about a second and the retry connects, within the
#	timeout.  Those probes are lost, never answers with a one-second
#	RTT.
#   tcp to a server that accepts and closes at once: the handshake RTT
#	still comes from TCP_INFO (the socket is in CLOSE_WAIT by then).
#   a stalled sender: SIGSTOP for a second in the middle of a fast
#	continuous ping, then SIGCONT.  It must not send the missed probes
#	in a burst (which overran its ring and counted the burst as lost):
#	the schedule skips ahead, and next to nothing is lost;
#   many replies waiting: 50 sessions at 10 ms over a 200 ms RTT have
#	1000 probes in flight when the sender stops for 400 ms; their
#	replies wait in the shared raw socket's buffer (which must hold
#	them) with kernel timestamps in time, and the timeouts that expired
#	meanwhile must not run before the socket is read: none is lost.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 14

lopad_init
netns_delayline 0 "$LOPAD_DIR/hold.log"
A=$NETNS_A
B=$NETNS_B

# In B: a listener that keeps connections open (9001) and one that
# closes each at once (9002).
SRV=$LOPAD_DIR/srv.py
cat >"$SRV" <<'EOF'
import select, socket
def listener(port):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", port))
    t.listen(1024)
    return t
keep, close = listener(9001), listener(9002)
held = []
print("ready", flush=True)
while True:
    r, _, _ = select.select([keep, close], [], [])
    if keep in r:
        c, _ = keep.accept()
        held.append(c)
        if len(held) > 200:
            held.pop(0).close()
    if close in r:
        c, _ = close.accept()
        c.close()
EOF
ip netns exec "$B" python3 "$SRV" >"$LOPAD_DIR/srv.out" 2>&1 &
cleanup_push "kill $! 2>/dev/null"
wait_until 5000 20 grep -q ready "$LOPAD_DIR/srv.out" ||
    bail "servers did not start"

ip netns exec "$B" nft add table inet lopast
ip netns exec "$B" nft add chain inet lopast in \
    '{ type filter hook input priority 0; }'
ip netns exec "$B" nft add rule inet lopast in tcp dport 9001 \
    'tcp flags & (syn | ack) == syn' numgen inc mod 5 == 0 counter drop

lopad_start "$A" || give_up "lopad did not start"

# tcp with every fifth SYN dropped.
if task_create tcp '{"target":"198.18.1.2:9001","count":10,"interval":"100ms","timeout":"3s"}' &&
    task_wait "$TASK_ID" 20000; then
	dropped=$(ip netns exec "$B" nft list chain inet lopast in |
	    sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	diag "SYNs dropped: $dropped"
	# A retried SYN can be dropped too (numgen counts every SYN), so a
	# probe may account for two drops.
	lost=$(task_get 'j["total"]["lost"]')
	if [ "$lost" -ge $(((dropped + 1) / 2)) ] && [ "$lost" -le "$dropped" ]; then
		ok "SYN loss: each probe whose SYN was dropped is lost"
	else
		not_ok "SYN loss: each probe whose SYN was dropped is lost"
		diag "lost $lost, SYNs dropped $dropped"
	fi
	is "$(task_get 'j["total"]["received"] + j["total"]["lost"]')" 10 \
	    "SYN loss: the others answered"
	cmp_le "$(task_get 'j["total"]["max_rtt"]')" 500000000 \
	    "SYN loss: no answer carries a retransmission's RTT"
else
	for i in 1 2 3; do not_ok "SYN loss: the task ran"; done
	diag "$API_CODE $(cat "$API_BODY")"
fi

# Accept and close: TCP_INFO all the same.
if task_create tcp '{"target":"198.18.1.2:9002","count":20,"interval":"50ms","timeout":"1s"}' &&
    task_wait "$TASK_ID" 20000; then
	is "$(task_get 'j["total"]["received"]')" 20 "accept and close: 20 answers"
	api rw GET "/api/v1/tasks/$TASK_ID/samples?last=20" >/dev/null
	is "$(json_get "$API_BODY" \
	    'sum(1 for x in j if x.get("timestamp_source") == "tcp_info")')" 20 \
	    "accept and close: every RTT from TCP_INFO"
else
	for i in 1 2; do not_ok "accept and close: the task ran"; done
	diag "$API_CODE $(cat "$API_BODY")"
fi

# A stalled sender.
sender=$(lopad_role_pid sender)
if task_create ping '{"target":"198.18.1.2","mode":"continuous","interval":"10ms","timeout":"30ms","window":"10s"}'; then
	CID=$TASK_ID
	sleep 0.5
	kill -STOP "$sender"
	sleep 1
	kill -CONT "$sender"
	sleep 0.5
	api rw POST "/api/v1/tasks/$CID/stop" >/dev/null
	task_wait "$CID" 5000
	sent=$(task_get 'j["total"]["sent"]')
	lost=$(task_get 'j["total"]["lost"]')
	diag "stalled sender: sent $sent, lost $lost, late $(task_get 'j["total"]["late"]')"
	cmp_le "$sent" 130 "stall: the missed probes were not sent in a burst"
	cmp_le 80 "$sent" "stall: it goes on after SIGCONT"
	cmp_le "$lost" 5 "stall: at most the probes in flight at the stop are lost"
	api rw GET /api/v1/status >/dev/null
	cmp_le 50 "$(json_get "$API_BODY" 'j["sender"]["schedule_slips"]')" \
	    "stall: the skipped probe times are counted in the status"
else
	for i in 1 2 3 4; do not_ok "stall: the task ran"; done
	diag "$API_CODE $(cat "$API_BODY")"
fi

# Many replies waiting on the shared raw socket.
netns_delayline_start 100000 "$LOPAD_DIR/hold100.log"
ids=()
for i in $(seq 1 50); do
	task_create ping '{"target":"198.18.1.2","mode":"continuous","interval":"10ms","timeout":"500ms","window":"10s"}' ||
	    break
	ids+=("$TASK_ID")
done
is "${#ids[@]}" 50 "50 continuous pings"
sleep 1
kill -STOP "$sender"
sleep 0.4
kill -CONT "$sender"
sleep 1
# Totals over the running continuous pings, from one listing.
api rw GET "/api/v1/tasks?status=running" >/dev/null
sum() {
	json_get "$API_BODY" "sum(t[\"total\"][\"$1\"] for t in j if t[\"mode\"] == \"continuous\")"
}
recv=$(sum received) lost=$(sum lost) late=$(sum late)
diag "50 sessions, 200 ms RTT, sender stopped 400 ms: received $recv, lost $lost, late $late"
cmp_le 2000 "$recv" "50 sessions: the probes went on"
# A probe may really be late when this loaded machine starves the delay
# line; then its reply comes, and counts in late.  What must not happen
# is a reply that came in time lost in lopad (a full socket buffer, a
# timeout decided before the read): lost without late.
is "$((lost - late))" 0 "50 sessions: every loss is a late reply, none vanished"
cmp_le "$lost" $((recv / 100)) "50 sessions: under 1 % late"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
