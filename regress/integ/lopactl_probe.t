#!/bin/bash
#
# lopactl's probe verbs against the real daemon (TAP): lopad runs in
# namespace A (198.18.0.1, 2001:db8::1), the targets are in namespace B
# (198.18.0.2 and 2001:db8::2 answer; 198.18.0.3 and 2001:db8::3 lose
# every echo request to nftables).  Covered: the ping-like text output of
# ping (IPv4 and IPv6, -w, --rounds), tcp (socat listener, closed port,
# blackholed port) and udp (socat echo, lopad's own reflector on its
# default port 8081, a closed port); all probes lost (exit 1); -j and -q;
# task list, show, stop and delete on a continuous task; usage errors
# (exit 2, message on stderr, no task created) and an unresolvable name
# (exit 1); SIGINT to a running ping (summary, task stopped; exit 1 when
# nothing answered), to a followed continuous task (left running); a task
# deleted while lopactl follows it.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 162

command -v socat >/dev/null || bail "socat not found"
command -v nft >/dev/null || bail "nft not found"

lopad_init
netns_new NS_A
netns_new NS_B
netns_veth "$NS_A" "198.18.0.1/24 2001:db8::1/64" \
    "$NS_B" "198.18.0.2/24 2001:db8::2/64"
# The lossy addresses: .3 is secondary and ::3 deprecated, so that
# neither becomes the source of B's answers (a UDP echo that answered
# from ::3 would not reach lopad's connected socket).
ip -n "$NS_B" addr add 198.18.0.3/24 dev "$NETNS_IF2" ||
    bail "adding 198.18.0.3 failed"
ip -n "$NS_B" -6 addr add 2001:db8::3/64 dev "$NETNS_IF2" nodad \
    preferred_lft 0 || bail "adding 2001:db8::3 failed"

# B: a TCP listener on 9001, a UDP echo on 9004 (both families); 9003
# is blackholed, .3 and ::3 drop echo requests; nothing listens on 9002.
bg_b() {
	ip netns exec "$NS_B" "$@" </dev/null >/dev/null 2>&1 &
	cleanup_push "kill $! 2>/dev/null; wait $! 2>/dev/null"
}
bg_b socat TCP6-LISTEN:9001,ipv6-v6only=0,reuseaddr,fork PIPE
bg_b socat -T 10 UDP4-LISTEN:9004,reuseaddr,fork PIPE
bg_b socat -T 10 UDP6-LISTEN:9004,ipv6-v6only=1,reuseaddr,fork PIPE

nft_b() {
	ip netns exec "$NS_B" nft "$@" || bail "nft $* failed"
}
nft_b add table inet lopactlt
nft_b add chain inet lopactlt in '{ type filter hook input priority 0; }'
nft_b add rule inet lopactlt in ip daddr 198.18.0.3 icmp type echo-request drop
nft_b add rule inet lopactlt in ip6 daddr 2001:db8::3 icmpv6 type echo-request drop
nft_b add rule inet lopactlt in tcp dport 9003 drop

listening() {
	ip netns exec "$NS_B" ss -Hln "$@" | grep -q .
}
wait_until 5000 20 listening -t sport = :9001 ||
    bail "socat TCP listener did not start"
wait_until 5000 20 listening -u -4 sport = :9004 ||
    bail "socat UDP4 echo did not start"
wait_until 5000 20 listening -u -6 sport = :9004 ||
    bail "socat UDP6 echo did not start"

# lopad's UDP echo reflector on its default port, on every address of A.
lopad_start "$NS_A" "reflector:
  addr: \":8081\"
  twamp_addr: \"127.0.0.1:$LOPAD_TWAMP_PORT\"" ||
    give_up "lopad did not start"

OUT=$LOPAD_DIR/client/out
ERR=$LOPAD_DIR/client/err

# ctl ARGS...: lopactl on the test daemon's socket, bounded; sets rc, out
# and err.  lopactl needs no namespace: the socket is a file, and the
# daemon does the probing.
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

# probes: the probe lines of the last output; nprobes: their number.
probes() {
	printf '%s\n' "$out" | grep '^seq='
}
nprobes() {
	printf '%s\n' "$out" | grep -c '^seq='
}

