#!/bin/bash
#
# Scale (TAP): 10,000 continuous ping tasks at 1/s for 30 s.  Namespaces:
# A (lopad, 198.19.0.1) -- veth -- B (198.19.0.2, AnyIP: the local route
# 198.18.0.0/17 on lo answers every address of the /17).  Each task pings
# its own address of the /17 (10,000 distinct, spread over its 128 /24s)
# with interval 1s, timeout 1s and a loss threshold that never fires, so
# that every task's alert rule is evaluated once per probe; limits: max
# 10000 (the default, exactly enough), samples 10, retain 10000 (every
# stopped task stays listed).
#  - all 10,000 are created (201), on one keep-alive connection;
#  - 30 s after the last 201 every task is stopped (202), in creation
#    order, as fast as the API takes it: each task has then run at least
#    30 s, all 10,000 of them together during those 30 s;
#  - GET /api/v1/tasks lists all 10,000, stopped, and for each task:
#    it ran 30 s or more (finished - started), and its sent is within 1 of
#    its own schedule: one probe at started and one every second after, so
#    ceil((finished - started) / 1 s); the +-1 is the first send's delay
#    after started and the last send racing the stop (sends reach the
#    engine in batches, at most every 10 ms); and, from the client's
#    clocks alone, between 29 and 1 + ceil(30 s + the creation's and the
#    stop's durations);
#  - no probe lost (nor late, duplicate, refused or in error) in any task;
#  - every task's loss rule was evaluated, none alerted (GET's alerts
#    counters and states; no alert event on /api/v1/events);
#  - lopad's six processes are alive at the end and it exits 0.
# Figures for the notes (diag, not assertions): creation time and rate,
# stop time, sent distribution, total probes, CPU seconds of lopad's
# processes over the 30 s with every task running, PSS summed over them,
# the sender's counters (schedule slips), raw socket drops, the size and
# time of the listing.  About 45 s.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 14

N=10000
RUN_S=30
HZ=$(getconf CLK_TCK)
for t in python3 curl ping; do
	command -v "$t" >/dev/null || bail "$t is not installed"
done

lopad_init
S=$LOPAD_DIR/scale
mkdir -p "$S"

# The API client (from bench/probe_bench.sh): many requests on one
# keep-alive connection over the read-write UNIX socket.
#	create TYPE IDS	bodies on stdin, one a line; ids appended to IDS
#	stop IDS [AT]	at epoch second AT, stop every task of IDS in order
#	check IDS	GET /api/v1/tasks: the figures of the tasks of IDS
cat >"$S/api.py" <<'EOF'
import calendar, http.client, json, socket, sys, time

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

def ns(s):
    # RFC 3339 in UTC with up to 9 decimals.
    d, f = s.rstrip("Z").split(".") if "." in s else (s.rstrip("Z"), "0")
    sec = calendar.timegm(time.strptime(d, "%Y-%m-%dT%H:%M:%S"))
    return sec * 10**9 + int((f + "000000000")[:9])

cmd, sock = sys.argv[1], sys.argv[2]
c = UnixConn(sock)
if cmd == "create":
    typ, idsfile = sys.argv[3], sys.argv[4]
    ok = bad = 0
    codes, first = {}, None
    t0 = time.monotonic()
    last = time.time()
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
                last = time.time()
            else:
                bad += 1
                codes[st] = codes.get(st, 0) + 1
                if first is None:
                    first = "request %d: %d %s" % (ok + bad, st, body.decode(errors="replace")[:300])
    dt = time.monotonic() - t0
    print("created %d failed %d seconds %.3f last_ms %d codes %s" % (ok, bad,
          dt, int(last * 1000), json.dumps(codes, separators=(",", ":"))))
    if first:
        print("first_error " + first.replace("\n", " "))
