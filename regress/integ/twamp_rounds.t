#!/bin/bash
#
# twamp and stamp tasks of several rounds against lopad's own stateful
# Session-Reflector (reflector.twamp_stateful) on loopback, in a network
# namespace of the test's own (TAP):
#  - TWAMP-light, count 20, 3 rounds, round_delay 100ms, nothing lost:
#    60 sent and received, three rounds of 20 in order and spaced by the
#    round delay; the reflector "stateful" in the total and in every
#    round, forward_lost and backward_lost 0; a new session (source port)
#    each round, so the reflector's own numbers start at 0 again while
#    ours go on; the reflector's counters: 60 reflected, 3 sessions;
#  - the same with nftables dropping requests 3, 8, 13 and 18 of every
#    round (numgen inc mod 5 == 2) and the 4th and 12th reply that got
#    through (mod 8 == 3: replies to probes 5 and 15), deterministically
#    and never the first or last of a round: each round's split is 4 and
#    2, the total's the sum of the rounds' (RFC 8762 section 4.2.2,
#    lopad(8)) and equal to nft's counters; the reflector received only
#    what nft let through;
#  - STAMP (an SSID), count 10, 3 rounds: 30 sent and received, stateful,
#    the reflector's numbers from 0 each round; then 2 rounds of 20 with
#    the forward drops: forward_lost the nft counter, split per round;
#  - one round: the total's twamp object is the round's.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 31

need_root
lopad_init
netns_new NS

lopad_port P || bail "no free port"

lopad_start "$NS" "reflector:
  addr: \"127.0.0.1:$LOPAD_REFL_PORT\"
  twamp_addr: \"127.0.0.1:$P\"
  twamp_stateful: true" || give_up "lopad did not start"
lopad_log_wait "^reflector: twamp reflector on 127\.0\.0\.1:$P " ||
    diag "no twamp reflector line"

# refl EXPR: a value of GET /api/v1/reflector (t: its twamp member).
refl() {
	api ro GET /api/v1/reflector >/dev/null
	json_get "$API_BODY" "$(printf '%s' "$1" | sed 's/\bt\[/j["twamp"][/g')"
}
is "$(refl '[t["up"], t["mode"], t["listen"]]')" \
    "[true, \"stateful\", \"127.0.0.1:$P\"]" \
    "the reflector is up on 127.0.0.1:$P, stateful"

# run TYPE JSON: create, wait (30 s at most); TASK_JSON holds the result.
run() {
	task_create "$1" "$2" || { diag "$1 $2: $API_CODE $(cat "$API_BODY")"
	    return 1; }
	task_wait "$TASK_ID" 30000 || diag "task $TASK_ID did not end"
}

# samples: the task's samples, into $LOPAD_DIR/samples.json.
samples() {
	api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
	cp "$API_BODY" "$LOPAD_DIR/samples.json"
}

# rounds_check COUNT RECEIVED FWD BWD: every round has COUNT sent,
# RECEIVED received, a stateful reflector, FWD and BWD lost on the way
# there and back, as many replies as received; rounds indexed 1.. in
# order.  Prints "ok N" (N rounds) or what differs.
rounds_check() {
	python3 - "$TASK_JSON" "$@" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
count, recv, fwd, bwd = (int(x) for x in sys.argv[2:6])
bad = []
for n, r in enumerate(j.get("rounds", []), 1):
    s, w = r["stats"], r["stats"].get("twamp", {})
    got = (r["index"], s["sent"], s["received"], w.get("replies"),
           w.get("reflector"), w.get("forward_lost"), w.get("backward_lost"))
    want = (n, count, recv, recv, "stateful", fwd, bwd)
    if got != want:
        bad.append("round %d: (index, sent, received, replies, reflector, "
                   "forward_lost, backward_lost) %r, want %r" % (n, got, want))
print("ok %d" % len(j.get("rounds", [])) if not bad else "; ".join(bad[:3]))
EOF
}

