#!/bin/bash
#
# TWAMP-light / STAMP reflector benchmarks (not tests; run by `make
# bench`): lopad's Session-Reflector (reflector.twamp_addr) against
# bench/twamp_refl, a minimal recvmmsg/sendmmsg reflector answering in the
# same format, measured in the same run with the same client
# (bench/twamp_load) and the same CPU placement, one after the other.
#
#   1. Flat out (twamp_load -r 0): TWAMP-light with 27 octets of padding
#      (41-octet requests and replies), then STAMP (44 octets): reflected
#      packets per second (replies the client matched, over the sending
#      time) and reflector CPU per reflected packet (schedstat run time of
#      every thread of the reflector process over the run, lopad's being
#      the "lopad: reflector" child).  Goals: >= 90 % of the reference's
#      rate, <= 1.2x its CPU per packet.
#   2. T3 - T2 (the reflector's own Receive Timestamp and Timestamp) at
#      BENCH_TWAMP_RATE (20,000) packets/s: p50 (goal <= 5 us) and p99;
#      the client's round trip and the CPU per packet at that rate.  The
#      plain reference reads T2 from the clock after its recvmmsg, so its
#      T3 - T2 leaves the wake-up out; T3 - T2 is compared with a second
#      reference, twamp_refl -e -k (an event loop's epoll_wait and a
#      kernel RX timestamp for T2, as lopad), whose figure is what any
#      reflector that sleeps between requests gets on this machine.  Then
#      lopad again with reflector.busy_poll (BENCH_TWAMP_BUSY, 100us): it
#      stays awake between requests, T3 - T2 leaves the wake-up out, and
#      the CPU it spins is reported.
#   3. Round trip at 1000 packets/s: T4 - T1 from the kernel's software
#      TX and RX timestamps of the client's socket, p50 and p99.
#   4. lopad's own Session-Sender (a twamp task) at 1000 packets/s against
#      the reference reflector, alone, with a packet capture on the
#      loopback as the reference: per probe, lopad's T4 - T1 against the
#      round trip between the capture's stamps (p50 of the error, p99 of
#      its size), and lopad's RTT checked against that less the
#      reflector's T3 - T2.
#
# Every measurement is BENCH_TWAMP_ROUNDS (default 2) runs of
# BENCH_TWAMP_SECONDS (default 5) s, alternating lopad and the reference;
# the table shows each side's best run (highest rate, lowest p50 or CPU),
# every run is in the log on stderr with lopad's counters.  Ratios are
# lopad / reference.  Everything runs on the loopback of a network
# namespace created here (lopad on one port, the reference on another,
# the client beside them).  With 2 CPUs or more the reflectors (lopad's
# reflector process, and twamp_refl) run on CPU 1 and the client on CPU 0
# (taskset); with one CPU nothing is pinned.  lopad runs with its rate
# limits raised out of the way (the token buckets are still taken per
# packet).  Needs root and taskset; about BENCH_TWAMP_SECONDS x 13 s.
# BENCH_ONLY (a comma list of flat, proc, rtt, sender; default all) runs
# some.  With the CPU per packet goes the number of packets per wake-up
# (voluntary context switches of the reflector's threads), which says
# how much of the CPU is the wake-up's.

. "$(dirname "$0")/../regress/lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

TWAMP_LOAD=${TWAMP_LOAD:-$LOPA_ROOT/build/bench/twamp_load}
TWAMP_REFL=${TWAMP_REFL:-$LOPA_ROOT/build/bench/twamp_refl}
SECS=${BENCH_TWAMP_SECONDS:-5}
ROUNDS=${BENCH_TWAMP_ROUNDS:-2}
RATE=${BENCH_TWAMP_RATE:-20000}
PAD=27
ADDR=127.0.0.1
BUSY=${BENCH_TWAMP_BUSY:-100us}
LPORT=20862
RPORT=20863
EPORT=20864
ROWS=()
NOTES=()

say() {
	printf '%s\n' "$*" >&2
}

row() {
	ROWS+=("$(printf '%-44s %13s %13s %7s  %s' "$@")")
	say "  ${ROWS[-1]}"
}