elif cmd == "stop":
    ids = open(sys.argv[3]).read().split()
    if len(sys.argv) > 4:
        c.connect()
        d = float(sys.argv[4]) - time.time()
        if d > 0:
            time.sleep(d)
    t0 = time.monotonic()
    began = time.time()
    ok = 0
    codes, first = {}, None
    for i in ids:
        try:
            st, body = req(c, "POST", "/api/v1/tasks/%s/stop" % i)
        except Exception as e:
            st, body = "exception", str(e).encode()
            c.close()
        if st == 202:
            ok += 1
        else:
            codes[st] = codes.get(st, 0) + 1
            if first is None:
                first = "%s: %s %s" % (i, st, body.decode(errors="replace")[:300])
    dt = time.monotonic() - t0
    print("stopped %d failed %d seconds %.3f began_ms %d codes %s" % (ok,
          len(ids) - ok, dt, int(began * 1000),
          json.dumps(codes, separators=(",", ":"))))
    if first:
        print("first_error " + first.replace("\n", " "))
elif cmd == "check":
    want = set(open(sys.argv[3]).read().split())
    ival = 10**9
    t0 = time.monotonic()
    st, body = req(c, "GET", "/api/v1/tasks")
    dt = time.monotonic() - t0
    if st != 200:
        print("error %d %s" % (st, body[:300]))
        sys.exit(1)
    n = 0
    status = {}
    tot = dict(sent=0, received=0, lost=0, in_flight=0, late=0,
               duplicates=0, refused=0, errors=0)
    sent, run, diff, frac, lag = [], [], {}, {}, []
    bad_sched, short, other = [], [], []
    evals_min, alerts, states = None, 0, {}
    for t in json.loads(body):
        if t["id"] not in want:
            continue
        n += 1
        status[t["status"]] = status.get(t["status"], 0) + 1
        T = t["total"]
        for k in tot:
            if k == "errors":
                tot[k] += sum(T["errors"].values())
            else:
                tot[k] += T[k]
        if T["late"] or T["duplicates"] or T["refused"] or \
                sum(T["errors"].values()):
            other.append(t["id"])
        s = T["sent"]
        sent.append(s)
        try:
            r = ns(t["finished"]) - ns(t["started"])
        except Exception:
            r = -1
        run.append(r)
        try:
            lag.append(ns(t["started"]) - ns(t["created"]))
        except Exception:
            pass
        exp = -(-r // ival) if r > 0 else 0	# ceil
        diff[s - exp] = diff.get(s - exp, 0) + 1
        if s != exp and r > 0:
            # Where in its second the task was stopped, for the notes.
            f = (r % ival) / 1e6
            lo, hi = frac.get(s - exp, (f, f))
            frac[s - exp] = (min(lo, f), max(hi, f))
        if abs(s - exp) > 1:
            bad_sched.append("%s sent %d expected %d ran %.3f s" % (t["id"],
                             s, exp, r / 1e9))
        if r < 30 * ival:
            short.append("%s ran %.3f s" % (t["id"], r / 1e9))
        a = t.get("alerts", {}).get("loss")
        if a is None:
            evals_min = 0
            states["missing"] = states.get("missing", 0) + 1
            continue
        e = a["evaluations"]
        evals_min = e if evals_min is None else min(evals_min, e)
        alerts += a["alerts"] + a["recoveries"] + a["repeats"]
        states[a["state"]] = states.get(a["state"], 0) + 1
    sent.sort()
    run.sort()
    q = lambda v, p: v[min(len(v) - 1, int(p * len(v)))] if v else 0
    print("tasks %d status %s list_seconds %.3f list_bytes %d" % (n,
          json.dumps(status, separators=(",", ":")), dt, len(body)))
    print("sent_min %d sent_p50 %d sent_max %d run_min %.3f run_p50 %.3f "
          "run_max %.3f" % (q(sent, 0), q(sent, .5), q(sent, 1),
          q(run, 0) / 1e9, q(run, .5) / 1e9, q(run, 1) / 1e9))
    lag.sort()
    print("start_lag_p50_ms %.3f start_lag_max_ms %.3f" % (q(lag, .5) / 1e6,
          q(lag, 1) / 1e6))
    print("total " + " ".join("%s %d" % kv for kv in tot.items()))
    print("diff " + json.dumps(dict(sorted(diff.items())),
          separators=(",", ":")))
    print("diff_frac " + (" ".join("%+d: %.1f..%.1f ms;" % (d, lo, hi)
          for d, (lo, hi) in sorted(frac.items())) or "none"))
    print("bad_sched %d short %d other %d" % (len(bad_sched), len(short),
          len(other)))
    print("evals_min %d alerts %d states %s" % (evals_min or 0, alerts,
          json.dumps(states, separators=(",", ":"))))
    for x in bad_sched[:5]:
        print("bad_sched_ex " + x)
    for x in short[:5]:
        print("short_ex " + x)
    for x in other[:5]:
        print("other_ex " + x)
EOF

api_py() {
	timeout -k 2 "$1" python3 "$S/api.py" "$2" "$LOPAD_SOCK" "${@:3}"
}

# field NAME TEXT: the word after NAME in "name value ..." lines.
field() {
	printf '%s\n' "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++)
	    if ($i == k) { print $(i + 1); exit } }'
}