# rseqs PER: our sequence numbers ("1..N" when they are, in their
# order), then the reflector's of the replies, a list per round of PER.
rseqs() {
	python3 - "$LOPAD_DIR/samples.json" "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
s = s["samples"] if isinstance(s, dict) else s
per = int(sys.argv[2])
probes = sorted((x for x in s if x.get("kind", "probe") == "probe"),
                key=lambda x: x["seq"])
seqs = [x["seq"] for x in probes]
out = ["ours %s" % ("1..%d" % len(seqs) if seqs == list(range(1, len(seqs) + 1))
                    else repr(seqs))]
for r in range(len(probes) // per):
    rs = [x["reflector_seq"] for x in probes[r * per:(r + 1) * per]
          if x["status"] == "ok"]
    out.append(repr(rs))
print(" / ".join(out))
EOF
}

# 1. TWAMP-light, 3 rounds of 20, nothing lost.
C=20 R=3
S10="[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"
S20="[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]"
refl0=$(refl 't["reflected"]')
run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":$C,\"rounds\":$R,
    \"round_delay\":\"100ms\",\"interval\":\"10ms\",\"timeout\":\"1s\"}"
is "$(task_get '[j["status"], j["total"]["sent"], j["total"]["received"], j["total"]["lost"], len(j["rounds"])]')" \
    '["finished", 60, 60, 0, 3]' \
    "twamp, 3 rounds of 20: finished, 60 sent, 60 received, none lost, 3 rounds"
is "$(task_get '(lambda w: [w["replies"], w["reflector"], w["forward_lost"], w["backward_lost"]])(j["total"]["twamp"])')" \
    '[60, "stateful", 0, 0]' \
    "the total: 60 replies, a stateful reflector, forward_lost 0, backward_lost 0"
is "$(rounds_check $C $C 0 0)" "ok 3" \
    "each round: 20 sent and received, stateful, 0 lost either way"
# The rounds' times (RFC 3339, trailing zeros of the fraction left out):
# "ok" when each round ends after it starts and the next starts after
# it, then the pauses between them in ms.
python3 - "$TASK_JSON" >"$LOPAD_DIR/gaps" <<'EOF'
import datetime, json, re, sys
def t(s):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$", s)
    d = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    return (int(d.replace(tzinfo=datetime.timezone.utc).timestamp()) * 10**9 +
            int((m.group(2) or "").ljust(9, "0")))
r = json.load(open(sys.argv[1]))["rounds"]
f, e = [t(x["from"]) for x in r], [t(x["to"]) for x in r]
order = all(f[i] < e[i] for i in range(len(r))) and \
    all(e[i] <= f[i + 1] for i in range(len(r) - 1))
print("ok" if order else "disorder", end="")
for i in range(len(r) - 1):
    print(" %d" % ((f[i + 1] - e[i]) // 10**6), end="")
print()
EOF
is "$(cut -d' ' -f1 "$LOPAD_DIR/gaps")" ok \
    "the rounds in order, each after the previous one's end"
check "the pauses between rounds are about round_delay (100 ms): $(cut -d' ' -f2- "$LOPAD_DIR/gaps") ms" \
    awk '{ for (i = 2; i <= NF; i++) if ($i < 95 || $i > 1000) exit 1 } END { exit NF != 3 }' \
    "$LOPAD_DIR/gaps"
samples
is "$(rseqs $C)" \
    "ours 1..60 / $S20 / $S20 / $S20" \
    "our sequence numbers go on (1..60), the reflector's start at 0 each round"
is "$(($(refl 't["reflected"]') - refl0))" 60 "the reflector reflected 60"
is "$(refl 't["sessions"]["active"]')" 3 \
    "the reflector holds 3 sessions: a new source port each round"

# 2. The same, nft dropping requests and replies in the namespace.
nft_ns() {
	ip netns exec "$NS" nft "$@"
}
cleanup_push "ip netns exec $NS nft delete table inet lopar"
nft_ns add table inet lopar
nft_ns add chain inet lopar in '{ type filter hook input priority 0; }'
nft_ns add counter inet lopar dropped_req
nft_ns add counter inet lopar dropped_rep
# Requests 3, 8, 13, 18 of each round (20 is a multiple of 5).
nft_ns add rule inet lopar in udp dport "$P" numgen inc mod 5 == 2 \
    counter name dropped_req drop
# Of the 16 replies sent back each round, the 4th and the 12th.
nft_ns add rule inet lopar in udp sport "$P" numgen inc mod 8 == 3 \
    counter name dropped_rep drop
# nft_count NAME: packets counted by a named counter.
nft_count() {
	nft_ns list counter inet lopar "$1" |
	    sed -n 's/.*packets \([0-9]*\) .*/\1/p'
}
refl0=$(refl 't["received"]')
run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":$C,\"rounds\":$R,
    \"round_delay\":\"100ms\",\"interval\":\"10ms\",\"timeout\":\"1s\"}"
fwd=$(nft_count dropped_req) bwd=$(nft_count dropped_rep)
is "$fwd $bwd" "12 6" "nft dropped 12 requests and 6 replies (4 and 2 a round)"
is "$(task_get '[j["status"], j["total"]["sent"], j["total"]["received"], j["total"]["lost"]]')" \
    '["finished", 60, 42, 18]' "twamp with drops: 60 sent, 42 received, 18 lost"
is "$(task_get '(lambda w: [w["reflector"], w["forward_lost"], w["backward_lost"]])(j["total"]["twamp"])')" \
    "[\"stateful\", ${fwd:-x}, ${bwd:-x}]" \
    "the total's forward_lost and backward_lost are nft's counters"
is "$(rounds_check $C 14 4 2)" "ok 3" \
    "each round: 14 received, forward_lost 4, backward_lost 2"
is "$(task_get '[sum(r["stats"]["twamp"][k] for r in j["rounds"]) == j["total"]["twamp"][k] for k in ("forward_lost", "backward_lost")]')" \
    "[true, true]" "the total's split is the sum of the rounds'"
is "$(task_get '[sum(r["stats"][k] for r in j["rounds"]) == j["total"][k] for k in ("sent", "received", "lost")]')" \
    "[true, true, true]" "sent, received and lost are the sums of the rounds'"
is "$(($(refl 't["received"]') - refl0))" 48 \
    "the reflector received the 48 requests nft let through"
samples
L="[0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15]"
is "$(rseqs $C)" \
    "ours 1..60 / $L / $L / $L" \
    "each round: the reflector's numbers from 0, gaps where its replies were dropped"
is "$(python3 - "$LOPAD_DIR/samples.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
s = s["samples"] if isinstance(s, dict) else s
print([x["seq"] for x in s if x.get("kind", "probe") == "probe" and x["status"] != "ok"])
EOF
)" "[3, 5, 8, 13, 15, 18, 23, 25, 28, 33, 35, 38, 43, 45, 48, 53, 55, 58]" \
    "the lost probes: 3, 8, 13, 18 (requests) and 5, 15 (replies) of each round"

# 3. STAMP, 3 rounds of 10, nothing lost (the rules out of the way).
nft_ns flush chain inet lopar in
run stamp "{\"target\":\"127.0.0.1:$P\",\"count\":10,\"rounds\":3,
    \"round_delay\":\"50ms\",\"interval\":\"10ms\",\"timeout\":\"1s\",\"ssid\":77}"
is "$(task_get '[j["status"], j["total"]["sent"], j["total"]["received"], len(j["rounds"]), j["params"]["ssid"]]')" \
    '["finished", 30, 30, 3, 77]' \
    "stamp, 3 rounds of 10: finished, 30 sent and received, ssid 77"
is "$(task_get '(lambda w: [w["replies"], w["reflector"], w["forward_lost"], w["backward_lost"]])(j["total"]["twamp"])')" \
    '[30, "stateful", 0, 0]' "stamp total: 30 replies, stateful, nothing lost either way"
is "$(rounds_check 10 10 0 0)" "ok 3" "stamp rounds: 10 each, stateful, 0 lost"
samples
is "$(rseqs 10)" \
    "ours 1..30 / $S10 / $S10 / $S10" \
    "stamp: the reflector numbers each round from 0"

# 4. STAMP, 2 rounds of 20, requests 3, 8, 13, 18 of each dropped.
nft_ns reset counter inet lopar dropped_req >/dev/null
nft_ns add rule inet lopar in udp dport "$P" numgen inc mod 5 == 2 \
    counter name dropped_req drop
run stamp "{\"target\":\"127.0.0.1:$P\",\"count\":20,\"rounds\":2,
    \"round_delay\":\"50ms\",\"interval\":\"10ms\",\"timeout\":\"1s\",\"ssid\":78}"
fwd=$(nft_count dropped_req)
is "$fwd" 8 "nft dropped 8 stamp requests"
is "$(task_get '[j["status"], j["total"]["sent"], j["total"]["received"], j["total"]["lost"]]')" \
    '["finished", 40, 32, 8]' "stamp with drops: 40 sent, 32 received, 8 lost"
is "$(task_get '(lambda w: [w["reflector"], w["forward_lost"], w["backward_lost"]])(j["total"]["twamp"])')" \
    "[\"stateful\", ${fwd:-x}, 0]" \
    "stamp: the total's forward_lost is nft's counter, backward_lost 0"
is "$(rounds_check 20 16 4 0)" "ok 2" "stamp rounds: forward_lost 4 each"
nft_ns delete table inet lopar

# 5. One round, for comparison: the total is that round's.
run twamp "{\"target\":\"127.0.0.1:$P\",\"count\":5,\"interval\":\"10ms\"}"
is "$(task_get '[j["status"], j["total"]["received"], len(j["rounds"]), j["total"]["twamp"]["reflector"], j["total"]["twamp"]["forward_lost"]]')" \
    '["finished", 5, 1, "stateful", 0]' "one round: 5 received, stateful"
is "$(task_get 'j["total"]["twamp"] == j["rounds"][0]["stats"]["twamp"]')" true \
    "one round: the total's twamp object is the round's"

check "lopad is alive" proc_alive "$LOPAD_PID"
check "the sender is alive" lopad_role_pid sender
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