# all_probes_like ERE N DESC: exactly N probe lines, each matching ERE.
all_probes_like() {
	local n bad

	n=$(nprobes)
	bad=$(probes | grep -Evc -- "$1")
	if [ "$n" -eq "$2" ] && [ "$bad" -eq 0 ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "$n probe lines ($bad not matching '$1'), want $2:"
		printf '%s\n' "$out" | head -n 20 | diag -
	fi
}

# counts: the summary's counts line (the one after the title).
counts() {
	printf '%s\n' "$out" | sed -n '/^--- .* lopa statistics ---$/{n;p;q}'
}

# header_id: the task id from the "PING target: task ID, ..." line.
header_id() {
	printf '%s\n' "$out" | sed -n '1s/^[A-Z]* [^ ]*: task \([^ ,]*\),.*/\1/p'
}

# api_status ID: the task's status through the API ("404" when gone).
api_status() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	if [ "$API_CODE" = 200 ]; then
		json_get "$API_BODY" 'j["status"]'
	else
		echo "$API_CODE"
	fi
}

api_status_is() {
	[ "$(api_status "$1")" = "$2" ]
}

# api_sent_ge ID N: the task has sent at least N probes.
api_sent_ge() {
	local n

	api rw GET "/api/v1/tasks/$1" >/dev/null
	n=$(json_get "$API_BODY" 'j["total"]["sent"]' 2>/dev/null) || return 1
	[ "${n:-0}" -ge "$2" ]
}

# ntasks: how many tasks the daemon knows.
ntasks() {
	api rw GET /api/v1/tasks >/dev/null
	json_get "$API_BODY" 'len(j)'
}

# json_lines FILE: every non-empty line of FILE is a JSON document.
json_lines() {
	python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    if line.strip():
        json.loads(line)
        n += 1
sys.exit(0 if n else 1)
' "$1"
}

# json_ok FILE: FILE holds one JSON document.
json_ok() {
	python3 -c 'import json, sys; json.load(sys.stdin)' <"$1"
}

# rtt_order: the summary's min <= avg <= max, and mdev >= 0.
rtt_order() {
	printf '%s\n' "$out" | awk -F'[ /]' '
	    /^rtt min\/avg\/max\/mdev = / {
		found = 1
		if (!($6 + 0 <= $7 + 0 && $7 + 0 <= $8 + 0 && $9 + 0 >= 0))
			exit 1
	    }
	    END { exit found ? 0 : 1 }'
}

PROBE_OK='^seq=[0-9]+ rtt=[0-9]+\.[0-9]{3} ms ttl=64$'
MS='[0-9]+\.[0-9]{3}'

# --- 1. ping, IPv4: the ping-like output
ctl ping 198.18.0.2 -c 4 -i 100ms
expect_rc 0 "ping: exit 0 when the target answers"
like "$(printf '%s\n' "$out" | head -n 1)" \
    '^PING 198\.18\.0\.2: task [^ ,]+, count 4, interval 100ms$' \
    "ping: the first line names the target, the task, count and interval"
all_probes_like "$PROBE_OK" 4 "ping: exactly 4 probe lines 'seq=N rtt=X ms ttl=64'"
is "$(probes | sed 's/^seq=\([0-9]*\) .*/\1/' | sort -n | tr '\n' ' ')" \
    "1 2 3 4 " "ping: the probes are seq 1 to 4, each once"
like "$out" '^--- 198\.18\.0\.2 lopa statistics ---$' "ping: the summary's title"
is "$(counts)" "4 sent, 4 received, 0% loss" "ping: 4 sent, 4 received, 0% loss"
like "$out" "^rtt min/avg/max/mdev = $MS/$MS/$MS/$MS ms\$" \
    "ping: the min/avg/max/mdev line"
if rtt_order; then
	ok "ping: min <= avg <= max"
else
	not_ok "ping: min <= avg <= max"
	diag "$out"
fi
like "$out" "^p50/p90/p99 = $MS/$MS/$MS ms, jitter = $MS ms\$" \
    "ping: the percentiles and jitter line"
is "$(printf '%s\n' "$out" | wc -l)" 9 "ping: header, 4 probes, 4 summary lines, nothing else"
is "$err" "" "ping: nothing on stderr"
PING_ID=$(header_id)
api rw GET "/api/v1/tasks/$PING_ID" >/dev/null
is "$(json_get "$API_BODY" '[j["status"], j["total"]["sent"], j["total"]["received"]]')" \
    '["finished", 4, 4]' "ping: the daemon's task $PING_ID finished with 4 sent, 4 received"

