#!/bin/bash
#
# Full TWAMP (RFC 5357) over IPv6, and source_ip and interface with
# control: true (TAP).  lopad A's twamp tasks negotiate their sessions
# with lopad B's TWAMP-Control server on [2001:db8:1::2]:862, in two
# namespaces joined by two veth pairs: link 1 (2001:db8:1::/64,
# 198.18.0.0/24), the way to B's address, and link 2 (2001:db8:2::/64,
# 198.18.2.0/24), which A reaches B's address through only by a default
# route, so only a socket bound to A's end of it (interface) goes that
# way.  A has a second address on link 1, 2001:db8:1::3 (deprecated, so
# never the source the kernel picks) and 198.18.0.3 (secondary).  nft
# counters in B tell where the test packets came from, and on which link:
#  - a session: sent == received, forward and backward delay and
#    processing (T1..T4) present and sane, forward + backward = RTT, 0
#    hops, the reflector's own numbers 0..N-1; B's counters under
#    reflector.twamp_control on GET /api/v1/reflector: the session
#    accepted, then ended, its packets reflected; a continuous session:
#    active and started on B until the task is stopped, then ended;
#    two rounds: two sessions; three rounds with nft in B dropping test
#    packets both ways (numgen, deterministic): forward_lost and
#    backward_lost per session, the total's their sum and nft's counts;
#  - source_ip 2001:db8:1::3: the control connection and the test
#    packets come from it; one not on the host: the task fails at once
#    naming the bind, B never sees a connection; another family: 400;
#  - interface (link 2): the test packets arrive on B's end of link 2;
#    with source_ip too (both links); a missing interface: a task error;
#  - IPv4 (B reloaded to 198.18.0.2:862): source_ip 198.18.0.3,
#    interface, a source_ip not on the host;
#  - A's sender survived it all.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 46

netns_new A
netns_new B
netns_veth "$A" "198.18.0.1/24 198.18.0.3/24 2001:db8:1::1/64" \
    "$B" "198.18.0.2/24 2001:db8:1::2/64"
A1=$NETNS_IF1 B1=$NETNS_IF2
netns_veth "$A" "198.18.2.1/24 2001:db8:2::1/64" \
    "$B" "198.18.2.2/24 2001:db8:2::2/64"
A2=$NETNS_IF1 B2=$NETNS_IF2
# Deprecated (preferred_lft 0): bound to on request, never chosen.
ip -n "$A" -6 addr add 2001:db8:1::3/64 dev "$A1" nodad preferred_lft 0 ||
    bail "adding 2001:db8:1::3 failed"
# B's addresses on link 1 through link 2: for sockets bound to it only.
ip -n "$A" -6 route add default via 2001:db8:2::2 dev "$A2" ||
    bail "IPv6 default route in A failed"
ip -n "$A" route add default via 198.18.2.2 dev "$A2" ||
    bail "IPv4 default route in A failed"
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

# B's reflector section for a TWAMP address; test ports 30000-30099.
b_refl() {
	printf 'reflector:\n  addr: ""\n  twamp_addr: "%s"\n' "$1"
	printf '  twamp_port_min: 30000\n  twamp_port_max: 30099\n'
}

B_PID= A_PID=
use_b
lopad_start "$B" "$(b_refl "[2001:db8:1::2]:862")" ||
    give_up "lopad B did not start"
B_PID=$LOPAD_PID
B_KIDS=("${LOPAD_CHILDREN[@]}")
use_a
lopad_start "$A" "sender:
  twamp_connect_timeout: 2s
  twamp_response_timeout: 2s" || give_up "lopad A did not start"
A_PID=$LOPAD_PID
A_SENDER=$(lopad_role_pid sender)
LOPAD_CHILDREN+=("${B_KIDS[@]}")
use_b
lopad_log_wait '^reflector: twamp control server on \[2001:db8:1::2\]:862 ' ||
    diag "no control server line in B's log"
