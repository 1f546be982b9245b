#!/bin/bash
#
# Probe benchmarks (not tests; run by `make bench`): lopad's probes against
# a reference measured in the same run, in the same namespaces.
#
#   1. ICMP RTT p50 on lo and over a veth pair: a lopad ping task and
#      ping(8) running at the same time (500 probes at 10 ms each).
#   2. CPU per probe at 1000 probes/s over 200 targets: 200 lopad ping
#      tasks at 200 ms against fping -l -p 200 -i 0.5 on the same
#      targets (-i 1 reaches only 850-900/s here), one after the other
#      (both use raw ICMP sockets, which see each other's replies), in
#      alternating rounds (BENCH_CPU_ROUNDS, BENCH_CPU_SECONDS): the
#      median of the rounds' ratios.
#   3. Scale: 1,000 then 10,000 targets at 1/s: CPU % of a core, loss,
#      PSS summed over every lopad process, and the schedule error beside
#      that of a bare timer loop (bench/wake_loop) in the same window.
#   4. TCP connect p50 over the veth pair: a lopad tcp task and
#      bench/connect_loop (non-blocking connect, time to writable, RST
#      close) at the same time against the same listener; once against a
#      listener that closes each connection at once, once against one
#      that leaves the close to the client.
#
# Ratios are lopad / reference (lower is better, 1.0 = as good).
# Namespaces: A (lopad, 198.19.0.1) -- veth -- B (198.19.0.2, AnyIP
# 198.18.0.0/17 on lo).  Traffic stays on loopback and this veth pair.
# Needs root, ping, fping, python3; about two minutes.
# BENCH_SCALE_TASKS (default 10000) sets the size of the last scale step,
# BENCH_SCALE_THRESHOLDS=0 leaves out the thresholds of the scale tasks;
# BENCH_SMAPS=FILE writes the steady state's memory by mapping there;
# BENCH_ONLY (a comma list of rtt, tcp, cpu, scale; default all) runs some.

. "$(dirname "$0")/../regress/lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

CONNECT_LOOP=${CONNECT_LOOP:-$LOPA_ROOT/build/bench/connect_loop}
WAKE_LOOP=${WAKE_LOOP:-$LOPA_ROOT/build/bench/wake_loop}
SCALE_N=${BENCH_SCALE_TASKS:-10000}
# Every scale task has thresholds that never fire (BENCH_SCALE_THRESHOLDS
# 0: none), so that their evaluation, once per probe, is in the figures.
if [ "${BENCH_SCALE_THRESHOLDS:-1}" = 1 ]; then
	SCALE_TH=',"thresholds":{"loss":{"above":0.5,"min_samples":5},"rtt_p99":{"above":"1s"}}'
else
	SCALE_TH=
fi
HZ=$(getconf CLK_TCK)
ROWS=()
SROWS=()
METRICS_ROWS=()
NOTES=()

say() {
	printf '%s\n' "$*" >&2
}

row() {
	ROWS+=("$(printf '%-46s %14s %14s %8s' "$@")")
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

[ -x "$CONNECT_LOOP" ] || bail "$CONNECT_LOOP missing (make bench)"
[ -x "$WAKE_LOOP" ] || bail "$WAKE_LOOP missing (make bench)"
for t in ping fping python3 curl; do
	command -v "$t" >/dev/null || bail "$t is not installed"
done

lopad_init
B=$LOPAD_DIR/bench
mkdir -p "$B"

# The API client: many requests on one keep-alive connection over the
# read-write UNIX socket.
cat >"$B/api.py" <<'EOF'
import http.client, json, socket, sys, time

class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("lopad", timeout=60)
        self.upath = path
    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.upath)
        self.sock = s

def req(c, method, url, body=None):
    h = {"Content-Type": "application/json"} if body is not None else {}
    c.request(method, url, body=body, headers=h)
    r = c.getresponse()
    return r.status, r.read()