# --- ping, IPv6
ctl ping 2001:db8::2 -c 3 -i 100ms
expect_rc 0 "ping6: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" '^PING 2001:db8::2: task [^ ,]+, count 3, interval 100ms$' \
    "ping6: header line"
all_probes_like "$PROBE_OK" 3 "ping6: 3 probe lines with hop limit 64"
is "$(counts)" "3 sent, 3 received, 0% loss" "ping6: 3 sent, 3 received, 0% loss"
ctl ping 2001:db8::2 -6 -c 2 -i 100ms -q
expect_rc 0 "ping -6 to an IPv6 address: exit 0"
is "$(nprobes)" 0 "ping -q: no probe lines"
is "$(counts)" "2 sent, 2 received, 0% loss" "ping -6 -q: the summary"
ctl ping 198.18.0.2 -6 -c 1
expect_rc 2 "ping -6 to an IPv4 address: exit 2"
like "$err" '^lopactl: .*(ip_version|IPv4|ipv6)' "ping -6 to an IPv4 address: stderr says why"

# --- a duration task and a task of two rounds
ctl ping 198.18.0.2 -w 500ms -i 100ms -q
expect_rc 0 "ping -w: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" '^PING 198\.18\.0\.2: task [^ ,]+, duration 500ms, interval 100ms$' \
    "ping -w: the header names the duration"
like "$(counts)" '^[4-6] sent, [4-6] received, 0% loss$' "ping -w 500ms -i 100ms: about 5 probes"
ctl ping 198.18.0.2 -c 2 -i 50ms --rounds 2 --round-delay 50ms -q
expect_rc 0 "ping --rounds 2: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" ', count 2, interval 50ms, 2 rounds$' \
    "ping --rounds 2: the header names the rounds"
is "$(counts)" "4 sent, 4 received, 0% loss" "ping --rounds 2: 4 sent in total"
is "$(printf '%s\n' "$out" | grep -cE "^round [12]: 2 sent, 2 received, 0% loss, rtt min/avg/max = $MS/$MS/$MS ms\$")" \
    2 "ping --rounds 2: a line per round"

# --- 2. everything lost
ctl ping 198.18.0.3 -c 4 -i 100ms -W 300ms
expect_rc 1 "lost: exit 1 when no probe is answered"
all_probes_like '^seq=[1-4] timeout$' 4 "lost: 4 'seq=N timeout' lines"
is "$(counts)" "4 sent, 0 received, 100% loss" "lost: 4 sent, 0 received, 100% loss"
is "$err" "" "lost: nothing on stderr (the task did not fail)"
LOST_ID=$(header_id)
is "$(api_status "$LOST_ID")" finished "lost: the task finished"
ctl ping 2001:db8::3 -c 2 -i 100ms -W 300ms
expect_rc 1 "lost6: exit 1"
all_probes_like '^seq=[12] timeout$' 2 "lost6: 2 timeout lines"
is "$(counts)" "2 sent, 0 received, 100% loss" "lost6: 100% loss"

# --- 3. tcp
ctl tcp 198.18.0.2:9001 -c 3 -i 100ms
expect_rc 0 "tcp open: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" \
    '^TCP 198\.18\.0\.2:9001: task [^ ,]+, count 3, interval 100ms$' "tcp open: header line"
all_probes_like "^seq=[1-3] rtt=$MS ms( ttl=[0-9]+)?\$" 3 "tcp open: 3 answered probe lines"
is "$(counts)" "3 sent, 3 received, 0% loss" "tcp open: 3 sent, 3 received, 0% loss"
ctl tcp 198.18.0.2 -p 9001 -c 2 -i 100ms -q
expect_rc 0 "tcp -p 9001: exit 0"
is "$(counts)" "2 sent, 2 received, 0% loss" "tcp -p 9001: the port option reaches the listener"
ctl tcp '[2001:db8::2]:9001' -c 2 -i 100ms
expect_rc 0 "tcp6 open: exit 0"
is "$(counts)" "2 sent, 2 received, 0% loss" "tcp6 open: 2 received"
ctl tcp 198.18.0.2:9002 -c 3 -i 100ms
expect_rc 0 "tcp closed: exit 0 (a refusal is an answer)"
all_probes_like "^seq=[1-3] refused rtt=$MS ms( ttl=[0-9]+)?\$" 3 \
    "tcp closed: 3 'seq=N refused rtt=X ms' lines"