# scale_pids: lopad's parent and its children.
scale_pids() {
	echo "$LOPAD_PID"
	pgrep -P "$LOPAD_PID"
}

scale_ticks() {
	local p s=0 t

	for p in $(scale_pids); do
		t=$(proc_cputicks "$p")
		s=$((s + ${t:-0}))
	done
	echo "$s"
}

# role_ticks: "role ticks" per lopad process.
role_ticks() {
	local p r

	for p in $(scale_pids); do
		r=$(proc_title "$p" | sed -n 's/^lopad: \([a-z]*\).*/\1/p')
		echo "${r:-parent} $(proc_cputicks "$p")"
	done
}

# role_delta BEFORE AFTER MS: CPU seconds per process in between, and the
# sum (also as % of a core over MS).
role_delta() {
	awk -v hz="$HZ" -v ms="$3" 'NR == FNR { b[$1] = $2; next }
	    { d = $2 - b[$1]; s += d; printf "%s %.2f, ", $1, d / hz }
	    END { printf "sum %.2f s (%.1f%% of a core over %.1f s)", s / hz,
	    s / hz * 100000 / ms, ms / 1000 }' \
	    <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

# scale_pss: PSS (KiB) summed over lopad's processes.
scale_pss() {
	local p

	for p in $(scale_pids); do
		sed -n 's/^Pss:[[:space:]]*\([0-9]*\) kB/\1/p' \
		    "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}

# raw_drops: datagrams the raw sockets in A dropped (receive buffer full).
raw_drops() {
	ip netns exec "$NS_A" cat /proc/net/raw /proc/net/raw6 2>/dev/null |
	    awk '$1 ~ /^[0-9]+:$/ { s += $NF } END { print s + 0 }'
}

# --- the network -------------------------------------------------------------
netns_new NS_A
netns_new NS_B
netns_veth "$NS_A" "198.19.0.1/24" "$NS_B" "198.19.0.2/24"
ip -n "$NS_A" route add 198.18.0.0/17 via 198.19.0.2 ||
    bail "route in A failed"
ip -n "$NS_B" route add local 198.18.0.0/17 dev lo ||
    bail "AnyIP route in B failed"
for a in 198.18.0.1 198.18.127.235; do
	ip netns exec "$NS_A" ping -c 1 -W 2 "$a" >/dev/null ||
	    bail "$a does not answer through the veth pair"
done

# 10,000 distinct addresses over the /17's 128 /24s: 198.18.J.H with
# J = k mod 128 and H = 1 + 3 (k div 128), so H is 1 ... 235.
awk -v n="$N" 'BEGIN { for (k = 0; k < n; k++)
    printf "198.18.%d.%d\n", k % 128, 1 + 3 * int(k / 128) }' >"$S/targets"
TH='"thresholds":{"loss":{"above":0.5,"min_samples":5}}'
awk -v th="$TH" '{ printf "{\"target\":\"%s\",\"mode\":\"continuous\",\"interval\":\"1s\",\"timeout\":\"1s\",%s}\n", $1, th }' \
    "$S/targets" >"$S/bodies"
[ "$(sort -u "$S/targets" | wc -l)" = "$N" ] || bail "targets are not distinct"

lopad_start "$NS_A" "limits:
  max: $N
  samples: 10
  retain: $N"
result $? "lopad starts in A (limits.max $N, samples 10, retain $N)" ||
    give_up "lopad did not start"
PSS0=$(scale_pss)

# Every event of /api/v1/events until the tasks are stopped.
EV=$S/events.sse
curl -sN --max-time 120 -D "$EV.h" --unix-socket "$LOPAD_RSOCK" \
    http://lopad/api/v1/events >"$EV" 2>/dev/null &
EV_PID=$!
cleanup_push "kill $EV_PID 2>/dev/null"
wait_until 5000 50 grep -q '^HTTP/1.1 200' "$EV.h" ||
    diag "/api/v1/events did not answer: $(cat "$EV.h" 2>/dev/null)"

# --- create ----------------------------------------------------------------------
: >"$S/ids"
c0=$(scale_ticks)
cr=$(api_py 60 create ping "$S/ids" <"$S/bodies")
c1=$(scale_ticks)
made=$(wc -l <"$S/ids")
LAST_MS=$(field last_ms "$cr")
[ -n "$LAST_MS" ] || LAST_MS=$(now_ms)
CR_S=$(field seconds "$cr")
diag "create: $cr"
diag "creation: $made tasks in ${CR_S:-?} s ($(awk -v n="$made" -v s="${CR_S:-0}" \
    'BEGIN { if (s > 0) printf "%.0f", n / s; else print "?" }')/s), lopad CPU $(awk \
    -v t=$((c1 - c0)) -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }') s"
is "$made" "$N" "all $N tasks created (201)"
proc_alive "$LOPAD_PID" || give_up "lopad died while the tasks were created"

# --- run: 30 s with every task running -------------------------------------
# The figures 2 s before the stop, in the steady state; the CPU window
# ends just before the stop.
t0=$(now_ms)
k0=$(scale_ticks)
r0=$(role_ticks)
# The first 10 s apart: the loss rules wait for 5 samples, and the
# windows (60 s) fill.
left=$((LAST_MS + 10000 - $(now_ms)))
[ "$left" -gt 0 ] && sleep "$(awk -v m="$left" 'BEGIN { printf "%.3f", m / 1000 }')"
tm=$(now_ms)
rmid=$(role_ticks)
left=$((LAST_MS + RUN_S * 1000 - 2000 - $(now_ms)))
[ "$left" -gt 0 ] && sleep "$(awk -v m="$left" 'BEGIN { printf "%.3f", m / 1000 }')"
PSS1=$(scale_pss)
PERPROC=$(for p in $(scale_pids); do
	r=$(proc_title "$p" | sed -n 's/^lopad: \([a-z]*\).*/\1/p')
	printf '%s %s KiB; ' "${r:-parent}" "$(sed -n \
	    's/^Pss:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/smaps_rollup")"
done)
api ro GET /api/v1/status >/dev/null
SND=$(json_get "$API_BODY" '" ".join("%s %s" % kv for kv in j["sender"].items())' 2>/dev/null)
DROPS=$(raw_drops)