cmd, sock = sys.argv[1], sys.argv[2]
c = UnixConn(sock)
if cmd == "create":
    # stdin: one JSON body per line; ids appended to argv[4].
    typ, idsfile = sys.argv[3], sys.argv[4]
    ok = bad = 0
    codes, first = {}, None
    t0 = time.monotonic()
    with open(idsfile, "a") as ids:
        for line in sys.stdin:
            try:
                st, body = req(c, "POST", "/api/v1/tasks/" + typ, line.strip())
            except Exception as e:
                first = first or "request %d: %s: %s" % (ok + bad + 1, type(e).__name__, e)
                codes["exception"] = codes.get("exception", 0) + 1
                bad += 1
                if codes["exception"] >= 3:
                    break
                c.close()
                continue
            if st == 201:
                ids.write(json.loads(body)["id"] + "\n")
                ok += 1
            else:
                bad += 1
                codes[st] = codes.get(st, 0) + 1
                if first is None:
                    first = "request %d: %d %s" % (ok + bad, st, body.decode(errors="replace")[:300])
    dt = time.monotonic() - t0
    print("created %d failed %d seconds %.3f codes %s" % (ok, bad, dt,
          json.dumps(codes)))
    if first:
        print("first_error " + first.replace("\n", " "))
elif cmd == "sum":
    # Sums over the tasks named in argv[3] (GET /api/v1/tasks).
    want = set(open(sys.argv[3]).read().split())
    t0 = time.monotonic()
    st, body = req(c, "GET", "/api/v1/tasks")
    dt = time.monotonic() - t0
    if st != 200:
        print("error %d %s" % (st, body[:300]))
        sys.exit(1)
    n = 0
    tot = dict(sent=0, received=0, lost=0, in_flight=0, late=0)
    status = {}
    for t in json.loads(body):
        if t["id"] not in want:
            continue
        n += 1
        status[t["status"]] = status.get(t["status"], 0) + 1
        for k in tot:
            tot[k] += t["total"].get(k, 0)
    print("tasks %d sent %d received %d lost %d in_flight %d late %d "
          "list_seconds %.3f list_bytes %d status %s" % (n, tot["sent"],
          tot["received"], tot["lost"], tot["in_flight"], tot["late"], dt,
          len(body), json.dumps(status, separators=(",", ":"))))
