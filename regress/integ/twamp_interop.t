#!/bin/bash
#
# twamp and stamp tasks against other reflectors (TAP): lopad's
# Session-Sender on the loopback of a network namespace of the test's
# own, answered by reflectors written here in Python that behave as
# others do, well or badly:
#  a. perfSONAR-style (twampd/owamp): RFC 5357 replies of max(41,
#     request) octets, its own sequence numbers from 0 (stateful), the
#     Sender TTL it saw, replies with TTL 255, kernel-read T2: every
#     probe received, stateful with nothing lost either way, 0 hops,
#     the reply sizes as RFC 5357 section 4.2.1 wants them;
#  b. STAMP replies with an Error Estimate of multiplier 0 (RFC 4656
#     section 4.1.2 forbids it): received all the same, and what lopad
#     says of it is checked;
#  c. a plain UDP echo (socat): a 14-octet echo is too short for a
#     reply (malformed), a 41-octet one (and a STAMP one) decodes but
#     has neither our sequence number nor our T1 where a reply copies
#     them (stale); and a reflector with the RFC layout and our
#     sequence numbers but another T1 (foreign): never received, the
#     probes lost;
#  d. two replies to each request: duplicates counted, received once;
#  e. replies after the probe timeout: late, the probes lost.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 28

need_root
lopad_init
netns_new NS

lopad_port PX || bail "no free port"

lopad_start "$NS" "reflector:
  addr: \"127.0.0.1:$LOPAD_REFL_PORT\"" || give_up "lopad did not start"

cat >"$LOPAD_DIR/refl.py" <<'EOF'
# refl.py MODE PORT LOG: a reflector on 127.0.0.1:PORT; "request-length
# reply-length" per reply in LOG.
#   perfsonar  RFC 5357: max(41, request) octets, own seq from 0,
#              Sender TTL as received, IP TTL 255, S set, 1 ms
#   stampzero  RFC 8762 44 octets (and what follows, as it came), SSID
#              copied, Error Estimate S set, multiplier 0
#   badts      perfsonar, but the copied T1 is ours + 1
#   double     perfsonar, each reply sent twice
#   late       perfsonar, each reply DELAY (0.25 s) after the request
import heapq, select, socket, struct, sys, time
NTP_OFF = 2208988800
DELAY = 0.25
def ntp_from(ns):
    s, r = divmod(ns, 10**9)
    return ((s + NTP_OFF) << 32) | ((r << 32) // 10**9)
mode, port, log = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "a")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
s.setsockopt(socket.IPPROTO_IP, 12, 1)		# IP_RECVTTL (Linux)
SO_TIMESTAMPNS = 35					# Linux, x86 and arm
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.bind(("127.0.0.1", port))
print("ready", flush=True)
nextseq, pending = 0, []
def reply(d, ttl, t2):
    global nextseq
    seq, t1, e1 = struct.unpack("!IQH", d[:14])
    t3 = ntp_from(time.time_ns())
    if mode == "stampzero":
        ssid = struct.unpack("!H", d[14:16])[0] if len(d) >= 16 else 0
        r = struct.pack("!IQHHQIQHHB3x", seq, t3, 0x8000, ssid, t2, seq,
            t1, e1, 0, ttl) + d[44:]
        return r
    if mode == "badts":
        t1 = (t1 + 1) & (2**64 - 1)
    r = struct.pack("!IQHHQIQHHB", nextseq, t3, 0x8001, 0, t2, seq, t1,
        e1, 0, ttl)
    nextseq += 1
    # RFC 5357 4.2.1: the sender's padding less the 27 octets.
    return r + d[41:] if len(d) > 41 else r