note() {
	NOTES+=("$*")
	say "  note: $*"
}

# want SECTION: whether BENCH_ONLY selects it.
want() {
	[ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]
}

# field NAME LINE: the word after NAME in a "name value ..." line.
field() {
	printf '%s\n' "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++)
	    if ($i == k) { print $(i + 1); exit } }'
}

# pids_ns PID: schedstat run time (ns) summed over the threads.
pids_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
	    awk '{ s += $1 } END { printf "%.0f\n", s }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" ||
	    a == "nan" || b == "nan" || a < 0 || b <= 0) print "n/a";
	    else printf "%.2f\n", a / b }'
}

# goal RATIO OP LIMIT: "goal OP LIMIT: met" or "missed".
goal() {
	awk -v r="$1" -v op="$2" -v l="$3" 'BEGIN { if (r == "n/a") {
	    print "goal " op " " l ": n/a"; exit }
	    m = (op == ">=") ? r + 0 >= l + 0 : r + 0 <= l + 0
	    print "goal " op " " l ": " (m ? "met" : "MISSED") }'
}

# ns_us NS: "1.2 us" ("n/a" for -1 or nothing).
ns_us() {
	awk -v n="$1" 'BEGIN { if (n == "" || n < 0) print "n/a";
	    else if (n >= 10000) printf "%.0f us\n", n / 1000;
	    else printf "%.2f us\n", n / 1000 }'
}

[ -x "$TWAMP_LOAD" ] || bail "$TWAMP_LOAD missing (make bench)"
[ -x "$TWAMP_REFL" ] || bail "$TWAMP_REFL missing (make bench)"
command -v taskset >/dev/null || bail "taskset is not installed"
[[ "$SECS" =~ ^[1-9][0-9]*$ ]] || bail "BENCH_TWAMP_SECONDS: $SECS"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || bail "BENCH_TWAMP_ROUNDS: $ROUNDS"

if [ "$(nproc)" -ge 2 ]; then
	PIN_REFL=(taskset -c 1)
	PIN_LOAD=(taskset -c 0)
	PLACEMENT="reflectors on CPU 1, client on CPU 0"
else
	PIN_REFL=()
	PIN_LOAD=()
	PLACEMENT="one CPU: nothing pinned"
fi

lopad_init
B=$LOPAD_DIR/bench
mkdir -p "$B"
netns_new NS

# --- lopad, with its TWAMP reflector on LPORT -------------------------------
lopad_config "$LOPAD_CONF" "reflector:
  addr: \"$ADDR:$LOPAD_REFL_PORT\"
  twamp_addr: \"$ADDR:$LPORT\"
  rate_per_source: 100000000
  rate_global: 100000000
tasks:
  samples: $((SECS * 1000 > 100000 ? 100000 : SECS * 1000))"
: >"$LOPAD_LOG"
# Without -v: no debug logging, as in production.
ip netns exec "$NS" "$LOPAD" -d -f "$LOPAD_CONF" </dev/null \
    >>"$LOPAD_LOG" 2>&1 &
LOPAD_PID=$!
LOPAD_NS=$NS
LOPAD_PIDS+=("$LOPAD_PID")
lopad_wait_ready || bail "lopad did not start (log above)"
LREFL=$(lopad_role_pid reflector) ||
    bail "no \"lopad: reflector\" process among $(lopad_children | tr '\n' ' ')"
if [ "${#PIN_REFL[@]}" -gt 0 ]; then
	taskset -a -p -c 1 "$LREFL" >/dev/null ||
	    bail "taskset of lopad's reflector ($LREFL) failed"
fi
say "lopad $LOPAD_PID (reflector $LREFL) in $NS, TWAMP on $ADDR:$LPORT; log $LOPAD_LOG"

# --- the reference on RPORT ---------------------------------------------------
# ip and taskset exec their command: $! is twamp_refl itself.
ip netns exec "$NS" "${PIN_REFL[@]}" "$TWAMP_REFL" -t 3600 "$ADDR" "$RPORT" \
    >"$B/refl.out" 2>&1 &