use_a
ok "two lopads: B serves TWAMP-Control on [2001:db8:1::2]:862, A runs tasks"

# nft counters in B, by source and by link, of the test packets (UDP
# to the session ports) and of the control connection.
nft_b() {
	ip netns exec "$B" nft "$@"
}
nft_b add table inet lopaf
nft_b add chain inet lopaf in '{ type filter hook input priority 0; }'
for c in src6 src4 link1 link2 ctl6 link2ctl; do
	nft_b add counter inet lopaf "c_$c"
done
nft_b add rule inet lopaf in ip6 saddr 2001:db8:1::3 udp dport 30000-30099 \
    counter name c_src6
nft_b add rule inet lopaf in ip6 saddr 2001:db8:1::3 tcp dport 862 \
    counter name c_ctl6
nft_b add rule inet lopaf in ip saddr 198.18.0.3 udp dport 30000-30099 \
    counter name c_src4
nft_b add rule inet lopaf in iifname "$B1" udp dport 30000-30099 \
    counter name c_link1
nft_b add rule inet lopaf in iifname "$B2" udp dport 30000-30099 \
    counter name c_link2
nft_b add rule inet lopaf in iifname "$B2" tcp dport 862 \
    counter name c_link2ctl
# nft_counts: the counters' packets, "src6 src4 link1 link2 ctl6
# link2ctl".
nft_counts() {
	nft_b list counters table inet lopaf | awk '
	    $1 == "counter" { n = $2 }
	    $1 == "packets" { v[n] = $2 }
	    END { print v["c_src6"] + 0, v["c_src4"] + 0, v["c_link1"] + 0,
		v["c_link2"] + 0, v["c_ctl6"] + 0, v["c_link2ctl"] + 0 }'
}
# nft_delta BEFORE: the test packets' counters that moved since BEFORE
# (nft_counts), with how much ("-" for none).
nft_delta() {
	local -a a b n=(src6 src4 link1 link2)
	local i out=

	read -ra a <<<"$1"
	read -ra b <<<"$(nft_counts)"
	for i in "${!n[@]}"; do
		if [ "${b[i]:-0}" != "${a[i]:-0}" ]; then
			out="$out, ${n[i]} $((${b[i]:-0} - ${a[i]:-0}))"
		fi
	done
	out=${out#, }
	echo "${out:--}"
}
# nft_ctl BEFORE: how much the control connection's counters moved,
# "ctl6 N link2ctl M".
nft_ctl() {
	local -a a b

	read -ra a <<<"$1"
	read -ra b <<<"$(nft_counts)"
	echo "ctl6 $((${b[4]:-0} - ${a[4]:-0})) link2ctl $((${b[5]:-0} - ${a[5]:-0}))"
}

# vals FILE EXPR...: python expressions on the JSON in FILE (as j), in
# one run (python starts slowly): their values, as json_get prints
# them, in the array V.
vals() {
	local f=$1

	shift
	mapfile -t V < <(python3 - "$f" "$@" <<'EOF'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    j = None
for x in sys.argv[2:]:
    try:
        v = eval(x, {"j": j})
    except Exception as e:
        v = "error: %s" % e
    print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
EOF
)
}
# b_vals EXPR...: vals on B's GET /api/v1/reflector, c its twamp_control.
b_vals() {
	local e
	local -a x=()

	use_b
	api ro GET /api/v1/reflector >/dev/null
	use_a
	for e in "$@"; do
		x+=("(lambda c: $e)(j[\"twamp_control\"])")
	done
	vals "$API_BODY" "${x[@]}"
}
# b_ctl EXPR: a value of B's GET /api/v1/reflector, c its twamp_control.
b_ctl() {
	use_b
	api ro GET /api/v1/reflector >/dev/null
	json_get "$API_BODY" "(lambda c: $1)(j[\"twamp_control\"])"
	use_a
}
# b_ended_is N: B has ended N sessions and holds none.
b_ended_is() {
	[ "$(b_ctl '[c["sessions"]["ended"], c["sessions"]["active"]]')" = \
	    "[$1, 0]" ]
}
# b_log_count ERE: B's log lines matching ERE.
b_log_count() {
	grep -cE -- "$1" "$B_LOG"
}
# b_log_gt ERE N: more than N lines of B's log match ERE.
b_log_gt() {
	[ "$(b_log_count "$1")" -gt "$2" ]
}

# run JSON [LIMIT_MS]: create a twamp task in A and wait for its end.
run() {
	use_a
	if ! task_create twamp "$1"; then
		diag "twamp $1: $API_CODE $(cat "$API_BODY")"
		return 1
	fi
	task_wait "$TASK_ID" "${2:-20000}" || diag "task $TASK_ID did not end"
}
# res [EXPR]: status, error (or -), sent, received of the last task
# (and the value of EXPR).
res() {
	task_get '"%s %s %d %d" % (j["status"], j.get("error", "-"),
	    j["total"]["sent"], j["total"]["received"])'"${1:+ + \" \" + str($1)}"
}