while True:
    wait = None
    if pending:
        wait = max(0, pending[0][0] - time.monotonic())
    if select.select([s], [], [], wait)[0]:
        d, anc, _, a = s.recvmsg(70000, 256)
        ttl, t2 = 255, None
        for lvl, typ, v in anc:
            if lvl == socket.IPPROTO_IP and typ == socket.IP_TTL:
                ttl = struct.unpack("i", v[:4])[0]
            elif lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", v[:16])
                t2 = ntp_from(sec * 10**9 + nsec)
        if t2 is None:
            t2 = ntp_from(time.time_ns())
        if len(d) < 14:
            continue
        r = reply(d, ttl, t2)
        if mode == "late":
            heapq.heappush(pending, (time.monotonic() + DELAY, r, a))
            continue
        s.sendto(r, a)
        if mode == "double":
            s.sendto(r, a)
        log.write("%d %d\n" % (len(d), len(r))); log.flush()
    while pending and pending[0][0] <= time.monotonic():
        _, r, a = heapq.heappop(pending)
        s.sendto(r, a)
        log.write("late %d\n" % len(r)); log.flush()
EOF

REFL_PID=
# refl_run MODE: the Python reflector MODE on PX, in place of the last.
refl_run() {
	refl_stop
	: >"$LOPAD_DIR/refl.out"
	: >"$LOPAD_DIR/refl.log"
	ip netns exec "$NS" python3 "$LOPAD_DIR/refl.py" "$1" "$PX" \
	    "$LOPAD_DIR/refl.log" >"$LOPAD_DIR/refl.out" 2>&1 &
	REFL_PID=$!
	cleanup_push "kill $REFL_PID 2>/dev/null"
	wait_until 5000 50 grep -q ready "$LOPAD_DIR/refl.out" ||
	    bail "reflector $1 did not start: $(cat "$LOPAD_DIR/refl.out")"
}

refl_stop() {
	[ -n "$REFL_PID" ] || return 0
	kill "$REFL_PID" 2>/dev/null
	wait "$REFL_PID" 2>/dev/null
	REFL_PID=
}

# socat_run: a plain UDP echo on PX.
socat_run() {
	refl_stop
	ip netns exec "$NS" socat UDP4-RECVFROM:"$PX",bind=127.0.0.1,fork \
	    PIPE >/dev/null 2>&1 &
	REFL_PID=$!
	cleanup_push "kill $REFL_PID 2>/dev/null"
	wait_until 5000 50 sh -c "ip netns exec $NS ss -uln | grep -q ':$PX '" ||
	    diag "socat did not bind $PX"
}

# run TYPE JSON: create, wait; TASK_JSON holds the result.
run() {
	task_create "$1" "$2" || { diag "$1 $2: $API_CODE $(cat "$API_BODY")"
	    return 1; }
	task_wait "$TASK_ID" 30000 || diag "task $TASK_ID did not end"
}

# counters: the sender's malformed, foreign and stale counts.
counters() {
	api rw GET /api/v1/status >/dev/null
	json_get "$API_BODY" '"%d %d %d" % (j["sender"]["malformed"],
	    j["sender"]["foreign"], j["sender"]["stale"])'
}

# delta BEFORE AFTER: the differences of two counters lines.
delta() {
	set -- $1 $2
	echo "$(($4 - $1)) $(($5 - $2)) $(($6 - $3))"
}

# a. perfSONAR-style.
refl_run perfsonar
run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":10,\"interval\":\"10ms\",\"timeout\":\"500ms\"}"
is "$(task_get '[j["status"], j["total"]["sent"], j["total"]["received"], j["total"]["refused"], j["total"]["lost"], j["total"]["twamp"]["reflector"]]')" \
    '["finished", 10, 10, 0, 0, "stateful"]' \
    "perfSONAR-style: 10 of 10 received, the reflector is stateful"
is "$(task_get '[j["total"]["twamp"]["forward_lost"], j["total"]["twamp"]["backward_lost"], j["total"]["twamp"]["hops"]["forward"], j["total"]["twamp"]["hops"]["backward"], j["total"]["twamp"]["nonconformant"]]')" \
    '[0, 0, 0, 0, 0]' \
    "perfSONAR-style: nothing lost either way, 0 hops, conformant"