RREFL=$!
cleanup_push "kill $RREFL 2>/dev/null"
wait_until 5000 20 grep -q ready "$B/refl.out" ||
    bail "twamp_refl did not start: $(head -c 300 "$B/refl.out")"
say "twamp_refl $RREFL on $ADDR:$RPORT; $PLACEMENT"
ip netns exec "$NS" "${PIN_REFL[@]}" "$TWAMP_REFL" -e -k -t 3600 "$ADDR" \
    "$EPORT" >"$B/reflek.out" 2>&1 &
EREFL=$!
cleanup_push "kill $EREFL 2>/dev/null"
wait_until 5000 20 grep -q ready "$B/reflek.out" ||
    bail "twamp_refl -e -k did not start: $(head -c 300 "$B/reflek.out")"
say "twamp_refl -e -k $EREFL on $ADDR:$EPORT"

# lopad_busy DURATION: reload lopad with reflector.busy_poll DURATION.
lopad_busy() {
	sed -i '/^  busy_poll:/d' "$LOPAD_CONF"
	sed -i "/^reflector:/a\\  busy_poll: \"$1\"" "$LOPAD_CONF"
	api rw POST /api/v1/reload >/dev/null
	[ "$API_CODE" = 200 ] ||
	    bail "reload with busy_poll $1: $API_CODE $(head -c 300 "$API_BODY")"
}

# load ARGS...: the client, pinned, in the namespace.
load() {
	ip netns exec "$NS" "${PIN_LOAD[@]}" "$TWAMP_LOAD" "$@" 2>>"$B/load.err"
}

# Both must answer, TWAMP-light and STAMP, before anything is measured.
for mode in "" -S; do
	out=$(load $mode -r 200 -d 1 -w 1000 "$ADDR" "$RPORT")
	[ "$(field received "$out")" -gt 0 ] 2>/dev/null ||
	    bail "the reference twamp_refl does not answer${mode:+ STAMP}: $out"
	out=$(load $mode -r 200 -d 1 -w 1000 "$ADDR" "$LPORT")
	if ! [ "$(field received "$out")" -gt 0 ] 2>/dev/null; then
		diag_file "$LOPAD_LOG" >&2
		bail "lopad's reflector does not answer TWAMP${mode:+ (STAMP)} on $ADDR:$LPORT (reflector.twamp_addr): is the Session-Reflector in $LOPAD? client: $out"
	fi
	[ "$(field received "$out")" = "$(field sent "$out")" ] ||
	    note "lopad answered ${mode:+STAMP }$(field received "$out") of $(field sent "$out") at 200/s"
done

# pids_wakes PID: voluntary context switches summed over the threads:
# how often the reflector blocked, i.e. its wake-ups.
pids_wakes() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
	    awk '/^voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }'
}

# run WHO OUT ARGS...: twamp_load against lopad or ref; OUT gets its line
# followed by "cpu_ns N" (the reflector's schedstat run time meanwhile)
# and "wakes N" (its wake-ups meanwhile).
run() {
	local who=$1 out=$2 pid port n0 n1 w0 w1 line

	shift 2
	case $who in
	lopad*)	pid=$LREFL port=$LPORT ;;
	refek)	pid=$EREFL port=$EPORT ;;
	*)	pid=$RREFL port=$RPORT ;;
	esac
	w0=$(pids_wakes "$pid")
	n0=$(pids_ns "$pid")
	line=$(load "$@" "$ADDR" "$port")
	n1=$(pids_ns "$pid")
	w1=$(pids_wakes "$pid")
	printf '%s cpu_ns %s wakes %s\n' "$line" "$((n1 - n0))" \
	    "$((w1 - w0))" >"$out"
	say "  $who $*: $(cat "$out")"
	[[ "$who" == lopad* ]] && say "    lopad's counters so far: $(lopad_twamp_status)"
}