# Stop at LAST + 30 s, in creation order (the client starts now, connects
# and waits for that moment); the CPU window ends just before.
at=$(awk -v m="$LAST_MS" -v r="$RUN_S" 'BEGIN { printf "%.3f", m / 1000 + r }')
# (A simple command, so that $! is timeout(1), which passes a kill on.)
timeout -k 2 60 python3 "$S/api.py" stop "$LOPAD_SOCK" "$S/ids" "$at" \
    >"$S/stop.out" 2>&1 &
STOP_PID=$!
cleanup_push "kill $STOP_PID 2>/dev/null"
left=$((LAST_MS + RUN_S * 1000 - 50 - $(now_ms)))
[ "$left" -gt 0 ] && sleep "$(awk -v m="$left" 'BEGIN { printf "%.3f", m / 1000 }')"
k1=$(scale_ticks)
r1=$(role_ticks)
t1=$(now_ms)
wait "$STOP_PID"
stp=$(cat "$S/stop.out")
diag "stop: $stp"
diag "the stops began $(( $(field began_ms "$stp") - LAST_MS )) ms after the last 201"
is "$(field stopped "$stp")" "$N" "30 s after the last creation, all $N stopped (202)"
sleep 0.3
kill "$EV_PID" 2>/dev/null
wait "$EV_PID" 2>/dev/null