# Unsynchronized when our own clock is (the Error Estimate we sent is
# copied back): what a valid estimate with S set gets here.
is "$(task_get 'j["total"]["twamp"]["unsynchronized_replies"] in (0, 10)')" \
    true "perfSONAR-style: all replies alike as to synchronization"
A_UNSYNC=$(task_get 'int(j["total"]["twamp"]["unsynchronized_replies"] == 10)')
api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
is "$(json_get "$API_BODY" '[[x["reflector_seq"] for x in j if x["status"] == "ok"], sorted(set(x.get("sender_ttl") for x in j))]')" \
    '[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [255]]' \
    "perfSONAR-style: its own numbers from 0, Sender TTL 255"
is "$(json_get "$API_BODY" 'all(x["processing"] >= 0 and x["forward"] + x["backward"] <= x["rtt"] + 2 for x in j)')" \
    true "perfSONAR-style: processing >= 0, forward + backward within the RTT"
is "$(sort -u "$LOPAD_DIR/refl.log" | tr '\n' ' ')" "41 41 " \
    "perfSONAR-style: 41-octet requests (padding 27), 41-octet replies"
: >"$LOPAD_DIR/refl.log"
run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\",\"padding\":0}"
is "$(task_get '[j["total"]["received"], j["total"]["twamp"]["reflector"], j["total"]["twamp"]["nonconformant"]]')" \
    '[5, "stateful", 0]' "perfSONAR-style, padding 0: all received"
is "$(sort -u "$LOPAD_DIR/refl.log" | tr '\n' ' ')" "14 41 " \
    "perfSONAR-style: 14-octet requests get 41-octet replies"
: >"$LOPAD_DIR/refl.log"
run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\",\"padding\":200}"
is "$(task_get '[j["total"]["received"], j["params"]["packet_size"]]')" \
    '[5, 214]' "perfSONAR-style, padding 200: all received"
is "$(sort -u "$LOPAD_DIR/refl.log" | tr '\n' ' ')" "214 214 " \
    "perfSONAR-style: 214 octets both ways"

# b. STAMP with an Error Estimate multiplier of 0.
refl_run stampzero
run stamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\",\"ssid\":99,\"timeout\":\"500ms\"}"
is "$(task_get '[j["total"]["received"], j["total"]["lost"], j["total"]["twamp"]["reflector"]]')" \
    '[5, 0, "stateless"]' \
    "STAMP, Error Estimate multiplier 0: the probes are received all the same"
is "$(sort -u "$LOPAD_DIR/refl.log" | tr '\n' ' ')" "44 44 " \
    "STAMP: 44 octets both ways"
# RFC 4656 section 4.1.2: multiplier 0 is invalid; lopad accepts the
# reply and counts it nonconformant (twamp_input: TWAMP_F_ERREST_BAD).
is "$(task_get '[j["total"]["twamp"]["nonconformant"], j["total"]["received"]]')" \
    "[5, 5]" "STAMP, multiplier 0: every reply received and counted nonconformant"
if proc_alive "$LOPAD_PID"; then
	ok "STAMP, multiplier 0: lopad alive after it"
else
	not_ok "STAMP, multiplier 0: lopad alive after it"
fi