# 1. A full TWAMP session over IPv6.
N=20
n0=$(nft_counts)
run '{"target":"2001:db8:1::2","control":true,"count":'$N',"interval":"20ms",
    "timeout":"1s","padding":100,"dscp":46}'
vals "$TASK_JSON" \
    '"%s %s %d %d" % (j["status"], j.get("error", "-"), j["total"]["sent"], j["total"]["received"])' \
    '(lambda t, w: [t["lost"], w["replies"], w["reflector"], w["forward_lost"], w["backward_lost"], w["nonconformant"], w["rtt_negative"]])(j["total"], j["total"]["twamp"])' \
    'j["total"]["twamp"]["hops"]' \
    '(lambda w: [sorted(w["forward"]), sorted(w["backward"]), sorted(w["processing"])])(j["total"]["twamp"])' \
    '(lambda t, w: all(0 <= w[k]["min"] <= w[k]["p50"] <= w[k]["max"] < 10**9 and w[k]["min"] <= w[k]["avg"] <= w[k]["max"] for k in ("forward", "backward", "processing")) and abs(w["forward"]["avg"] + w["backward"]["avg"] - t["avg_rtt"]) <= 2 and t["min_rtt"] > 0)(j["total"], j["total"]["twamp"])' \
    '[j["params"]["control"], j["address"], j["params"]["port"]]'
is "${V[0]:-}" "finished - $N $N" "IPv6 full TWAMP: finished, $N sent, $N received"
is "${V[1]:-}" "[0, $N, \"stateful\", 0, 0, 0, 0]" \
    "none lost; $N replies, a stateful reflector, no loss either way, all conformant"
is "${V[2]:-}" \
    '{"backward": 0, "backward_max": 0, "backward_min": 0, "forward": 0, "forward_max": 0, "forward_min": 0}' \
    "hops: 0 forward and backward (a direct link)"
is "${V[3]:-}" \
    '[["avg", "jitter", "max", "min", "p50", "p99", "stddev"], ["avg", "jitter", "max", "min", "p50", "p99", "stddev"], ["avg", "max", "min", "p50", "p99"]]' \
    "forward and backward delay, processing: every figure present"
is "${V[4]:-}" true \
    "the delays are sane: 0 <= min <= p50, avg <= max < 1 s each way; forward + backward = RTT on average" ||
    diag "$(task_get 'j["total"]')"
is "${V[5]:-}" '[true, "2001:db8:1::2", 862]' \
    "the task shows control, the IPv6 address, port 862"
api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
is "$(python3 - "$API_BODY" "$N" <<'EOF'
import datetime, json, re, sys
def ns(v):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$", v)
    d = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    return (int(d.replace(tzinfo=datetime.timezone.utc).timestamp()) * 10**9 +
            int((m.group(2) or "").ljust(9, "0")))