elif cmd == "sched":
    # Schedule error: for every k-th task of argv[3], its last 10 sends
    # against its own grid (interval argv[4] ns): the deviation of each
    # send's phase from the task's median phase.  p50, p99, max in us.
    import calendar
    ids = open(sys.argv[3]).read().split()
    ival = int(sys.argv[4])
    k = max(1, len(ids) // 200)
    def ns(s):
        d, f = s.rstrip("Z").split(".") if "." in s else (s.rstrip("Z"), "0")
        sec = calendar.timegm(time.strptime(d, "%Y-%m-%dT%H:%M:%S"))
        return sec * 10**9 + int((f + "000000000")[:9])
    errs = []
    for i in ids[::k]:
        st, body = req(c, "GET", "/api/v1/tasks/%s/samples?last=10" % i)
        if st != 200:
            continue
        ts = sorted(ns(x["time"]) for x in json.loads(body)
                    if x.get("kind", "probe") == "probe" and "time" in x)
        if len(ts) < 3:
            continue
        d = [((t - ts[0] + ival // 2) % ival) - ival // 2 for t in ts]
        m = sorted(d)[len(d) // 2]
        errs += [abs(x - m) for x in d]
    errs.sort()
    if not errs:
        print("sched_n 0")
    else:
        q = lambda p: errs[min(len(errs) - 1, int(p * len(errs)))]
        print("sched_n %d p50_us %.0f p99_us %.0f max_us %.0f" % (len(errs),
              q(0.50) / 1000, q(0.99) / 1000, errs[-1] / 1000))
elif cmd == "metrics":
    # GET /metrics argv[3] times, one a second: seconds of each, bytes.
    n = int(sys.argv[3])
    ts, size = [], 0
    for k in range(n):
        t0 = time.monotonic()
        st, body = req(c, "GET", "/metrics")
        ts.append(time.monotonic() - t0)
        size = len(body)
        if st != 200:
            print("metrics_error %d" % st)
            break
        if k + 1 < n:
            time.sleep(max(0, 1 - ts[-1]))
    ts.sort()
    print("scrapes %d bytes %d first_s %.3f p50_s %.3f max_s %.3f" % (len(ts),
          size, ts[0] if len(ts) == 1 else ts[0], ts[len(ts) // 2], ts[-1]))
elif cmd == "delete":
    n = 0
    for i in open(sys.argv[3]).read().split():
        st, _ = req(c, "DELETE", "/api/v1/tasks/" + i)
        n += st == 204
    print("deleted %d" % n)
EOF

api_py() {
	timeout -k 2 300 python3 "$B/api.py" "$1" "$LOPAD_SOCK" "${@:2}"
}

# field NAME LINE: the word after NAME in a "name value ..." line.
field() {
	printf '%s\n' "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++)
	    if ($i == k) { print $(i + 1); exit } }'
}

# lopad_pids: the parent and its children.
lopad_pids() {
	echo "$LOPAD_PID"
	pgrep -P "$LOPAD_PID"
}

# cpu_roles: "role ticks schedstat_ns pss_kib" per lopad process.
cpu_roles() {
	local p r

	for p in $(lopad_pids); do
		r=$(proc_title "$p" | sed -n 's/^lopad: \([a-z]*\).*/\1/p')
		echo "${r:-parent} $(proc_cputicks "$p") $(pids_ns "$p") $(sed -n \
		    's/^Pss:[[:space:]]*\([0-9]*\) kB/\1/p' \
		    "/proc/$p/smaps_rollup" 2>/dev/null)"
	done
}

# roles_delta BEFORE AFTER: per process the CPU used in between (ticks of
# /proc/PID/stat and ms of schedstat) and the PSS (KiB) at the end.
roles_delta() {
	awk 'NR == FNR { b[$1] = $2; n[$1] = $3; next }
	    { printf "%s %d ticks %.0f ms %d KiB; ", $1, $2 - b[$1],
	    ($3 - n[$1]) / 1e6, $4 }' \
	    <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

# pss_kib: PSS summed over every lopad process.
pss_kib() {
	local p

	for p in $(lopad_pids); do
		sed -n 's/^Pss:[[:space:]]*\([0-9]*\) kB/\1/p' \
		    "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}

# veth_ctr: "tx rx" packets of A's end of the veth pair.
veth_ctr() {
	ip netns exec "$NS_A" cat /proc/net/dev |
	    awk -v i="$IF_A:" '$1 == i { print $11, $3 }'
}

# raw_drops: datagrams the raw sockets in A dropped (socket buffer full).
raw_drops() {
	ip netns exec "$NS_A" cat /proc/net/raw /proc/net/raw6 2>/dev/null |
	    awk '$1 ~ /^[0-9]+:$/ { s += $NF } END { print s + 0 }'
}

# pids_ticks PID...: utime + stime; pids_ns PID...: schedstat runtime.
pids_ticks() {
	local p s=0 t

	for p in "$@"; do
		t=$(proc_cputicks "$p")
		s=$((s + ${t:-0}))
	done
	echo "$s"
}

pids_ns() {
	local p

	for p in "$@"; do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# window SECONDS PID...: CPU of the processes and packets on the veth
# pair over SECONDS: W_TICKS, W_NS, W_MS, W_TX, W_RX.
window() {
	local secs=$1 c0 n0 t0 v0 c1 n1 t1 v1

	shift
	v0=$(veth_ctr); c0=$(pids_ticks "$@"); n0=$(pids_ns "$@"); t0=$(now_ms)
	sleep "$secs"
	c1=$(pids_ticks "$@"); n1=$(pids_ns "$@"); t1=$(now_ms); v1=$(veth_ctr)
	W_TICKS=$((c1 - c0))
	W_NS=$((n1 - n0))
	W_MS=$((t1 - t0))
	W_TX=$((${v1% *} - ${v0% *}))
	W_RX=$((${v1#* } - ${v0#* }))
}

# per_probe CPU UNITS_PER_S PROBES: microseconds of CPU per probe.
per_probe() {
	awk -v c="$1" -v u="$2" -v p="$3" \
	    'BEGIN { if (p > 0) printf "%.2f", c / u * 1e6 / p; else print "nan" }'
}

# median of numbers on stdin (nearest rank, as lopad's p50).
median() {
	sort -g | awk '{ a[NR] = $1 } END {
	    if (NR) print a[int((NR + 1) / 2)]; else print "nan" }'
}

us() {
	awk -v n="$1" 'BEGIN { if (n == "" || n == "nan") print "n/a";
	    else printf "%.1f us\n", n / 1000 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" ||
	    a == "nan" || b == "nan" || b + 0 == 0) print "n/a";
	    else printf "%.2f\n", a / b }'
}

# bench_start [EXTRA_YAML]: lopad_start without -v (no debug logging, as
# in production), in namespace A.
bench_start() {
	lopad_config "$LOPAD_CONF" "${1:-}"
	[ -e "$LOPAD_LOG" ] && mv "$LOPAD_LOG" "$LOPAD_LOG.$$.$RANDOM"
	: >"$LOPAD_LOG"
	ip netns exec "$NS_A" "$LOPAD" -d -f "$LOPAD_CONF" \
	    </dev/null >>"$LOPAD_LOG" 2>&1 &
	LOPAD_PID=$!
	LOPAD_NS=$NS_A
	LOPAD_EXIT=
	LOPAD_PIDS+=("$LOPAD_PID")
	lopad_wait_ready
}

# one_task TYPE BODY LIMIT_MS: create, wait; TASK_JSON has the result.
one_task() {
	if ! task_create "$1" "$2"; then
		note "create $1 $2: $API_CODE $(cat "$API_BODY")"
		return 1
	fi
	task_wait "$TASK_ID" "$3" || { note "task $TASK_ID did not end"; return 1; }
}

# targets N THIRD_OCTET_BASE: N addresses in 198.18.0.0/17, 200 per /24.
targets() {
	awk -v n="$1" -v b="$2" 'BEGIN { for (k = 0; k < n; k++)
	    printf "198.18.%d.%d\n", b + int(k / 200), k % 200 + 1 }'
}

# --- the network ---------------------------------------------------------
netns_new NS_A
netns_new NS_B
netns_veth "$NS_A" "198.19.0.1/24" "$NS_B" "198.19.0.2/24"
IF_A=$NETNS_IF1
ip -n "$NS_A" route add 198.18.0.0/17 via 198.19.0.2 ||
    bail "route in A failed"
ip -n "$NS_B" route add local 198.18.0.0/17 dev lo ||
    bail "AnyIP route in B failed"
ip netns exec "$NS_A" ping -c 1 -W 2 198.18.1.1 >/dev/null ||
    bail "198.18.1.1 does not answer through the veth pair"

# Samples for every probe of the 500-probe tasks.
bench_start "tasks:
  samples: 500" || bail "lopad did not start"
say "lopad $LOPAD_PID in $NS_A; log $LOPAD_LOG"

# --- 1. ICMP RTT p50: lopad and ping(8) at the same time ------------------
icmp_rtt() {
	local label=$1 dst=$2 pout=$B/ping-$2.out ppid lp pp

	ip netns exec "$NS_A" timeout -k 2 30 ping -n -i 0.01 -c 500 -W 1 \
	    "$dst" >"$pout" 2>&1 &
	ppid=$!
	one_task ping "{\"target\":\"$dst\",\"count\":500,\"interval\":\"10ms\",\"timeout\":\"1s\"}" 30000
	lp=$(task_get 'j["total"]["p50_rtt"]' 2>/dev/null)
	say "  lopad $label: $(task_get '"sent %d received %d min %d p50 %d p99 %d ns, %s" % (j["total"]["sent"], j["total"]["received"], j["total"]["min_rtt"], j["total"]["p50_rtt"], j["total"]["p99_rtt"], j["timestamp_source"])' 2>/dev/null)"
	wait "$ppid"
	# time=0.045 ms, in ns
	pp=$(sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$pout" |
	    awk '{ printf "%d\n", $1 * 1e6 + 0.5 }' | median)
	say "  ping $label: $(grep -c ' time=' "$pout") replies; $(tail -n 1 "$pout")"
	row "ICMP RTT p50, $label (lopad / ping)" "$(us "$lp")" "$(us "$pp")" \
	    "$(ratio "$lp" "$pp")"
}
if want rtt; then
	say "1. ICMP RTT p50, 500 probes at 10 ms, lopad and ping(8) side by side"
	icmp_rtt "lo" 127.0.0.1
	icmp_rtt "veth" 198.19.0.2
fi

# --- 4. TCP connect p50 ----------------------------------------------------
# Two listeners: 9001 closes each connection at once (as a simple service
# does), 9002 keeps the last 800 open, so that the client closes first.
if want tcp; then
	say "4. TCP connect p50 over the veth pair, 500 at 10 ms, lopad and connect_loop side by side"
	for port in 9001 9002; do
		k=
		[ "$port" = 9002 ] && k="-k 800"
		# shellcheck disable=SC2086
		ip netns exec "$NS_B" "$CONNECT_LOOP" -l $k -t 120 198.19.0.2 "$port" \
		    >"$B/listen$port.out" 2>&1 &
		cleanup_push "kill $! 2>/dev/null"
		wait_until 5000 20 grep -q ready "$B/listen$port.out" ||
		    bail "listener on $port did not start"
	done
fi
tcp_pair() {
	local port=$1 label=$2 cpid ltcp cl

	ip netns exec "$NS_A" timeout -k 2 30 "$CONNECT_LOOP" -c 500 -i 10000 \
	    198.19.0.2 "$port" >"$B/connect$port.out" 2>&1 &
	cpid=$!
	one_task tcp "{\"target\":\"198.19.0.2:$port\",\"count\":500,\"interval\":\"10ms\",\"timeout\":\"1s\"}" 30000
	ltcp=$(task_get 'j["total"]["p50_rtt"]' 2>/dev/null)
	say "  lopad tcp $port: $(task_get '"sent %d received %d refused %d lost %d min %d p50 %d ns, %s" % (j["total"]["sent"], j["total"]["received"], j["total"]["refused"], j["total"]["lost"], j["total"]["min_rtt"], j["total"]["p50_rtt"], j["timestamp_source"])' 2>/dev/null)"
	api rw GET "/api/v1/tasks/$TASK_ID/samples" >/dev/null
	say "  lopad tcp $port samples by timestamp_source: $(json_get "$API_BODY" '
", ".join("%s %d (rtt p50 %d ns)" % (k, len(v), sorted(v)[(len(v) + 1) // 2 - 1])
    for k, v in sorted({s["timestamp_source"]: [t["rtt"] for t in j
        if t["timestamp_source"] == s["timestamp_source"] and "rtt" in t]
        for s in j}.items()) if v)' 2>/dev/null)"
	wait "$cpid"
	cl=$(cat "$B/connect$port.out")
	say "  connect_loop $port: $cl"
	row "TCP connect p50, veth, $label" "$(us "$ltcp")" \
	    "$(us "$(field p50_ns "$cl")")" "$(ratio "$ltcp" "$(field p50_ns "$cl")")"
	row "  same, vs connect_loop's tcpi_rtt p50" "$(us "$ltcp")" \
	    "$(us "$(field tcpinfo_p50_ns "$cl")")" \
	    "$(ratio "$ltcp" "$(field tcpinfo_p50_ns "$cl")")"
}
if want tcp; then
	tcp_pair 9001 "server closes"
	tcp_pair 9002 "client closes"
fi

# --- 2. CPU per probe, 200 targets at 1000 probes/s -----------------------
# One round of section 2: lopad's 200 tasks for CPU_SECS, then fping's
# loop for as long; LCPU/FCPU (ticks) and LCPU_NS/FCPU_NS (schedstat) in
# us per probe.
cpu_round() {
	local s0 s1 r0 r1

	: >"$B/ids200"
	awk '{ printf "{\"target\":\"%s\",\"mode\":\"continuous\",\"interval\":\"200ms\",\"window\":\"10s\",\"timeout\":\"1s\"}\n", $1 }' \
	    "$B/t200" | api_py create ping "$B/ids200" >"$B/create200.out"
	say "  lopad: $(head -c 600 "$B/create200.out")"
	sleep 2
	s0=$(api_py sum "$B/ids200")
	r0=$(cpu_roles)
	window "$CPU_SECS" $(lopad_pids)
	r1=$(cpu_roles)
	s1=$(api_py sum "$B/ids200")
	say "  per process: $(roles_delta "$r0" "$r1")"
	say "  lopad: API before: $s0"
	say "  lopad: API after:  $s1"
	LCPU=$(per_probe "$W_TICKS" "$HZ" "$W_TX")
	LCPU_NS=$(per_probe "$W_NS" 1000000000 "$W_TX")
	say "  lopad: $W_TX requests out, $W_RX replies in, in $W_MS ms;" \
	    "$W_TICKS ticks ($LCPU us/probe), schedstat $W_NS ns ($LCPU_NS us/probe)"
	api_py delete "$B/ids200" >/dev/null
	sleep 1

	# fping in loop mode, measured in the same kind of window, then killed.
	ip netns exec "$NS_A" fping -l -p 200 -i 0.5 -q -t 1000 $(cat "$B/t200") \
	    >"$B/fping.out" 2>&1 &
	FPING_PID=$!
	cleanup_push "kill $FPING_PID 2>/dev/null"
	sleep 2
	if proc_alive "$FPING_PID"; then
		window "$CPU_SECS" "$FPING_PID"
		kill -INT "$FPING_PID" 2>/dev/null
		wait "$FPING_PID" 2>/dev/null
		FCPU=$(per_probe "$W_TICKS" "$HZ" "$W_TX")
		FCPU_NS=$(per_probe "$W_NS" 1000000000 "$W_TX")
		say "  fping: $W_TX requests out, $W_RX replies in, in $W_MS ms;" \
		    "$W_TICKS ticks ($FCPU us/probe), schedstat $W_NS ns ($FCPU_NS us/probe)"
	else
		FCPU=nan FCPU_NS=nan
		note "fping -l did not run: $(head -c 300 "$B/fping.out")"
	fi
}

if want cpu; then
	# Rounds alternate lopad and fping: on a shared VM the CPU a probe
	# costs moves by 2x within minutes, for both; each round's ratio
	# compares neighbours, and the median ratio is reported.
	CPU_ROUNDS=${BENCH_CPU_ROUNDS:-3}
	CPU_SECS=${BENCH_CPU_SECONDS:-6}
	say "2. CPU per probe: 200 targets, 1000 probes/s, $CPU_ROUNDS rounds of $CPU_SECS s each, alternating"
	targets 200 100 >"$B/t200"
	rl=() rf=() rr=() rrn=()
	for k in $(seq 1 "$CPU_ROUNDS"); do
		cpu_round
		rl+=("$LCPU") rf+=("$FCPU")
		rr+=("$(ratio "$LCPU" "$FCPU")")
		rrn+=("$(ratio "$LCPU_NS" "$FCPU_NS")")
		say "  round $k: lopad $LCPU us, fping $FCPU us: ${rr[-1]}"
	done
	lmed=$(printf '%s\n' "${rl[@]}" | median)
	fmed=$(printf '%s\n' "${rf[@]}" | median)
	row "CPU per probe, 200 targets 1000/s (/fping)" "$lmed us" "$fmed us" \
	    "$(printf '%s\n' "${rr[@]}" | median)"
	row "  round ratios (ticks; schedstat)" "" "" \
	    "$(IFS=/; echo "${rr[*]}"); $(IFS=/; echo "${rrn[*]}")"
fi

lopad_stop || note "lopad (first instance) exited with status $LOPAD_EXIT"

# --- 3. Scale: 1,000 and 10,000 targets at 1/s ------------------------------
if want scale; then
	say "3. Scale: continuous ping tasks at 1/s, a fresh lopad"
	bench_start || bail "lopad did not start (scale)"
	targets "$SCALE_N" 0 >"$B/tall"
	: >"$B/ids"
	srow() {
		SROWS+=("$(printf '%7s %9s %8s %8s %7s %8s %6s %8s %9s %9s %9s %9s' "$@")")
		say "  ${SROWS[-1]}"
	}
	srow 0 - - - - - - - "$(pss_kib)" - - -
	have=0
	for n in 1000 "$SCALE_N"; do
		[ "$n" -le "$have" ] && continue
		sed -n "$((have + 1)),${n}p" "$B/tall" |
		    awk -v th="$SCALE_TH" '{ printf "{\"target\":\"%s\",\"mode\":\"continuous\",\"interval\":\"1s\",\"timeout\":\"1s\"%s}\n", $1, th }' |
		    api_py create ping "$B/ids" >"$B/create$n.out"
		cr=$(cat "$B/create$n.out")
		say "  create $((have + 1))..$n: $cr"
		made=$(wc -l <"$B/ids")
		rate=$(awk -v n="$(field created "$cr")" -v s="$(field seconds "$cr")" \
		    'BEGIN { if (s > 0) printf "%.0f/s", n / s; else print "-" }')
		have=$n
		made_at=$(now_ms)
		if ! proc_alive "$LOPAD_PID"; then
			note "lopad died while creating tasks up to $n"
			diag_file "$LOPAD_LOG" >&2
			break
		fi
		sleep 3
		pss=$(pss_kib)
		# The host's own timer wake-up error, in the same 10 s: the
		# floor of any schedule error measured here.
		"$WAKE_LOOP" -c 9000 -i 1000 >"$B/wake$n.out" 2>&1 &
		wpid=$!
		r0=$(cpu_roles)
		window 10 $(lopad_pids)
		r1=$(cpu_roles)
		wait "$wpid"
		wk=$(cat "$B/wake$n.out")
		say "  bare timer loop (1 ms, same window): $wk"
		say "  per process: $(roles_delta "$r0" "$r1")"
		# The schedule first: the big listing below loads every process.
		sc=$(api_py sched "$B/ids" 1000000000)
		say "  schedule error over 200 tasks' last 10 sends: $sc"
		# GET /metrics: its time and size, and the schedule while it
		# is scraped every second for 12 s.
		mt=$(api_py metrics 1)
		say "  GET /metrics once: $mt"
		METRICS_ROWS+=("$(printf '%7s %12s %9ss' "$n" \
		    "$(field bytes "$mt")" "$(field p50_s "$mt")")")
		api_py metrics 12 >"$B/scrape$n.out" &
		spid=$!
		sleep 11
		sc2=$(api_py sched "$B/ids" 1000000000)
		wait "$spid"
		say "  while scraped every second: $(cat "$B/scrape$n.out"); schedule error: $sc2"
		METRICS_ROWS[-1]+=" $(printf '%9s %9s' "$(field p99_us "$sc")us" \
		    "$(field p99_us "$sc2")us")"
		s1=$(api_py sum "$B/ids")
		pss2=$(pss_kib)
		say "  API: $s1"
		cpu=$(awk -v c="$W_TICKS" -v hz="$HZ" -v ms="$W_MS" \
		    'BEGIN { printf "%.1f%%", c / hz * 1000 / ms * 100 }')
		pps=$(awk -v s="$W_TX" -v ms="$W_MS" 'BEGIN { printf "%.0f", s * 1000 / ms }')
		# Loss on the wire: requests that left without a reply coming back.
		loss=$(awk -v t="$W_TX" -v r="$W_RX" \
		    'BEGIN { if (t <= 0) print "n/a"; else if (r >= t) print "0.000%";
		    else printf "%.3f%%", 100 * (t - r) / t }')
		lloss=$(awk -v l="$(field lost "$s1")" -v r="$(field received "$s1")" \
		    'BEGIN { if (l + r > 0) printf "%.3f%%", 100 * l / (l + r); else print "n/a" }')
		srow "$made" "$rate" "$pps" "$cpu" "$loss" "$lloss" "$(raw_drops)" \
		    "$(field list_seconds "$s1")s" "$pss" "$pss2" \
		    "$(field p99_us "$sc")us" "$(field p99_us "$wk")us"
		[ "$made" -lt "$n" ] &&
		    note "only $made of $n tasks were created: $(grep first_error "$B/create$n.out")"
	done
	if [ "$(wc -l <"$B/ids")" -ge 10000 ]; then
		# The default tasks.max is 10000: one more is refused.
		task_create ping '{"target":"198.18.127.1","count":1}'
		say "  task 10001: $API_CODE $(head -c 300 "$API_BODY")"
		[ "$API_CODE" = 503 ] ||
		    note "task 10001 (tasks.max 10000): $API_CODE, not 503"
	fi
	# Steady state: every window full (60 s by default) and the sample
	# rings too (100 at 1/s), the memory a long-running lopad keeps.
	left=$((made_at + 105000 - $(now_ms)))
	[ "$left" -gt 0 ] && sleep "$((left / 1000 + 1))"
	STEADY="$(wc -l <"$B/ids") tasks $(( ($(now_ms) - made_at) / 1000 )) s after their creation: PSS $(pss_kib) KiB; per process: $(cpu_roles | awk '{ printf "%s %d KiB; ", $1, $4 }')"
	say "  steady state: $STEADY"
	# BENCH_SMAPS=FILE: where each process's memory goes (PSS and
	# private dirty KiB by mapping), for finding what to make smaller.
	if [ -n "${BENCH_SMAPS:-}" ]; then
		for p in $(lopad_pids); do
			echo "== $(proc_title "$p"): $(sed -n 's/^Pss:[[:space:]]*//p' "/proc/$p/smaps_rollup")"
			awk '/^[0-9a-f]+-[0-9a-f]+ / { m = $6 == "" ? "[anon]" : $6 }
			    /^Pss:/ { pss[m] += $2 } /^Private_Dirty:/ { pd[m] += $2 }
			    END { for (m in pss) if (pss[m] >= 64)
				printf "%8d %8d %s\n", pss[m], pd[m], m }' \
			    "/proc/$p/smaps" | sort -rn
		done >"$BENCH_SMAPS"
	fi
	lopad_stop || note "lopad (scale instance) exited with status $LOPAD_EXIT"
fi

# --- the table ---------------------------------------------------------------
echo
echo "probe benchmarks: lopad against a reference in the same run (ratio = lopad / reference, lower is better)"
printf '%-46s %14s %14s %8s\n' "" lopad reference ratio
for r in "${ROWS[@]}"; do
	echo "$r"
done
echo
if [ "${#METRICS_ROWS[@]}" -gt 0 ]; then
	echo "GET /metrics with N tasks: size, time to answer, schedule error p99 without and while scraped every second"
	printf '%7s %12s %10s %9s %9s\n' tasks bytes seconds sched "scraped"
	for r in "${METRICS_ROWS[@]}"; do
		echo "$r"
	done
	echo
fi
echo "scale: continuous ping tasks at 1/s to AnyIP targets${SCALE_TH:+, each with a loss and an rtt_p99 threshold} (10 s window; PSS summed over all lopad processes)"
echo "  (probes/s and wire loss from the veth counters in the window; lopad: lost / (received + lost) of"
echo "   the tasks since they started; drops: raw socket drops in A; PSS before and after one GET /api/v1/tasks;"
echo "   sched p99: schedule error p99 of 200 tasks' last 10 sends (the quiet window) against each task's own 1 s grid;"
echo "   timer p99: the same for a bare clock_nanosleep loop at 1 ms in the same window: the host's floor)"
printf '%7s %9s %8s %8s %7s %8s %6s %8s %9s %9s %9s %9s\n' tasks create probes/s "CPU core" "loss" "lopad" drops "GET all" "PSS KiB" "after GET" "sched p99" "timer p99"
for r in "${SROWS[@]}"; do
	echo "$r"
done
[ -n "${STEADY:-}" ] && echo "steady state: $STEADY"
for r in "${NOTES[@]}"; do
	echo "note: $r"
done
tap_done=1
exit 0
