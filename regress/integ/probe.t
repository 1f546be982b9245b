#!/bin/bash
#
# Probe tasks end to end (TAP): lopad in namespace A probes B through a
# router M (the delay line at 0).  ping over IPv4 and IPv6, rounds,
# duration; tcp to an open, a closed and a blackholed port; udp against a
# python echo, socat, lopad's own reflector, a closed port and a port whose
# ICMP errors are dropped; df with a packet over a reduced MTU (too_big
# with the MTU), ttl 1 (ttl_exceeded from the router); continuous tasks,
# stop (202, then 409), delete (204, then 404); stop in the middle of a
# count task keeps the partial result; a name that does not resolve;
# 100 concurrent pings to one target each get exactly their own replies;
# samples, the SSE stream, Lopa's request bodies and invalid requests.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 75

lopad_init
netns_delayline 0 "$LOPAD_DIR/hold.log"
# The link from M to B carries at most 1300-byte packets.
ip -n "$NETNS_M" link set "$(ip -n "$NETNS_M" -o addr show to 198.18.1.254 |
    awk '{ print $2 }')" mtu 1300

ECHO=$LOPAD_DIR/echo.py
cat >"$ECHO" <<'EOF'
import select, socket
socks = []
for fam, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    u = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    u.bind((host, 9000))
    t = socket.socket(fam, socket.SOCK_STREAM)
    if fam == socket.AF_INET6:
        t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((host, 9001))
    t.listen(1024)
    socks += [u, t]
print("ready", flush=True)
while True:
    r, _, _ = select.select(socks, [], [])
    for s in r:
        if s.type == socket.SOCK_DGRAM:
            d, a = s.recvfrom(65535)
            s.sendto(d, a)
        else:
            c, _ = s.accept()
            c.close()
EOF
ip netns exec "$NETNS_B" python3 "$ECHO" >"$LOPAD_DIR/echo.out" 2>&1 &
cleanup_push "kill $! 2>/dev/null"
ip netns exec "$NETNS_B" socat -T 10 UDP4-LISTEN:9004,fork,reuseaddr PIPE \
    >/dev/null 2>&1 &
cleanup_push "kill $! 2>/dev/null"
wait_until 5000 20 grep -q ready "$LOPAD_DIR/echo.out" ||
    bail "echo service did not start"
nft_b() {
	ip netns exec "$NETNS_B" nft "$@"
}
nft_b add table inet lopat
nft_b add chain inet lopat in '{ type filter hook input priority 0; }'
nft_b add rule inet lopat in tcp dport 9003 drop
# Port 9006: the datagram vanishes, so no port unreachable comes back.
nft_b add rule inet lopat in udp dport 9006 drop

lopad_start "$NETNS_A" || give_up "lopad did not start"

# run TYPE BODY [LIMIT_MS]: create a task and wait for its end.
run() {
	if ! task_create "$1" "$2"; then
		diag "create $1 $2: $API_CODE $(cat "$API_BODY")"
		TASK_JSON=/dev/null
		return 1
	fi
	if ! task_wait "$TASK_ID" "${3:-20000}"; then
		diag "task $TASK_ID did not end: $(cat "$TASK_JSON")"
		return 1
	fi
}
tot() {
	task_get "j[\"total\"][\"$1\"]" 2>/dev/null
}

# ping, IPv4
run ping '{"target":"198.18.1.2","count":5,"interval":"50ms","timeout":"1s"}'
is "$(task_get 'j["status"]')" finished "ping: finished"
is "$(tot sent)" 5 "ping: 5 sent"
is "$(tot received)" 5 "ping: 5 received"
is "$(tot lost)" 0 "ping: 0 lost"
is "$(task_get 'j["address"]')" 198.18.1.2 "ping: address"
is "$(task_get 'len(j["rounds"])')" 1 "ping: one round"
is "$(task_get 'j["total"]["last_ttl"]')" 62 "ping: reply TTL 62 (the delay line routes twice)"
cmp_le 1 "$(tot min_rtt)" "ping: min_rtt > 0"
cmp_le "$(tot min_rtt)" "$(tot p50_rtt)" "ping: min <= p50"
cmp_le "$(tot p50_rtt)" "$(tot max_rtt)" "ping: p50 <= max"
is "$(task_get 'j["task_id"] == j["id"]')" true "ping: task_id is id"

# ping, IPv6
run ping '{"target":"2001:db8:b::2","count":3,"interval":"50ms","timeout":"1s"}'
is "$(tot received)" 3 "ping6: 3 received"
is "$(task_get 'j["total"]["last_ttl"]')" 62 "ping6: hop limit 62"