s = json.load(open(sys.argv[1])); s = s["samples"] if isinstance(s, dict) else s
n = int(sys.argv[2]); bad = []
s = sorted(s, key=lambda x: x["seq"])
if len(s) != n:
    bad.append("%d samples" % len(s))
for i, x in enumerate(s):
    if x["status"] != "ok" or x.get("from") != "2001:db8:1::2":
        bad.append("seq %d: %s from %s" % (x["seq"], x["status"], x.get("from")))
        continue
    if abs(x["forward"] + x["backward"] - x["rtt"]) > 2:
        bad.append("seq %d: fwd %d + bwd %d != rtt %d" % (x["seq"],
            x["forward"], x["backward"], x["rtt"]))
    if not (0 <= x["processing"] < 10**9 and x["forward"] >= 0 and x["backward"] >= 0):
        bad.append("seq %d: processing %d" % (x["seq"], x["processing"]))
    if not (ns(x["time"]) <= ns(x["t2"]) <= ns(x["t3"]) <= ns(x["t4"])):
        bad.append("seq %d: T1..T4 %s %s %s %s" % (x["seq"], x["time"],
            x["t2"], x["t3"], x["t4"]))
    if x["reflector_seq"] != i or x.get("sender_ttl") != 255:
        bad.append("seq %d: reflector_seq %d, sender_ttl %r" % (x["seq"],
            x["reflector_seq"], x.get("sender_ttl")))
    if x["hops"] != {"forward": 0, "backward": 0}:
        bad.append("seq %d: hops %r" % (x["seq"], x["hops"]))
print("ok %d" % len(s) if not bad else "; ".join(bad[:3]))
EOF
)" "ok $N" \
    "samples: from 2001:db8:1::2, T1 <= T2 <= T3 <= T4, forward + backward = RTT, reflector_seq 0..$((N - 1)), Sender TTL 255"
wait_until 5000 100 b_ended_is 1 || diag "B did not end the session"
b_vals '[c["listen"], c["connections"]["accepted"], c["connections"]["active"], c["connections"]["closed"]["client"]]' \
    '(lambda s: [s["accepted"], s["active"], s["started"], s["ended"], s["received"], s["reflected"], s["dropped"]])(c["sessions"])'
is "${V[0]:-}" '["[2001:db8:1::2]:862", 1, 0, 1]' \
    "B: one control connection from A, closed by the client"
is "${V[1]:-}" "[1, 0, 0, 1, $N, $N, 0]" \
    "B: the session accepted, then ended (none active or started), $N packets reflected"
is "$(b_log_count "twamp control: \[2001:db8:1::1\]:[0-9]+: session on \[2001:db8:1::2\]:300[0-9][0-9] for sender port [0-9]+, DSCP 46$") $(b_log_count "twamp control: \[2001:db8:1::1\]:[0-9]+: session on port 300[0-9][0-9] ended \(.*\): $N received, $N reflected$")" \
    "1 1" "B's log: the session from [2001:db8:1::1] on an IPv6 port of its range, DSCP 46, ended"
is "$(nft_delta "$n0")" "link1 $N" \
    "B's nft: the $N test packets came over link 1, from A's default source"

# 2. A continuous session: active and started on B until stopped.
use_a
task_create twamp '{"target":"[2001:db8:1::2]:862","control":true,
    "mode":"continuous","interval":"50ms","window":"10s"}'
id=$TASK_ID
b_started() {
	[ "$(b_ctl '[c["sessions"]["active"], c["sessions"]["started"]]')" = \
	    "[1, 1]" ]
}
if wait_until 5000 100 b_started; then
	ok "a continuous session: B shows it active and started"
else
	not_ok "a continuous session: B shows it active and started"
	diag "$(b_ctl 'c["sessions"]')"