# lopad_twamp_status: the TWAMP listener's counters (GET /api/v1/status).
lopad_twamp_status() {
	api ro GET /api/v1/status >/dev/null
	json_get "$API_BODY" '"received %d reflected %d dropped %d %s batches %d max %d t2 %s" % (
	    j["reflector"]["twamp"]["received"], j["reflector"]["twamp"]["reflected"],
	    j["reflector"]["twamp"]["dropped"],
	    ",".join("%s:%s" % kv for kv in sorted(j["reflector"]["twamp"]["drops"].items())),
	    j["reflector"]["twamp"]["batches"]["count"],
	    j["reflector"]["twamp"]["batches"]["max"],
	    j["reflector"]["twamp"]["t2"]["source"])' 2>&1 | head -c 400
}

# best KEY max|min FILE...: the file of the run with the highest (max) or
# lowest (min, ignoring -1) KEY.
best() {
	local key=$1 dir=$2

	shift 2
	awk -v k="$key" -v how="$dir" '{ for (i = 1; i < NF; i++)
	    if ($i == k) v = $(i + 1) + 0 }
	    v >= 0 && (b == "" || (how == "max" ? v > bv : v < bv)) {
	    b = FILENAME; bv = v } END { print b }' "$@"
}

# per_pkt FILE: reflector CPU ns per reflected packet in that run.
per_pkt() {
	awk '{ for (i = 1; i < NF; i++) { if ($i == "received") r = $(i + 1)
	    if ($i == "cpu_ns") c = $(i + 1) } }
	    END { if (r > 0) printf "%.0f\n", c / r; else print -1 }' "$1"
}

# wake_pkt FILE: reflected packets per reflector wake-up in that run.
wake_pkt() {
	awk '{ for (i = 1; i < NF; i++) { if ($i == "received") r = $(i + 1)
	    if ($i == "wakes") w = $(i + 1) } }
	    END { if (w > 0) printf "%.2f\n", r / w; else print "n/a" }' "$1"
}

# rounds NAME ARGS...: ROUNDS runs of twamp_load ARGS against lopad and
# the reference, alternating; into $B/NAME-{lopad,ref}-K.  WHO (default
# "lopad ref") names the sides.
rounds() {
	local name=$1 k w

	shift
	for ((k = 1; k <= ROUNDS; k++)); do
		for w in ${WHO:-lopad ref}; do
			run "$w" "$B/$name-$w-$k" "$@"
		done
	done
}

# v KEY FILE: a field of a run's line.
v() {
	field "$1" "$(cat "$2")"
}

if want flat; then
	say "1. flat out, $SECS s per run, $ROUNDS runs each"
	for mode in TWAMP-light STAMP; do
		if [ "$mode" = STAMP ]; then
			rounds "flat-$mode" -r 0 -d "$SECS" -S
		else
			rounds "flat-$mode" -r 0 -d "$SECS" -s "$PAD"
		fi
		L=$(best pps_received max "$B/flat-$mode"-lopad-*)
		R=$(best pps_received max "$B/flat-$mode"-ref-*)
		rt=$(ratio "$(v pps_received "$L")" "$(v pps_received "$R")")
		row "$mode flat out: reflected packets/s" "$(v pps_received "$L")" \
		    "$(v pps_received "$R")" "$rt" "$(goal "$rt" ">=" 0.90)"
		rt=$(ratio "$(per_pkt "$L")" "$(per_pkt "$R")")
		row "  reflector CPU per reflected packet" "$(per_pkt "$L") ns" \
		    "$(per_pkt "$R") ns" "$rt" "$(goal "$rt" "<=" 1.2)"
		row "  reflected packets per reflector wake-up" \
		    "$(wake_pkt "$L")" "$(wake_pkt "$R")" "" ""
		row "  replies / requests sent" \
		    "$(awk -v r="$(v received "$L")" -v s="$(v sent "$L")" 'BEGIN { printf "%.0f%%", s ? 100 * r / s : 0 }')" \
		    "$(awk -v r="$(v received "$R")" -v s="$(v sent "$R")" 'BEGIN { printf "%.0f%%", s ? 100 * r / s : 0 }')" "" ""
	done
fi