# rounds
run ping '{"target":"198.18.1.2","count":3,"rounds":2,"round_delay":"100ms","interval":"20ms","timeout":"1s"}'
is "$(task_get 'len(j["rounds"])')" 2 "rounds: two rounds"
is "$(tot sent)" 6 "rounds: 6 sent in total"
is "$(task_get 'j["rounds"][1]["stats"]["received"]')" 3 "rounds: round 2 received 3"
is "$(task_get 'j["rounds"][1]["index"]')" 2 "rounds: index from 1"

# duration
start=$(now_ms)
run ping '{"target":"198.18.1.2","mode":"duration","duration":"1s","interval":"100ms","timeout":"500ms"}'
took=$(($(now_ms) - start))
sent=$(tot sent)
cmp_le 9 "$sent" "duration: >= 9 probes in 1 s at 100 ms"
cmp_le "$sent" 11 "duration: <= 11 probes"
cmp_le "$took" 2500 "duration: ended within timeout + polling of T"

# tcp
run tcp '{"target":"198.18.1.2:9001","count":3,"interval":"50ms","timeout":"1s"}'
is "$(tot received)" 3 "tcp open: 3 answered"
is "$(tot refused)" 0 "tcp open: none refused"
run tcp '{"target":"198.18.1.2:9002","count":3,"interval":"50ms","timeout":"1s"}'
is "$(tot received)" 3 "tcp closed: RST is an answer"
is "$(tot refused)" 3 "tcp closed: 3 refused"
is "$(tot lost)" 0 "tcp closed: not lost"
run tcp '{"target":"198.18.1.2:9003","count":3,"interval":"50ms","timeout":"300ms"}'
is "$(tot lost)" 3 "tcp blackholed: 3 lost"
is "$(tot received)" 0 "tcp blackholed: none received"
run tcp '{"target":"[2001:db8:b::2]:9001","count":2,"interval":"50ms","timeout":"1s"}'
is "$(tot received)" 2 "tcp6 open: answered"

# udp
run udp '{"target":"198.18.1.2:9000","count":3,"interval":"50ms","timeout":"1s"}'
is "$(tot received)" 3 "udp python echo: 3 received"
run udp '{"target":"198.18.1.2:9004","count":3,"interval":"50ms","timeout":"1s","packet_size":200}'
is "$(tot received)" 3 "udp socat echo: 3 received"
run udp '{"target":"198.18.1.2:9005","count":3,"interval":"50ms","timeout":"1s"}'
is "$(tot refused)" 3 "udp closed port: 3 refused"
is "$(tot lost)" 0 "udp closed port: not lost"
run udp '{"target":"198.18.1.2:9006","count":3,"interval":"50ms","timeout":"300ms"}'
is "$(tot lost)" 3 "udp, ICMP dropped: 3 lost"
run udp "{\"target\":\"127.0.0.1:$LOPAD_REFL_PORT\",\"count\":3,\"interval\":\"50ms\",\"timeout\":\"1s\"}"
is "$(tot received)" 3 "udp against lopad's reflector: 3 received"
run udp '{"target":"[2001:db8:b::2]:9000","count":2,"interval":"50ms","timeout":"1s"}'
is "$(tot received)" 2 "udp6 echo: received"

# df: 1400 bytes over a 1300-byte link
run ping '{"target":"198.18.1.2","count":2,"interval":"50ms","timeout":"1s","packet_size":1400,"df":true}'
is "$(task_get 'j["total"]["errors"]["too_big"]')" 2 "df: 2 too_big"
api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
is "$(json_get "$API_BODY" 'j[-1]["mtu"]')" 1300 "df: the MTU is reported"
is "$(json_get "$API_BODY" 'j[-1]["from"]')" 198.18.0.254 "df: from the router"
run ping '{"target":"2001:db8:b::2","count":2,"interval":"50ms","timeout":"1s","packet_size":1400,"df":true}'
is "$(task_get 'j["total"]["errors"]["too_big"]')" 2 "df, IPv6: 2 too_big"

# ttl 1
run ping '{"target":"198.18.1.2","count":2,"interval":"50ms","timeout":"1s","ttl":1}'
is "$(task_get 'j["total"]["errors"]["ttl_exceeded"]')" 2 "ttl 1: ttl_exceeded"
api rw GET "/api/v1/tasks/$TASK_ID/samples?last=1" >/dev/null
is "$(json_get "$API_BODY" 'j[0]["from"]')" 198.18.0.254 "ttl 1: reported by the router"
is "$(json_get "$API_BODY" 'len(j)')" 1 "samples?last=1: one sample"