fi
sleep 0.5
api rw POST "/api/v1/tasks/$id/stop" >/dev/null
task_wait "$id" 5000
is "$(task_get '"%s %d %s" % (j["status"], j["total"]["received"] > 3, j["total"]["twamp"]["reflector"])')" \
    "stopped 1 stateful" "the continuous session ran until stopped"
wait_until 5000 100 b_ended_is 2 || diag "B did not end the stopped session"
is "$(b_ctl '(lambda s: [s["accepted"], s["active"], s["started"], s["ended"]])(c["sessions"])')" \
    "[2, 0, 0, 2]" "B: the stopped session ended (2 accepted, 2 ended, none active)"

# 3. Two rounds: two sessions.
r0=$(b_ctl 'c["sessions"]["received"]')
run '{"target":"2001:db8:1::2","control":true,"count":5,"rounds":2,
    "interval":"20ms","round_delay":"100ms","timeout":"1s"}'
is "$(task_get '(lambda w: "%s %d %d %s %d %d" % (j["status"], len(j["rounds"]), j["total"]["received"], w["reflector"], w["forward_lost"], w["backward_lost"]))(j["total"]["twamp"])')" \
    "finished 2 10 stateful 0 0" "two rounds: 10 replies, stateful, nothing lost either way"
wait_until 5000 100 b_ended_is 4 || diag "B did not end the two sessions"
is "$(b_ctl '(lambda s: [s["accepted"], s["ended"], s["received"] - '"$r0"', s["reflected"] - '"$r0"'])(c["sessions"])')" \
    "[4, 4, 10, 10]" "B: two more sessions accepted and ended, 10 more packets reflected"

# Three rounds of 20, nft in B dropping test packets both ways, before
# the counters above: requests 3, 8, 13, 18 of each round (mod 5 == 2 on
# the way in) and the 4th and 12th of the 16 replies (mod 8 == 3 on the
# way out), never a round's first or last; each session numbered from
# 0, the split per round is 4 and 2, the total's the sum, nft's counts.
nft_b add table inet lopafdrop
cleanup_push "ip netns exec $B nft delete table inet lopafdrop"
nft_b add chain inet lopafdrop in '{ type filter hook input priority -10; }'
nft_b add chain inet lopafdrop out '{ type filter hook output priority -10; }'
nft_b add counter inet lopafdrop dropped_req
nft_b add counter inet lopafdrop dropped_rep
nft_b add rule inet lopafdrop in udp dport 30000-30099 numgen inc mod 5 == 2 \
    counter name dropped_req drop
nft_b add rule inet lopafdrop out udp sport 30000-30099 numgen inc mod 8 == 3 \
    counter name dropped_rep drop
run '{"target":"2001:db8:1::2","control":true,"count":20,"rounds":3,
    "interval":"10ms","round_delay":"50ms","timeout":"1s"}'
drops=$(for c in dropped_req dropped_rep; do
	nft_b list counter inet lopafdrop "$c" |
	    sed -n 's/.*packets \([0-9]*\) .*/\1/p'
done | tr '\n' ' ')
is "$drops" "12 6 " "nft in B dropped 12 requests and 6 replies"
is "$(task_get '(lambda t, w: "%s %d %d %d %s %d %d" % (j["status"], t["sent"], t["received"], t["lost"], w["reflector"], w["forward_lost"], w["backward_lost"]))(j["total"], j["total"]["twamp"])')" \
    "finished 60 42 18 stateful 12 6" \
    "three sessions with drops: 42 of 60 received; forward_lost 12, backward_lost 6: nft's counts"
is "$(task_get '[(r["stats"]["received"], r["stats"]["twamp"]["forward_lost"], r["stats"]["twamp"]["backward_lost"]) for r in j["rounds"]]')" \
    "[[14, 4, 2], [14, 4, 2], [14, 4, 2]]" \
    "each session: 14 received, forward_lost 4, backward_lost 2"