# --- check --------------------------------------------------------------------------
chk=$(api_py 60 check "$S/ids")
printf '%s\n' "$chk" | diag -
is "$(field tasks "$chk") $(field status "$chk")" "$N {\"stopped\":$N}" \
    "GET /api/v1/tasks lists all $N, stopped"
is "$(field short "$chk")" 0 "every task ran at least $RUN_S s"
is "$(field bad_sched "$chk")" 0 \
    "every task sent within 1 of its own schedule (1/s from its start)"
# The same from the client's clocks alone: every task ran from its 201
# (within the CR_S s of creation) to its 202 (within the stop's seconds
# after LAST + 30 s), so between 30 s and 30 + CR_S + the stop's seconds.
hi=$(awk -v r="$RUN_S" -v c="${CR_S:-0}" -v s="$(field seconds "$stp")" \
    'BEGIN { x = r + c + s; printf "%d", (x == int(x) ? x : int(x) + 1) + 1 }')
lo=$((RUN_S - 1))
if [ "$(field sent_min "$chk")" -ge "$lo" ] 2>/dev/null &&
    [ "$(field sent_max "$chk")" -le "$hi" ] 2>/dev/null; then
	ok "every task sent $lo ... $hi (the client's times, +-1)"
else
	not_ok "every task sent $lo ... $hi (the client's times, +-1)"
	diag "sent: $(field sent_min "$chk") ... $(field sent_max "$chk")"
fi
tot=$(printf '%s\n' "$chk" | grep '^total ')
is "$(field lost "$tot")" 0 "no probe lost in any task"
is "$(field other "$chk")" 0 "no late, duplicate, refused or error replies"
cmp_le 1 "$(field evals_min "$chk")" "every task's loss rule was evaluated"
is "$(field alerts "$chk") $(field states "$chk")" "0 {\"ok\":$N}" \
    "no alert: counters 0, every rule ok"
nalert=$(grep -c '^event: alert' "$EV")
nstate=$(grep -c '^event: state' "$EV")
if grep -q '^HTTP/1.1 200' "$EV.h" && [ "$nalert" = 0 ]; then
	ok "no alert event on /api/v1/events (it carried $nstate state events)"
else
	not_ok "no alert event on /api/v1/events"
	diag "answer: $(head -n 1 "$EV.h" 2>/dev/null); $nalert alert events:"
	grep -A 1 '^event: alert' "$EV" | head -n 6 | diag -
fi

alive=0
for p in "$LOPAD_PID" "${LOPAD_CHILDREN[@]}"; do
	proc_alive "$p" && alive=$((alive + 1))
done
is "$alive" 6 "lopad's six processes are alive after the run"

# --- figures --------------------------------------------------------------------------
diag "sent per task: min $(field sent_min "$chk"), p50 $(field sent_p50 "$chk")," \
    "max $(field sent_max "$chk"); sent - schedule: $(field diff "$chk");" \
    "ran $(field run_min "$chk") ... $(field run_max "$chk") s"
diag "probes: $tot"
diag "CPU of lopad's processes, $((t1 - t0)) ms with all $N running:" \
    "$(awk -v t=$((k1 - k0)) -v hz="$HZ" -v ms=$((t1 - t0)) \
    'BEGIN { printf "%.2f s (%.1f%% of a core; %.2f s per 30 s)", t / hz,
    t / hz * 100000 / ms, t / hz * 30000 / ms }')"
diag "  per process, the first $((tm - t0)) ms: $(role_delta "$r0" "$rmid" $((tm - t0)))"
diag "  per process, the last $((t1 - tm)) ms: $(role_delta "$rmid" "$r1" $((t1 - tm)))"
diag "PSS summed: $PSS0 KiB idle, $PSS1 KiB with $N tasks ($PERPROC)"
diag "sender: $SND; raw socket drops in A: $DROPS"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"
[ "$LOPAD_EXIT" = 0 ] || diag_file "$LOPAD_LOG"

done_testing