if want proc; then
	say "2. T3 - T2 at $RATE packets/s, $SECS s per run, $ROUNDS runs each"
	WHO="lopad ref refek" rounds mid -r "$RATE" -d "$SECS" -s "$PAD"
	L=$(best t3_t2_p50_ns min "$B"/mid-lopad-*)
	R=$(best t3_t2_p50_ns min "$B"/mid-refek-*)
	p=$(v t3_t2_p50_ns "$L")
	row "T3 - T2 p50 at $RATE/s (ref -e -k)" "$(ns_us "$p")" \
	    "$(ns_us "$(v t3_t2_p50_ns "$R")")" \
	    "$(ratio "$p" "$(v t3_t2_p50_ns "$R")")" \
	    "goal lopad <= 5 us: $(awk -v p="$p" 'BEGIN { print (p != "" && p >= 0 && p <= 5000) ? "met" : "MISSED" }')"
	row "T3 - T2 p99 at $RATE/s (ref -e -k)" \
	    "$(ns_us "$(v t3_t2_p99_ns "$L")")" \
	    "$(ns_us "$(v t3_t2_p99_ns "$R")")" \
	    "$(ratio "$(v t3_t2_p99_ns "$L")" "$(v t3_t2_p99_ns "$R")")" ""
	R=$(best t3_t2_p50_ns min "$B"/mid-ref-*)
	row "  plain reference's T3 - T2 p50 (clock T2)" "" \
	    "$(ns_us "$(v t3_t2_p50_ns "$R")")" "" \
	    "leaves the wake-up out"
	L=$(best rtt_p50_ns min "$B"/mid-lopad-*)
	R=$(best rtt_p50_ns min "$B"/mid-ref-*)
	row "RTT T4 - T1 p50 at $RATE/s" "$(ns_us "$(v rtt_p50_ns "$L")")" \
	    "$(ns_us "$(v rtt_p50_ns "$R")")" \
	    "$(ratio "$(v rtt_p50_ns "$L")" "$(v rtt_p50_ns "$R")")" ""
	L=$(best cpu_ns min "$B"/mid-lopad-*)
	R=$(best cpu_ns min "$B"/mid-ref-*)
	row "reflector CPU per packet at $RATE/s" "$(per_pkt "$L") ns" \
	    "$(per_pkt "$R") ns" "$(ratio "$(per_pkt "$L")" "$(per_pkt "$R")")" ""
	row "  reflected packets per reflector wake-up" "$(wake_pkt "$L")" \
	    "$(wake_pkt "$R")" "" ""
	row "  replies / requests sent" "$(v received "$L")/$(v sent "$L")" \
	    "$(v received "$R")/$(v sent "$R")" "" ""
	L=$(best cpu_ns min "$B"/mid-lopad-*)
	R=$(best cpu_ns min "$B"/mid-refek-*)
	row "reflector CPU per packet at $RATE/s (ref -e -k)" \
	    "$(per_pkt "$L") ns" "$(per_pkt "$R") ns" \
	    "$(ratio "$(per_pkt "$L")" "$(per_pkt "$R")")" \
	    "the same system calls per wake-up"

	lopad_busy "$BUSY"
	WHO=lopadbusy rounds busy -r "$RATE" -d "$SECS" -s "$PAD"
	lopad_busy 0s
	L=$(best t3_t2_p50_ns min "$B"/busy-lopadbusy-*)
	R=$(best t3_t2_p50_ns min "$B"/mid-refek-*)
	p=$(v t3_t2_p50_ns "$L")
	row "T3 - T2 p50 at $RATE/s, busy_poll $BUSY" "$(ns_us "$p")" \
	    "$(ns_us "$(v t3_t2_p50_ns "$R")")" \
	    "$(ratio "$p" "$(v t3_t2_p50_ns "$R")")" \
	    "goal lopad <= 5 us: $(awk -v p="$p" 'BEGIN { print (p != "" && p >= 0 && p <= 5000) ? "met" : "MISSED" }')"
	row "T3 - T2 p99 at $RATE/s, busy_poll $BUSY" \
	    "$(ns_us "$(v t3_t2_p99_ns "$L")")" \
	    "$(ns_us "$(v t3_t2_p99_ns "$R")")" \
	    "$(ratio "$(v t3_t2_p99_ns "$L")" "$(v t3_t2_p99_ns "$R")")" ""
	row "  reflector CPU, busy_poll $BUSY" \
	    "$(awk -v c="$(v cpu_ns "$L")" -v s="$SECS" 'BEGIN { printf "%.0f%%", c / (s * 1e7) }')" \
	    "" "" "of one CPU, spinning between requests"