nft_b delete table inet lopafdrop

# 4. source_ip over IPv6.
like "$(ip -n "$A" -6 route get 2001:db8:1::2)" "dev $A1 .*src 2001:db8:1::1 " \
    "A's own choice of source towards 2001:db8:1::2: 2001:db8:1::1 on link 1"
n0=$(nft_counts)
l0=$(b_log_count "twamp control: \[2001:db8:1::3\]:[0-9]+: session on port [0-9]+ ended \(.*\): 5 received, 5 reflected$")
run '{"target":"2001:db8:1::2","control":true,"count":5,"interval":"20ms",
    "source_ip":"2001:db8:1::3"}'
is "$(res 'j["params"]["source_ip"]')" "finished - 5 5 2001:db8:1::3" \
    "source_ip 2001:db8:1::3: finished, 5 of 5; the task shows it"
like "$(nft_delta "$n0") $(nft_ctl "$n0")" "^src6 5, link1 5 ctl6 [1-9][0-9]* " \
    "B's nft: the 5 test packets and the control connection came from 2001:db8:1::3"
is "$(($(b_log_count "twamp control: \[2001:db8:1::3\]:[0-9]+: session on port [0-9]+ ended \(.*\): 5 received, 5 reflected$") - l0))" 1 \
    "B's log: the control client [2001:db8:1::3], its 5 packets reflected"

# A source_ip that is not A's: the bind fails, a task error at once.
a0=$(b_ctl 'c["connections"]["accepted"]')
t0=$(now_ms)
run '{"target":"2001:db8:1::2","control":true,"count":5,"interval":"20ms",
    "source_ip":"2001:db8:9::9"}' 10000
t=$(($(now_ms) - t0))
vals "$TASK_JSON" '"%s: %s" % (j["status"], j.get("error"))' 'j["total"]["sent"]'
is "${V[0]:-}" \
    "failed: twamp to 2001:db8:1::2: bind 2001:db8:9::9: Cannot assign requested address" \
    "source_ip 2001:db8:9::9 (not on the host): failed, naming the bind"
check "... at once (${t} ms), nothing sent" test "$t" -lt 3000 -a "${V[1]:-}" = 0
is "$(b_ctl 'c["connections"]["accepted"]')" "$a0" \
    "B never saw a connection for it"
use_a
api rw POST /api/v1/tasks/twamp -H 'Content-Type: application/json' \
    --data-binary '{"target":"2001:db8:1::2","control":true,"source_ip":"198.18.0.3"}' \
    >/dev/null
is "$API_CODE $(json_get "$API_BODY" 'j["detail"].split(":")[0]')" \
    "400 source_ip" "an IPv4 source_ip for an IPv6 target: 400 naming source_ip"

# 5. interface over IPv6: link 2, then with source_ip on either link.
n0=$(nft_counts)
l0=$(b_log_count "twamp control: \[2001:db8:2::1\]:[0-9]+: session on port [0-9]+ ended \(.*\): 5 received, 5 reflected$")
run '{"target":"2001:db8:1::2","control":true,"count":5,"interval":"20ms",
    "interface":"'"$A2"'"}'
is "$(res 'j["params"]["interface"]')" "finished - 5 5 $A2" \
    "interface $A2 (link 2): finished, 5 of 5; the task shows it"
like "$(nft_delta "$n0") $(nft_ctl "$n0")" "^link2 5 ctl6 [0-9]+ link2ctl [1-9][0-9]*$" \
    "B's nft: the test packets and the control connection came over link 2"
is "$(($(b_log_count "twamp control: \[2001:db8:2::1\]:[0-9]+: session on port [0-9]+ ended \(.*\): 5 received, 5 reflected$") - l0))" 1 \
    "B's log: the control client is A's address on link 2, [2001:db8:2::1]"
n0=$(nft_counts)
run '{"target":"2001:db8:1::2","control":true,"count":5,"interval":"20ms",
    "interface":"'"$A1"'","source_ip":"2001:db8:1::3"}'