# continuous, stop, delete
task_create ping '{"target":"198.18.1.2","mode":"continuous","interval":"50ms","window":"1s","timeout":"1s"}'
is "$API_CODE" 201 "continuous: 201"
like "$(api_header Location)" "^/api/v1/tasks/$TASK_ID\$" "continuous: Location"
CID=$TASK_ID
sleep 0.5
api rw GET "/api/v1/tasks/$CID" >/dev/null
is "$(json_get "$API_BODY" 'j["status"]')" running "continuous: running"
is "$(json_get "$API_BODY" '"window" in j')" true "continuous: has a window"
is "$(api rw POST "/api/v1/tasks/$CID/stop")" 202 "stop: 202"
api rw GET "/api/v1/tasks/$CID" >/dev/null
is "$(json_get "$API_BODY" 'j["status"]')" stopped "stop: stopped at once"
cmp_le 5 "$(json_get "$API_BODY" 'j["total"]["sent"]')" "stop: kept what was sent"
is "$(api rw POST "/api/v1/tasks/$CID/stop")" 409 "stop again: 409"
is "$(api rw POST "/api/v1/tasks/nosuch-1/stop")" 404 "stop unknown: 404"
is "$(api rw DELETE "/api/v1/tasks/$CID")" 204 "delete: 204"
is "$(api rw GET "/api/v1/tasks/$CID")" 404 "deleted: 404"
is "$(api rw DELETE "/api/v1/tasks/$CID")" 404 "delete again: 404"

# stop in the middle of a count task
task_create ping '{"target":"198.18.1.2","count":100,"interval":"50ms","timeout":"1s"}'
sleep 0.6
api rw POST "/api/v1/tasks/$TASK_ID/stop" >/dev/null
task_wait "$TASK_ID" 2000
is "$(task_get 'j["status"]')" stopped "partial: stopped"
sent=$(tot sent)
cmp_le 5 "$sent" "partial: some sent"
cmp_le "$sent" 30 "partial: stopped early"
is "$(task_get 'len(j["rounds"])')" 1 "partial: the partial round is kept"

# a name that does not resolve
run ping '{"target":"nonexistent.invalid","count":1}'
is "$(task_get 'j["status"]')" failed "unresolvable: failed"
like "$(task_get 'j["error"]')" "nonexistent\\.invalid" "unresolvable: the error names the host"

# 100 concurrent pings, many to the same target
ids=()
for i in $(seq 1 100); do
	t=198.18.1.2
	[ $((i % 4)) = 0 ] && t=2001:db8:b::2
	task_create ping "{\"target\":\"$t\",\"count\":10,\"interval\":\"20ms\",\"timeout\":\"1s\"}" &&
	    ids+=("$TASK_ID")
done
is "${#ids[@]}" 100 "concurrent: 100 tasks created"
good=0
for id in "${ids[@]}"; do
	task_wait "$id" 10000 || continue
	[ "$(tot received)" = 10 ] && [ "$(tot duplicates)" = 0 ] &&
	    [ "$(tot sent)" = 10 ] && good=$((good + 1))
done
is "$good" 100 "concurrent: each received exactly its own 10 replies"

# the SSE stream
task_create ping '{"target":"198.18.1.2","count":3,"interval":"50ms","timeout":"1s"}'
sse=$(curl -sN --max-time 5 --unix-socket "$LOPAD_SOCK" \
    "http://lopad/api/v1/tasks/$TASK_ID/stream")
is "$(printf '%s\n' "$sse" | grep -c '^event: probe')" 3 "stream: 3 probe events"
like "$sse" "event: summary" "stream: a summary at the end"

# Lopa's request body, as Lopa's CLI sends it
task_create ping '{"type":"ping","target":"198.18.1.2","ip_version":"","interval":20000000,"timeout":1000000000,"packet_size":0,"source_ip":"","interface":"","mode":"count","count":2,"duration":0,"rounds":1,"round_delay":0,"loss_threshold":0,"latency_threshold":0,"alert_callback_url":""}'
is "$API_CODE" 201 "Lopa's body: 201"

# invalid requests: 400 naming the field
bad() {
	local body=$1 field=$2 type=${3:-ping}

	api rw POST "/api/v1/tasks/$type" -H 'Content-Type: application/json' \
	    --data-binary "$body" >/dev/null
	if [ "$API_CODE" = 400 ] && grep -q "$field" "$API_BODY"; then
		ok "400 naming $field: $body"
	else
		not_ok "400 naming $field: $body"
		diag "$API_CODE $(cat "$API_BODY")"
	fi
}
bad '{"target":"198.18.1.2","bogus":1}' bogus
bad '{"count":1}' target
bad '{"target":"198.18.1.2","count":-1}' count
bad '{"target":"198.18.1.2","interval":"500us"}' interval
bad '{"target":"198.18.1.2","dscp":64}' dscp
bad '{"target":"198.18.1.2","ttl":256}' ttl
bad '{"target":"198.18.1.2","type":"tcp"}' type
bad '{"target":"198.18.1.2","mode":"forever"}' mode
bad '{"target":"198.18.1.2:99999"}' target tcp

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