fi

if want rtt; then
	say "3. round trip at 1000 packets/s, $SECS s per run, $ROUNDS runs each"
	rounds rtt -r 1000 -d "$SECS" -s "$PAD"
	L=$(best rtt_p50_ns min "$B"/rtt-lopad-*)
	R=$(best rtt_p50_ns min "$B"/rtt-ref-*)
	src="$(v rtt_source "$L")/$(v rtt_source "$R")"
	row "RTT T4 - T1 p50 at 1000/s ($src)" "$(ns_us "$(v rtt_p50_ns "$L")")" \
	    "$(ns_us "$(v rtt_p50_ns "$R")")" \
	    "$(ratio "$(v rtt_p50_ns "$L")" "$(v rtt_p50_ns "$R")")" ""
	row "RTT T4 - T1 p99 at 1000/s" "$(ns_us "$(v rtt_p99_ns "$L")")" \
	    "$(ns_us "$(v rtt_p99_ns "$R")")" \
	    "$(ratio "$(v rtt_p99_ns "$L")" "$(v rtt_p99_ns "$R")")" ""
	row "RTT (T4 - T1) - (T3 - T2) p50 at 1000/s" \
	    "$(ns_us "$(v rtt_net_p50_ns "$L")")" \
	    "$(ns_us "$(v rtt_net_p50_ns "$R")")" \
	    "$(ratio "$(v rtt_net_p50_ns "$L")" "$(v rtt_net_p50_ns "$R")")" ""
fi