is "$(counts)" "3 sent, 3 received, 0% loss, 3 refused" "tcp closed: counted as received and refused"
like "$out" "^rtt min/avg/max/mdev = $MS/$MS/$MS/$MS ms\$" "tcp closed: refusals have an RTT"
ctl tcp 198.18.0.2:9003 -c 2 -i 100ms -W 300ms
expect_rc 1 "tcp blackholed: exit 1"
all_probes_like '^seq=[12] timeout$' 2 "tcp blackholed: 2 timeout lines"
is "$(counts)" "2 sent, 0 received, 100% loss" "tcp blackholed: 100% loss"

# --- 4. udp
ctl udp 198.18.0.2:9004 -c 3 -i 100ms
expect_rc 0 "udp socat echo: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" \
    '^UDP 198\.18\.0\.2:9004: task [^ ,]+, count 3, interval 100ms$' "udp: header line"
all_probes_like "$PROBE_OK" 3 "udp socat echo: 3 probe lines with rtt and ttl"
is "$(counts)" "3 sent, 3 received, 0% loss" "udp socat echo: 3 received"
ctl udp 198.18.0.2:9004 -c 2 -i 100ms -s 1000 -q
expect_rc 0 "udp -s 1000: exit 0"
is "$(counts)" "2 sent, 2 received, 0% loss" "udp -s 1000: echoed"
ctl udp '[2001:db8::2]:9004' -c 2 -i 100ms
expect_rc 0 "udp6 socat echo: exit 0"
is "$(counts)" "2 sent, 2 received, 0% loss" "udp6 socat echo: 2 received"
ctl udp 198.18.0.1 -c 3 -i 100ms
expect_rc 0 "udp without a port: lopad's own reflector on 8081 answers"
all_probes_like "$PROBE_OK" 3 "udp to lopad's reflector: 3 answered probe lines"
is "$(counts)" "3 sent, 3 received, 0% loss" "udp to lopad's reflector: none refused"
UDP_ID=$(header_id)
api rw GET "/api/v1/tasks/$UDP_ID" >/dev/null
is "$(json_get "$API_BODY" 'j["params"].get("port")')" 8081 "udp without a port: the daemon used port 8081"
ctl udp 198.18.0.2 -c 2 -i 100ms
expect_rc 0 "udp to a closed port: exit 0 (a port unreachable is an answer)"
all_probes_like "^seq=[12] refused rtt=$MS ms( ttl=[0-9]+)?\$" 2 "udp closed: 2 refused lines"
is "$(counts)" "2 sent, 2 received, 0% loss, 2 refused" "udp closed: 2 refused"

# --- 5. -j
ctl -j ping 198.18.0.2 -c 3 -i 50ms
expect_rc 0 "-j ping: exit 0"
if json_lines "$OUT"; then
	ok "-j ping: every line is a JSON document"
else
	not_ok "-j ping: every line is a JSON document"
	diag "$out"
fi
is "$(printf '%s\n' "$out" | wc -l)" 4 "-j ping: 3 probe events and the result, no header"
tail -n 1 "$OUT" >"$LOPAD_DIR/client/last.json"
is "$(json_get "$LOPAD_DIR/client/last.json" '[j["status"], j["total"]["sent"], j["total"]["received"], j["total"]["lost"]]')" \
    '["finished", 3, 3, 0]' "-j ping: the result has 3 sent, 3 received"
is "$(head -n 3 "$OUT" | python3 -c '
import json, sys
print(" ".join("%s:%s:%s" % (e["seq"], e["kind"], e["status"]) for e in map(json.loads, sys.stdin)))')" \
    "1:probe:ok 2:probe:ok 3:probe:ok" "-j ping: the probe events as the daemon sent them"
J_ID=$(json_get "$LOPAD_DIR/client/last.json" 'j["id"]')
ctl -j udp 198.18.0.2:9004 -c 2 -i 50ms -q
expect_rc 0 "-j -q udp: exit 0"
is "$(printf '%s\n' "$out" | wc -l)" 1 "-j -q udp: only the result"
if json_ok "$OUT"; then
	ok "-j -q udp: valid JSON"
else
	not_ok "-j -q udp: valid JSON"