is "$(res) $(nft_delta "$n0")" "finished - 5 5 src6 5, link1 5" \
    "interface $A1 and source_ip 2001:db8:1::3: over link 1, from 2001:db8:1::3"
n0=$(nft_counts)
run '{"target":"2001:db8:1::2","control":true,"count":5,"interval":"20ms",
    "interface":"'"$A2"'","source_ip":"2001:db8:2::1"}'
is "$(res) $(nft_delta "$n0")" "finished - 5 5 link2 5" \
    "interface $A2 and source_ip 2001:db8:2::1: over link 2"
run '{"target":"2001:db8:1::2","control":true,"count":5,"interval":"20ms",
    "interface":"nosuch0"}' 10000
is "$(task_get '"%s: %s" % (j["status"], j.get("error"))')" \
    "failed: twamp to 2001:db8:1::2: SO_BINDTODEVICE nosuch0: No such device" \
    "interface nosuch0: failed, naming SO_BINDTODEVICE"

# 6. IPv4: B's server moved to 198.18.0.2:862 by a reload.
use_b
lopad_config "$B_CONF" "$(b_refl "198.18.0.2:862")"
V4LINE='^reflector: twamp control server on 198\.18\.0\.2:862 '
before=$(b_log_count "$V4LINE")
kill -HUP "$B_PID"
if wait_until 5000 50 b_log_gt "$V4LINE" "$before"; then
	ok "B reloaded: TWAMP-Control on 198.18.0.2:862"
else
	not_ok "B reloaded: TWAMP-Control on 198.18.0.2:862"
	diag_file "$B_LOG"
fi
use_a
like "$(ip -n "$A" route get 198.18.0.2)" "dev $A1 .*src 198.18.0.1 " \
    "A's own choice of source towards 198.18.0.2: 198.18.0.1 on link 1"
n0=$(nft_counts)
run '{"target":"198.18.0.2","control":true,"count":5,"interval":"20ms",
    "source_ip":"198.18.0.3"}'
is "$(res) $(nft_delta "$n0")" "finished - 5 5 src4 5, link1 5" \
    "IPv4 source_ip 198.18.0.3: finished, B's nft saw the 5 test packets from it"
n0=$(nft_counts)
run '{"target":"198.18.0.2","control":true,"count":5,"interval":"20ms",
    "interface":"'"$A2"'"}'
is "$(res) $(nft_delta "$n0")" "finished - 5 5 link2 5" \
    "IPv4 interface $A2: finished, over link 2"
run '{"target":"198.18.0.2","control":true,"count":5,"interval":"20ms",
    "source_ip":"198.18.9.9"}' 10000
is "$(task_get '"%s: %s %d" % (j["status"], j.get("error"), j["total"]["sent"])')" \
    "failed: twamp to 198.18.0.2: bind 198.18.9.9: Cannot assign requested address 0" \
    "IPv4 source_ip 198.18.9.9 (not on the host): failed, naming the bind"

# 7. A plain IPv4 session still works, and A's sender lived through it.
run '{"target":"198.18.0.2","control":true,"count":3,"interval":"20ms"}'
is "$(res)" "finished - 3 3" "IPv4 full TWAMP from the default source: 3 of 3"
is "$(lopad_role_pid sender)" "$A_SENDER" \
    "A's sender is the one it started with (not killed by its sandbox)"
unlike "$(grep -i 'seccomp\|killed\|signal' "$A_LOG" "$B_LOG")" "." \
    "no sandbox kill in A's or B's log"
check "B is alive" proc_alive "$B_PID"
check "A is alive" proc_alive "$A_PID"

use_b
lopad_stop
is "$LOPAD_EXIT" 0 "B exits 0"
use_a
lopad_stop
is "$LOPAD_EXIT" 0 "A exits 0"
done_testing