# --- 4. lopad's Session-Sender against a packet capture --------------------
# lopad's twamp task at 1000/s against the reference reflector, alone, and
# a capture on the namespace's loopback (dumpcap): for each probe, the
# capture's round trip (reply seen minus request seen) against lopad's
# T4 - T1 (its kernel TX and RX stamps), and the capture's round trip less
# the reflector's T3 - T2 against lopad's RTT.  The capture is the
# reference: its stamps are the kernel's, taken as the packets cross lo.
count=$((SECS * 1000))
if want sender; then
	say "4. lopad's twamp task at 1 ms against twamp_refl, beside a capture"
	if ! command -v dumpcap >/dev/null || ! command -v tshark >/dev/null; then
		note "no sender accuracy: dumpcap and tshark are needed"
	else
		PCAP=$B/sender.pcap
		ip netns exec "$NS" dumpcap -q -i lo -f "udp port $RPORT" \
		    -w "$PCAP" -a "duration:$((SECS + 60))" \
		    >"$B/dumpcap.out" 2>&1 &
		dp=$!
		cleanup_push "kill $dp 2>/dev/null"
		wait_until 10000 50 test -s "$PCAP" ||
		    note "dumpcap did not start: $(head -c 200 "$B/dumpcap.out")"
		sleep 0.5
		if task_create twamp "{\"target\":\"$ADDR:$RPORT\",\"count\":$count,\"interval\":\"1ms\",\"padding\":$PAD,\"timeout\":\"1s\"}" &&
		    task_wait "$TASK_ID" $((SECS * 1000 + 30000)); then
			sleep 0.5
			kill -INT "$dp" 2>/dev/null
			wait "$dp" 2>/dev/null
			api ro GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
			cp "$API_BODY" "$B/sender.samples"
			tshark -r "$PCAP" -T fields -e frame.time_epoch \
			    -e udp.srcport -e udp.payload >"$B/sender.cap" 2>/dev/null
			acc=$(python3 - "$B/sender.samples" "$B/sender.cap" "$RPORT" <<'PY'
import datetime, json, sys
def ns(t):      # RFC 3339 with up to 9 fraction digits
    d, f = t.rstrip("Z").split(".") if "." in t else (t.rstrip("Z"), "0")
    s = datetime.datetime.strptime(d, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    return int(s) * 10**9 + int((f + "000000000")[:9])
def ntp(b):
    v = int.from_bytes(b, "big")
    return ((v >> 32) - 2208988800) * 10**9 + (((v & 0xffffffff) * 10**9) >> 32)
req, rep = {}, {}
for l in open(sys.argv[2]):
    f = l.rstrip("\n").split("\t")
    if len(f) < 3 or not f[2]: continue
    t = int(f[0].replace(".", "").ljust(19, "0")[:19])
    p = bytes.fromhex(f[2])
    if f[1] == sys.argv[3]:
        rep[int.from_bytes(p[24:28], "big")] = (t, ntp(p[16:24]), ntp(p[4:12]))
    else:
        req[int.from_bytes(p[0:4], "big")] = t
e1, e2 = [], []
for s in json.load(open(sys.argv[1])):
    if s.get("status") != "ok" or "t4" not in s: continue
    q, r = req.get(s["seq"]), rep.get(s["seq"])
    if q is None or r is None: continue
    cap = r[0] - q
    e1.append((ns(s["t4"]) - ns(s["time"])) - cap)
    e2.append(s["rtt"] - (cap - (r[2] - r[1])))
def pct(a, p):
    a = sorted(a); return a[min(len(a) - 1, int(p * len(a)))] if a else -1
print(len(e1), pct(e1, .5), pct([abs(x) for x in e1], .99),
      pct(e2, .5), pct([abs(x) for x in e2], .99))
PY
)
			read -r n p50 p99 q50 q99 <<<"$acc"
			say "  sender accuracy: $acc (probes, T4-T1 error p50, |error| p99, RTT error p50, |error| p99)"
			row "sender: probes matched with the capture" "${n:-0}" "$count" "" ""
			row "  (T4 - T1) - capture round trip p50" "$(ns_us "$p50")" \
			    "" "" "capture stamps: the reference"
			row "  |(T4 - T1) - capture round trip| p99" "$(ns_us "$p99")" \
			    "" "" ""
			[ "$q50 $q99" = "$p50 $p99" ] ||
			    note "lopad's RTT is not (T4 - T1) - (T3 - T2): error p50 $q50 ns, p99 $q99 ns"
		else
			note "lopad's twamp task did not run: $API_CODE $(head -c 200 "$API_BODY" 2>/dev/null)"
			kill -INT "$dp" 2>/dev/null
			wait "$dp" 2>/dev/null
		fi
	fi
fi

lopad_stop || note "lopad exited with status $LOPAD_EXIT"
kill "$RREFL" "$EREFL" 2>/dev/null
wait "$RREFL" "$EREFL" 2>/dev/null
say "twamp_refl: $(tail -n 1 "$B/refl.out")"
say "twamp_refl -e -k: $(tail -n 1 "$B/reflek.out")"
[ -s "$B/load.err" ] && note "twamp_load said: $(sort -u "$B/load.err" | head -c 300)"

# --- the table ---------------------------------------------------------------
echo
echo "TWAMP reflector benchmarks: lopad against bench/twamp_refl in the same run"
echo "  ($PLACEMENT; loopback in a namespace; TWAMP-light with $PAD octets of padding"
echo "   unless STAMP; ratio = lopad / reference; $SECS s per run)"
printf '%-44s %13s %13s %7s\n' "" lopad reference ratio
for r in "${ROWS[@]}"; do
	echo "$r"
done
echo "What the reference lacks (work lopad does and twamp_refl does not):"
echo "  kernel RX timestamps for T2 (it reads the clock once after recvmmsg, so its"
echo "  T3 - T2 leaves out the wake-up and the system call that lopad's includes), the"
echo "  Sender TTL (IP_RECVTTL/IPV6_RECVHOPLIMIT) and replies with TTL 255, replies from"
echo "  the receiving address (IP_PKTINFO), the allow ACL, per-source and global token"
echo "  buckets, loop-prone port and address checks, drop counters, STAMP TLV"
echo "  processing, an error estimate from adjtimex, and an event loop (it blocks in"
echo "  recvmmsg; -e -k adds the epoll_wait and the kernel T2)."
for r in "${NOTES[@]}"; do
	echo "note: $r"
done
tap_done=1
exit 0