# c. A plain UDP echo, and a reflector copying another T1.
if command -v socat >/dev/null 2>&1; then
	socat_run
	c0=$(counters)
	run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\",\"padding\":0,\"timeout\":\"300ms\"}"
	is "$(task_get '[j["total"]["received"], j["total"]["lost"], j["total"]["twamp"]["replies"]]')" \
	    "[0, 5, 0]" "UDP echo of 14 octets: never received, the probes lost"
	is "$(delta "$c0" "$(counters)")" "5 0 0" \
	    "UDP echo of 14 octets: counted malformed (under 38 octets)"
	c0=$(counters)
	run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\",\"timeout\":\"300ms\"}"
	is "$(task_get '[j["total"]["received"], j["total"]["lost"], j["total"]["twamp"]["replies"]]')" \
	    "[0, 5, 0]" "UDP echo of 41 octets: never received, the probes lost"
	# The echo decodes (38 octets and more), but where a reply copies
	# our sequence number and T1 it has our zero padding: sequence
	# number 0, which no probe has (they start at 1); were it one,
	# the copied T1 (0) would not be its T1 (the badts case below).
	is "$(delta "$c0" "$(counters)")" "0 0 5" \
	    "UDP echo of 41 octets: decodes, no probe of ours (stale)"
	c0=$(counters)
	run stamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\",\"timeout\":\"300ms\"}"
	is "$(task_get '[j["total"]["received"], j["total"]["lost"]]') $(delta "$c0" "$(counters)")" \
	    "[0, 5] 0 0 5" "UDP echo of a STAMP request: never received (stale)"
else
	for d in 14 14c 41 41c stamp; do
		skip "socat not installed ($d)"
	done
fi
refl_run badts
c0=$(counters)
run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":5,\"interval\":\"10ms\",\"timeout\":\"300ms\"}"
is "$(task_get '[j["total"]["received"], j["total"]["lost"]]') $(delta "$c0" "$(counters)")" \
    "[0, 5] 0 5 0" \
    "our sequence number but another T1: refused as foreign, the probes lost"

# d. Two replies to each request.
refl_run double
run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":10,\"interval\":\"10ms\",\"timeout\":\"500ms\"}"
# The task ends when every probe is answered: the last probe's second
# reply may come after that, uncounted.
dups=$(task_get 'j["total"]["duplicates"]')
is "$(task_get '[j["total"]["sent"], j["total"]["received"], j["total"]["lost"], j["total"]["duplicates"] in (9, 10)]')" \
    "[10, 10, 0, true]" "two replies each: 10 received, $dups duplicates"
is "$(task_get '[j["total"]["twamp"]["replies"], j["total"]["twamp"]["reflector"], j["total"]["twamp"]["forward_lost"], j["total"]["twamp"]["backward_lost"]]')" \
    '[10, "stateful", 0, 0]' \
    "two replies each: the statistics count each probe once, nothing lost"
api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
is "$(json_get "$API_BODY" '[sum(1 for x in j if x["kind"] == "duplicate"), sum(1 for x in j if x["status"] == "ok" and x["kind"] == "probe")]')" \
    "[$dups, 10]" "two replies each: a duplicate sample for each counted, beside the 10 answers"

# e. Replies 250 ms after the request, the timeout 150 ms: the first
# eight at least come while the task runs (probes are remembered for
# twice the timeout), the last after it ended.
refl_run late
run twamp "{\"target\":\"127.0.0.1:$PX\",\"count\":10,\"interval\":\"100ms\",\"timeout\":\"150ms\"}"
is "$(task_get '[j["total"]["sent"], j["total"]["received"], j["total"]["lost"], j["total"]["twamp"]["replies"]]')" \
    "[10, 0, 10, 0]" "replies after the timeout: none received, all lost"
is "$(task_get 'j["total"]["late"] >= 8')" true \
    "replies after the timeout: counted late ($(task_get 'j["total"]["late"]'))"
api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
is "$(json_get "$API_BODY" '[sum(1 for x in j if x["kind"] == "late"), sum(1 for x in j if x["kind"] == "probe" and x["status"] == "ok")]')" \
    "[$(task_get 'j["total"]["late"]'), 0]" \
    "late replies: as many late samples as the total counts, no answer"
wait_until 3000 50 sh -c "[ \$(grep -c late '$LOPAD_DIR/refl.log') = 10 ]"
is "$(grep -c late "$LOPAD_DIR/refl.log")" 10 "the reflector did answer each, late"
refl_stop

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