fi
is "$(json_get "$OUT" '[j["type"], j["total"]["received"]]')" '["udp", 2]' \
    "-j -q udp: 2 received"
ctl -j task show "$J_ID"
expect_rc 0 "-j task show: exit 0"
if json_ok "$OUT"; then
	ok "-j task show: valid JSON"
else
	not_ok "-j task show: valid JSON"
fi
is "$(json_get "$OUT" '[j["id"], j["type"], j["mode"], j["total"]["sent"], j["total"]["received"]]')" \
    "[\"$J_ID\", \"ping\", \"count\", 3, 3]" "-j task show: the task's counts"
is "$(python3 -c 'import json, sys; a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2])); print(a["total"] == b["total"])' \
    "$OUT" "$LOPAD_DIR/client/last.json")" True "-j ping's result is what task show -j prints"
ctl -j task list
expect_rc 0 "-j task list: exit 0"
if json_ok "$OUT"; then
	ok "-j task list: valid JSON"
else
	not_ok "-j task list: valid JSON"
fi
is "$(json_get "$OUT" "[[t['total']['sent'], t['total']['received']] for t in j if t['id'] in ('$PING_ID', '$LOST_ID')]")" \
    '[[4, 4], [4, 0]]' "-j task list: the earlier tasks with their counts"
ctl -j task show nosuch-999
expect_rc 2 "-j task show of an unknown task: exit 2"
is "$(json_get "$OUT" 'j["status"]' 2>&1)" 404 "-j: the problem document on stdout"
like "$err" '^lopactl: .*nosuch-999' "-j: the message on stderr"

# --- 6. a continuous task: list, show, stop, delete
ctl ping 198.18.0.2 --continuous -i 100ms -n cont1
expect_rc 0 "continuous: exit 0"
like "$out" '^[A-Za-z0-9._-]+-[0-9]+$' "continuous: prints only the task's id"
CID=$out
wait_until 5000 50 api_sent_ge "$CID" 3
is "$(api_status "$CID")" running "continuous: the task runs"
ctl task list
expect_rc 0 "task list: exit 0"
like "$(printf '%s\n' "$out" | head -n 1)" \
    '^ID +TYPE +MODE +TARGET +STATUS +SENT +RECV +LOSS% +AVG +P99$' "task list: header"
like "$out" "^$CID +ping +continuous +198\\.18\\.0\\.2 +running +[0-9]+ +[0-9]+ +0\\.00 +$MS +" \
    "task list: a row for the continuous task"
like "$out" "^$PING_ID +ping +count +198\\.18\\.0\\.2 +finished +4 +4 +0\\.00 +$MS +$MS\$" \
    "task list: the first ping, finished, 4 sent, 4 received"
like "$out" "^$LOST_ID +ping +count +198\\.18\\.0\\.3 +finished +4 +0 +100\\.00 +- +-\$" \
    "task list: the lost ping, 100% loss, no RTT"
ctl task list status running
like "$out" "^$CID " "task list status running: has the continuous task"
unlike "$out" "^$PING_ID " "task list status running: not the finished one"
ctl task list type tcp status finished
unlike "$out" "^$CID " "task list type tcp: no ping task"
like "$out" ' tcp +count +198\.18\.0\.2:9001 +finished ' "task list type tcp: the tcp tasks"
ctl task show "$CID"
expect_rc 0 "task show: exit 0"
like "$out" "^id +$CID\$" "task show: id"
like "$out" '^name +cont1$' "task show: the name given with -n"
like "$out" '^type +ping, continuous$' "task show: type and mode"
like "$out" '^status +running$' "task show: running"
like "$out" '^target +198\.18\.0\.2 \(198\.18\.0\.2\)$' "task show: target and address"
like "$out" '^params +type=ping mode=continuous target=198\.18\.0\.2 name=cont1' \
    "task show: the parameters"
like "$out" '^(params| ) .* interval=100ms( |$)' "task show: the interval among the parameters"
like "$out" '^window 1m0s$' "task show: the window block"
ctl task stop "$CID"
expect_rc 0 "task stop: exit 0"
is "$out" "task $CID: stop requested" "task stop: says so"
wait_until 3000 50 api_status_is "$CID" stopped
is "$(api_status "$CID")" stopped "task stop: the daemon says stopped"
ctl task show "$CID"
like "$out" '^status +stopped$' "task show after stop: stopped"
like "$out" '^  [0-9]+ sent, [0-9]+ received, 0% loss$' "task show after stop: the results are kept"
ctl task stop "$CID"
expect_rc 2 "task stop again: exit 2 (409)"
like "$err" "^lopactl: .*$CID" "task stop again: stderr names the task"
ctl task delete "$CID"
expect_rc 0 "task delete: exit 0"
is "$out" "task $CID deleted" "task delete: says so"
ctl task show "$CID"
expect_rc 2 "task show after delete: exit 2"
like "$err" "^lopactl: no task $CID\$" "task show after delete: a clear error naming the task"
is "$out" "" "task show after delete: nothing on stdout"
ctl task delete "$CID"
expect_rc 2 "task delete again: exit 2"
ctl task list
unlike "$out" "^$CID " "task list: the deleted task is gone"
ctl -j ping 198.18.0.2 --continuous -i 100ms
expect_rc 0 "-j continuous: exit 0"
CID3=$(json_get "$OUT" 'j["id"]')
like "$CID3" '^[A-Za-z0-9._-]+-[0-9]+$' "-j continuous: the creation's JSON with the id"
ctl task delete "$CID3"
# delete stops a running task first
ctl udp 198.18.0.1 --continuous -i 100ms
CID2=$out
wait_until 5000 50 api_sent_ge "$CID2" 2
is "$(api_status "$CID2")" running "continuous udp: running"
ctl task delete "$CID2"
expect_rc 0 "task delete of a running task: exit 0"
is "$(api_status "$CID2")" 404 "task delete of a running task: it is gone"

# --- 7. bad input: exit 2, a message naming what was wrong, no task
n0=$(ntasks)
# usage DESC ERE ARGS...: exit 2, stderr matches ERE, stdout empty.
usage() {
	local desc=$1 re=$2

	shift 2
	ctl "$@"
	if [ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -Eq -- "$re" &&
	    [ -z "$out" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "lopactl $*: exit $rc (want 2); stderr should match '$re'"
		diag "stdout: $out"
		diag "stderr: $err"
	fi
}
usage "an unknown option: exit 2 naming it" '^lopactl: .*"-x"' \
    ping 198.18.0.2 -c 2 -x
usage "an unknown long option: exit 2 naming it" '^lopactl: .*"--bogus"' \
    ping 198.18.0.2 --bogus
usage "-i 5parsecs: exit 2 naming the value and the option" \
    '^lopactl: .*"5parsecs".*-i.*unit' ping 198.18.0.2 -i 5parsecs
usage "-i 500us: exit 2, below the minimum" '^lopactl: .*"500us".*-i.*minimum' \
    ping 198.18.0.2 -i 500us
usage "-c 0: exit 2, below the minimum" '^lopactl: .*"0".*-c.*minimum 1' \
    ping 198.18.0.2 -c 0
usage "-c abc: exit 2, not a number" '^lopactl: .*"abc".*-c.*number' \
    ping 198.18.0.2 -c abc
usage "-c with -w: exit 2" '^lopactl: .*-c.*-w' ping 198.18.0.2 -c 2 -w 1s
usage "-c with --continuous: exit 2" '^lopactl: .*-c.*--continuous' \
    ping 198.18.0.2 -c 2 --continuous
usage "-4 with -6: exit 2" '^lopactl: .*-4.*-6' ping 198.18.0.2 -4 -6
usage "no target: exit 2" '^lopactl: .*TARGET' ping
usage "an option instead of the target: exit 2" '^lopactl: .*"-c"' ping -c 1 198.18.0.2
usage "a malformed address: exit 2 naming it" '^lopactl: .*300\.1\.2\.3' \
    ping 300.1.2.3 -c 1
usage "a port out of range: exit 2 naming it" '^lopactl: .*99999' \
    tcp 198.18.0.2:99999 -c 1
usage "an unclosed IPv6 bracket: exit 2" '^lopactl: .*\]' tcp '[2001:db8::2:80' -c 1
usage "a port on a ping target: exit 2" '^lopactl: .*port' ping 198.18.0.2:80 -c 1
usage "an unknown task subcommand: exit 2" '^lopactl: .*"frob"' task frob
is "$(ntasks)" "$n0" "bad input created no task"
ctl ping nonexistent.invalid -c 1 -W 300ms
expect_rc 1 "an unresolvable name: exit 1 (the task failed)"
like "$err" '^lopactl: task .* failed: .*nonexistent\.invalid' \
    "an unresolvable name: stderr names the host"
ctl status
expect_rc 0 "the daemon still answers status"
like "$out" '^control +[0-9]+ +running +yes$' "status: the control process runs"

# --- 8. SIGINT
# bg_ctl ARGS...: lopactl in the background (its own PID in CTL_PID;
# killed at exit unless ctl_wait reaped it, so never a reused PID).
CTL_PID=
ctl_kill() {
	[ -n "$CTL_PID" ] && kill -KILL "$CTL_PID" 2>/dev/null
}
cleanup_push ctl_kill
bg_ctl() {
	"$LOPACTL" -s "$LOPAD_SOCK" "$@" >"$OUT" 2>"$ERR" &
	CTL_PID=$!
}
# ctl_wait LIMIT_MS: wait for CTL_PID to exit; sets rc, out, err (rc 255
# and a SIGKILL when it did not end in time).
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
	CTL_PID=
	out=$(cat "$OUT")
	err=$(cat "$ERR")
}
three_probes() {
	[ "$(grep -c '^seq=' "$OUT")" -ge 3 ]
}
bg_ctl ping 198.18.0.2 -c 1000 -i 100ms
wait_until 10000 50 three_probes || diag "no 3 probe lines in 10 s"
kill -INT "$CTL_PID"
ctl_wait 8000
expect_rc 0 "SIGINT: lopactl exits 0 (probes were answered)"
like "$out" '^--- 198\.18\.0\.2 lopa statistics ---$' "SIGINT: the summary is printed"
sent=$(counts | sed -n 's/^\([0-9]*\) sent, .*/\1/p')
cmp_le 3 "${sent:-0}" "SIGINT: the summary counts what was sent"
cmp_le "${sent:-1000}" 200 "SIGINT: the task was stopped early"
INT_ID=$(header_id)
wait_until 3000 50 api_status_is "$INT_ID" stopped
is "$(api_status "$INT_ID")" stopped "SIGINT: the daemon's task is stopped"
api rw GET "/api/v1/tasks/$INT_ID" >/dev/null
is "$(json_get "$API_BODY" 'j["total"]["sent"]')" "$sent" "SIGINT: the summary's count is the daemon's"

# SIGINT when nothing answers: exit 1
two_timeouts() {
	[ "$(grep -c '^seq=[0-9]* timeout$' "$OUT")" -ge 2 ]
}
bg_ctl ping 198.18.0.3 -c 1000 -i 100ms -W 200ms
wait_until 10000 50 two_timeouts || diag "no 2 timeout lines in 10 s"
kill -INT "$CTL_PID"
ctl_wait 8000
expect_rc 1 "SIGINT, nothing answered: exit 1"
like "$(counts)" '^[0-9]+ sent, 0 received, ' "SIGINT, nothing answered: the summary"
INT_ID=$(header_id)
is "$(api_status "$INT_ID")" stopped "SIGINT, nothing answered: the task is stopped"

# the task deleted while lopactl follows it: lopactl ends and says so
bg_ctl ping 198.18.0.2 -c 1000 -i 100ms
wait_until 10000 50 three_probes || diag "no 3 probe lines in 10 s"
DEL_ID=$(sed -n '1s/^[A-Z]* [^ ]*: task \([^ ,]*\),.*/\1/p' "$OUT")
"$LOPACTL" -s "$LOPAD_SOCK" task delete "$DEL_ID" >/dev/null 2>&1
ctl_wait 8000
isnt "$rc" 255 "deleted while followed: lopactl ends"
like "$err" "task $DEL_ID was deleted" "deleted while followed: stderr says the task was deleted"

# -f on a continuous task: SIGINT leaves it running
bg_ctl ping 198.18.0.2 --continuous -f -i 100ms
wait_until 10000 50 three_probes || diag "no 3 probe lines in 10 s"
kill -INT "$CTL_PID"
ctl_wait 8000
expect_rc 0 "SIGINT, continuous -f: exit 0"
F_ID=$(header_id)
like "$err" "^lopactl: task $F_ID left running" "SIGINT, continuous -f: stderr names the task left running"
is "$(api_status "$F_ID")" running "SIGINT, continuous -f: the task still runs"
ctl task stop "$F_ID"
expect_rc 0 "continuous -f: task stop stops it"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
