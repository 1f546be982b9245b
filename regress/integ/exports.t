#!/bin/bash
#
# Push exports (TAP): InfluxDB line protocol POSTed to exports.influx_url
# and the JSON-lines results log.  lopad runs in a network namespace of
# the test's own and pings 127.0.0.1 there; the receivers are
# regress/lib/webhook_sink.py in the same namespace (each request's
# method, path, headers and body logged; a mode file makes it answer 500),
# and every body is read with regress/lib/lineproto.py (a strict line
# protocol parser, checked first on lines of our own).
#  a) line protocol, to an InfluxDB 2 URL with influx_token_file:
#     "Authorization: Token ...", Content-Type text/plain, every line
#     parses; a count ping task (count 5) gives one line: round=1i,
#     type=ping, mode=count, sent/received/lost and the RTTs as its
#     total, Telegraf's ping fields consistent with them (ms = ns/1e6),
#     the time the round's end; its name and labels (spaces, commas,
#     equals signs, quotes, backslashes) come back equal after parsing, a
#     label "type" as label_type, "time" as label_time, an empty one left
#     out; a continuous task (window 1s, interval 100ms) gives one line a
#     window span, window=1i, 2i ... in order, as many as seconds it ran
#     (+/- 1), about 10 probes each, a second apart;
#  b) batching: with influx_batch 1000 and flush 500ms every line comes
#     within 1 s of its time; with influx_batch 3 and flush 10s, lines come
#     in POSTs of exactly 3 (the 7th waits); an InfluxDB 1 URL
#     (/write?db=x) without a token: no Authorization; influx_measurement
#     (with a space, a comma and a backslash) is the measurement;
#  c) the receiver answering 500 for a while: retried (status, log), the
#     task measures on, then every point arrives once, in order, nothing
#     dropped or failed (status points == lines delivered);
#  d) the results log: every line JSON; the count task's round line
#     (kind round, stats as the API's round), its probe lines with
#     results_log_per_probe (kind probe, one per probe sent), window lines
#     (kind window); SIGUSR1 rotation in the middle of a task: whole
#     lines in both files, each probe once; the status's line count is
#     the lines written; a results_log in a directory that does not exist:
#     lopad runs, logs why, counts the lines (and should say they were
#     lost), and after mkdir and SIGUSR1 writes to it;
#  e) lopad -n refuses exports.influx_url "ftp://x" and an
#     influx_token_file that does not exist, naming them.
#  - a label named label_type beside one named type must not give a
#    line with the tag label_type twice (InfluxDB refuses such a line):
#    the first by name stays, as in /metrics.
# Found by this test, fixed: the tag label_type twice, and the lines
# the parent could not write to the results log shown nowhere (now
# exports.results_log.lost, and written).

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 43

need_root
lopad_init
netns_new NS
for v in P1 P2; do
	lopad_port "$v" || bail "no free port"
done
SINK=$LOPA_ROOT/regress/lib/webhook_sink.py
LP=$LOPA_ROOT/regress/lib/lineproto.py
CONT='"mode":"continuous","interval":"100ms","window":"1s","timeout":"500ms"'

# sink NAME PORT: a receiver on 127.0.0.1:PORT in NS; its log is
# sink-NAME.log, its mode file sink-NAME.mode (200 unless written).
sink() {
	local name=$1 port=$2 pid

	: >"$LOPAD_DIR/sink-$name.log"
	# Not through a function: $! must be the receiver itself.
	ip netns exec "$NS" python3 "$SINK" -m "$LOPAD_DIR/sink-$name.mode" \
	    127.0.0.1 "$port" "$LOPAD_DIR/sink-$name.log" \
	    >"$LOPAD_DIR/sink-$name.out" 2>&1 </dev/null &
	pid=$!
	cleanup_push "kill $pid 2>/dev/null"
	if ! wait_until 10000 50 grep -q '^ready' "$LOPAD_DIR/sink-$name.out"
	then
		diag "receiver $name on 127.0.0.1:$port did not start"
		diag_file "$LOPAD_DIR/sink-$name.out"
		return 1
	fi
}
# mode NAME MODE: how receiver NAME answers from now on.
mode() {
	echo "$2" >"$LOPAD_DIR/sink-$1.mode.new"
	mv "$LOPAD_DIR/sink-$1.mode.new" "$LOPAD_DIR/sink-$1.mode"
}

# q EXPR: a python expression over the receivers' logs, the results logs
# and the status; strings print raw, other values as JSON.
#	S(name, mode)	the requests receiver name logged (answered so)
#	posts(name, mode="200")	their bodies parsed: a list per request of
#			points {m, tags, f, types, ts, at, n (the request)};
#			lines that do not parse are in ERR
#	pts(name, task=None, mode="200")	the points, in arrival order
#	H(rec, name)	a request's header (None when absent)
#	TJ(id)		the task's last GET (saved by get)
#	ns(iso)		an RFC 3339 time in ns
#	RL(path)	a results log's lines, parsed (None: not JSON)
#	EX		GET /api/v1/status's "exports"
HELPER=$LOPAD_DIR/q.py
cat >"$HELPER" <<'EOF'
import calendar, json, os, re, sys
D, LIB = sys.argv[1], sys.argv[2]
sys.path.insert(0, LIB)
import lineproto
try:
    EX = json.load(open(sys.argv[3])).get("exports", {})
except (OSError, ValueError):
    EX = {}
ERR = []
def S(name, mode=None):
    out = []
    try:
        lines = open("%s/sink-%s.log" % (D, name), encoding="utf-8").readlines()
    except OSError:
        return out
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if mode is not None and r.get("mode") != mode:
            continue
        out.append(r)
    return out
def H(rec, name):
    for k, v in rec.get("headers", {}).items():
        if k.lower() == name.lower():
            return v
    return None
def body(r):
    return r["body"] if "body" in r else json.dumps(r.get("json"))
def posts(name, mode="200"):
    out = []
    for n, r in enumerate(S(name, mode)):
        ps = []
        b = body(r)
        lines = b.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        else:
            ERR.append("request %d: no final newline" % n)
        for i, ln in enumerate(lines):
            try:
                m, t, f, ty, ts = lineproto.parse_line_types(ln)
            except lineproto.LineProtocolError as e:
                ERR.append("request %d line %d: %s: %r" % (n, i + 1, e, ln[:200]))
                continue
            ps.append({"m": m, "tags": t, "f": f, "types": ty, "ts": ts,
                       "at": r["at"], "n": n})
        out.append(ps)
    return out
def pts(name, task=None, mode="200"):
    return [p for ps in posts(name, mode) for p in ps
            if task is None or p["tags"].get("task") == task]
def TJ(i):
    with open("%s/task-%s.json" % (D, i)) as f:
        return json.load(f)
def ns(s):
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$", s)
    sec = calendar.timegm(__import__("time").strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return sec * 10**9 + int((m.group(2) or "0").ljust(9, "0"))
def RL(path):
    out = []
    try:
        lines = open(path, encoding="utf-8").read().split("\n")
    except OSError:
        return out
    if lines and lines[-1] == "":
        lines.pop()
    for ln in lines:
        try:
            out.append(json.loads(ln))
        except ValueError:
            out.append(None)
    return out
# twice(task): the task's lines: [type tag, the values a and b found] or
# the parser's complaint.
def twice(task):
    out = []
    for r in S("a"):
        for ln in body(r).split("\n"):
            if ",task=%s," % task not in ln:
                continue
            try:
                t = lineproto.parse_line(ln)[1]
            except lineproto.LineProtocolError as e:
                out.append("%s: %s" % (e, ln[:200]))
                continue
            out.append([t.get("type")] + sorted(v for v in t.values() if v in ("a", "b")))
    return out
def isint(x): return isinstance(x, int) and not isinstance(x, bool)
def near(a, b, eps=1e-12): return isinstance(a, float) and abs(a - b) <= eps
v = eval(sys.argv[4])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
EOF
q() {
	api rw GET /api/v1/status >/dev/null
	python3 "$HELPER" "$LOPAD_DIR" "$LOPA_ROOT/regress/lib" "$API_BODY" "$1"
}
# qt EXPR: q EXPR prints true (for wait_until).
qt() {
	[ "$(q "$1")" = true ]
}
# get ID: GET /api/v1/tasks/ID, kept for TJ(ID).
get() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	cp "$API_BODY" "$LOPAD_DIR/task-$1.json"
}
# sent ID: the task's total sent.
sent() {
	get "$1"
	json_get "$LOPAD_DIR/task-$1.json" 'j["total"]["sent"]' 2>/dev/null ||
	    echo 0
}
# ex PATH: a value of the status's exports (e.g. influx.retried).
ex() {
	api rw GET /api/v1/status >/dev/null
	json_get "$API_BODY" "j['exports']['${1%%.*}']['${1#*.}']" 2>/dev/null ||
	    echo "?"
}
create() {
	task_create ping "$1" ||
	    diag "create $1: $API_CODE $(cat "$API_BODY")"
}
stop_task() {
	api rw POST "/api/v1/tasks/$1/stop" >/dev/null
	[ "$API_CODE" = 202 ] || diag "stop $1: $API_CODE $(cat "$API_BODY")"
}
# in_range GOT LO HI DESC
in_range() {
	if [ "$1" -ge "$2" ] 2>/dev/null && [ "$1" -le "$3" ]; then
		ok "$4"
	else
		not_ok "$4"
		diag "got '$1', want $2 to $3"
	fi
}

# 0. The parser itself: escapes undone, types, and strictness.
is "$(printf '%s\n' 'm\ 1\,x,t\ k\,\==a\ b\,c\=d\\ f\ k="q \"x\" \\ y",i=-3i,u=4u,g=1.5e3,b=FALSE,z=0 1700000000000000000' |
    "$LP" 2>&1)" \
    '{"fields": {"b": false, "f k": "q \"x\" \\ y", "g": 1500.0, "i": -3, "u": 4, "z": 0.0}, "measurement": "m 1,x", "tags": {"t k,=": "a b,c=d\\"}, "timestamp": 1700000000000000000, "types": {"b": "boolean", "f k": "string", "g": "float", "i": "integer", "u": "unsigned", "z": "float"}}' \
    "lineproto.py: escapes undone in every part, the types of the fields, the timestamp"
out=$(printf 'm f=1i 1\nm,a=b f=2\nm,a= f=1\nm f=1\n' | "$LP" 2>&1 >/dev/null)
rc=$?
is "$rc $out" "1 lineproto: line 3: column 5: tag 'a' has an empty value" \
    "lineproto.py: exits 1 naming the first malformed line (an empty tag value)"
is "$(python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import lineproto
bad = ["m f=", "m f=1 ", " m f=1", "m  f=1", "m,a f=1", "m,a=b=c f=1",
       "m,a b=c f=1", "m f=1,", "m,a=b", "m f=1x", "m f=\"x", "m f=1 1.5",
       "m,a=1,a=2 f=1", "m f=1,f=2", "m f=9223372036854775808i", "m,time=x f=1",
       "m f=1e999", "m f=-1u", "m f=1 x", ",a=b f=1", "m, f=1", "m f=1\r", ""]
acc = []
for b in bad:
    try:
        lineproto.parse_line(b)
        acc.append(b)
    except lineproto.LineProtocolError:
        pass
print("accepted: %r" % acc if acc else "all rejected")
' "$LOPA_ROOT/regress/lib" 2>&1 | tail -n 1)" "all rejected" \
    "lineproto.py: no value, stray spaces, unescaped , = and space, empty parts, duplicates, bad numbers: rejected"

# a) b) c) d) One lopad: line protocol to receiver a (InfluxDB 2 URL, a
# token, batch 1000, flush 500ms) and the results log with probes.
TOKEN=tok-$$-$RANDOM
printf '%s\n' "$TOKEN" >"$LOPAD_DIR/influx.token"
chmod 600 "$LOPAD_DIR/influx.token"
RLOG=$LOPAD_DIR/results.jsonl
V2PATH="/api/v2/write?org=o&bucket=b&precision=ns"
sink a "$P1" || give_up "no receiver"
lopad_start "$NS" "exports:
  influx_url: \"http://127.0.0.1:$P1$V2PATH\"
  influx_token_file: $LOPAD_DIR/influx.token
  influx_batch: 1000
  influx_flush_interval: 500ms
  results_log: $RLOG
  results_log_per_probe: true" || give_up "lopad did not start"

# T2: continuous, throughout; T1: a count task with a name and labels.
create "{\"target\":\"127.0.0.1\",$CONT,\"name\":\"cont\"}"
T2=$TASK_ID
create '{"target":"127.0.0.1","count":5,"interval":"100ms","name":"n 1,x=y","labels":{"site":"a b,c=d","type":"lab","time":"t1","bs":"back\\slash\\","q":"say \"hi\"","empty":""}}'
T1=$TASK_ID
task_wait "$T1" 10000 || diag "$T1 did not finish"
get "$T1"
wait_until 5000 50 qt "len(pts('a', '$T1')) >= 1" ||
    diag "no line for $T1: $(q "S('a')" | head -c 1000)"
# Two windows of T2 at least, for the latency check.
wait_until 5000 100 qt "len(pts('a', '$T2')) >= 2"

is "$(q "sorted(set('%s|%s|%s|%s' % (r['method'], r['path'], H(r, 'Authorization'), (H(r, 'Content-Type') or '').split(';')[0]) for r in S('a')))")" \
    "[\"POST|$V2PATH|Token $TOKEN|text/plain\"]" \
    "a) POSTs to the InfluxDB 2 URL with \"Authorization: Token <token>\", Content-Type text/plain"
is "$(q "[len(pts('a', '$T1')), [[p['m'], p['tags'].get(k), p['f'].get('round'), p['types'].get('round')] for p in pts('a', '$T1') for k in ('type', 'mode', 'task', 'target', 'ip')], pts('a', '$T1')[0]['tags']['node'] == TJ('$T1')['node_id']]")" \
    "[1, [[\"lopa\", \"ping\", 1, \"integer\"], [\"lopa\", \"count\", 1, \"integer\"], [\"lopa\", \"$T1\", 1, \"integer\"], [\"lopa\", \"127.0.0.1\", 1, \"integer\"], [\"lopa\", \"127.0.0.1\", 1, \"integer\"]], true]" \
    "count task (count 5): one line, measurement lopa, round=1i, tags type ping, mode count, task, target, ip, node"
is "$(q "(lambda p, t: [[p['f'][a], p['types'][a]] == [t[b], 'integer'] or '%s=%r (%s) vs %s=%r' % (a, p['f'].get(a), p['types'].get(a), b, t[b]) for a, b in (('sent', 'sent'), ('received', 'received'), ('lost', 'lost'), ('rtt_avg_ns', 'avg_rtt'), ('rtt_min_ns', 'min_rtt'), ('rtt_max_ns', 'max_rtt'), ('rtt_stddev_ns', 'stddev_rtt'), ('rtt_p99_ns', 'p99_rtt'))] + [t['sent']])(pts('a', '$T1')[0], TJ('$T1')['total'])")" \
    '[true, true, true, true, true, true, true, true, 5]' \
    "... sent, received, lost, rtt_avg_ns (and min, max, stddev, p99) are the API's total, integers"
is "$(q "(lambda p, t: [p['f']['packets_transmitted'] == t['sent'] and p['types']['packets_transmitted'] == 'integer', p['f']['packets_received'] == t['received'] and p['types']['packets_received'] == 'integer', near(p['f']['percent_packet_loss'], 100.0 * t['lost'] / t['sent'], 1e-9)] + [near(p['f'][a], t[b] / 1e6) or '%s=%r, %s=%r' % (a, p['f'].get(a), b, t[b]) for a, b in (('minimum_response_ms', 'min_rtt'), ('average_response_ms', 'avg_rtt'), ('maximum_response_ms', 'max_rtt'), ('standard_deviation_ms', 'stddev_rtt'))])(pts('a', '$T1')[0], TJ('$T1')['total'])")" \
    '[true, true, true, true, true, true, true]' \
    "... Telegraf's packets_transmitted, packets_received, percent_packet_loss, minimum/average/maximum_response_ms, standard_deviation_ms as the API's (ms = ns/1e6)"
is "$(q "pts('a', '$T1')[0]['ts'] == ns(TJ('$T1')['rounds'][0]['to'])")" true \
    "... its time is the round's end (ns)"
is "$(q "(lambda t: [t.get('name'), t.get('site'), t.get('label_type'), t.get('label_time'), t.get('bs'), t.get('q'), 'empty' in t])(pts('a', '$T1')[0]['tags'])")" \
    '["n 1,x=y", "a b,c=d", "lab", "t1", "back\\slash\\", "say \"hi\"", false]' \
    "... name and labels with spaces, commas, equals signs, quotes, backslashes come back equal; type and time as label_type, label_time; an empty one left out"
is "$(q "(lambda d: [len(d) >= 3, min(d) >= -0.05, max(d) <= 1.0] or d)([p['at'] - p['ts'] / 1e9 for p in pts('a')])")" \
    '[true, true, true]' \
    "b) influx_flush_interval 500ms: every line came within 1 s of its time"

# d) The results log so far: T1's round and probes.
is "$(q "[x for x in RL('$RLOG') if not isinstance(x, dict)]")" '[]' \
    "d) results log: every line is a JSON object"
is "$(q "(lambda r, t: [len(r)] + [[x['kind'], x['index'], x['type'], x['mode'], x['stats']['sent'] == t['total']['sent'], x['stats'] == t['rounds'][0]['stats'], x['time'] == t['rounds'][0]['to'], x['from'] == t['rounds'][0]['from'], x.get('labels') == t['labels'], x.get('name')] for x in r])([x for x in RL('$RLOG') if x and x.get('task_id') == '$T1' and x.get('kind') != 'probe'], TJ('$T1'))")" \
    '[1, ["round", 1, "ping", "count", true, true, true, true, true, "n 1,x=y"]]' \
    "... the count task's round line: kind round, task_id, stats as the API's round (sent $(q "TJ('$T1')['total']['sent']")), from, time, labels, name"
is "$(q "(lambda r: [len(r), sorted(x['seq'] for x in r), sorted(set(x['kind'] for x in r)), all(isint(x.get('rtt')) for x in r)])([x for x in RL('$RLOG') if x and x.get('task_id') == '$T1' and x.get('kind') == 'probe'])")" \
    '[5, [1, 2, 3, 4, 5], ["probe"], true]' \
    "... results_log_per_probe: its probe lines (kind probe, seq, rtt), as many as it sent"

# c) The receiver answers 500 for a while; T2 goes on.
r0=$(ex influx.retried)
d0=$(ex influx.delivered)
n500=$(q "len(S('a', '500'))")
mode a 500
sent0=$(sent "$T2")
wait_until 8000 100 qt "len(S('a', '500')) >= $n500 + 2" ||
    diag "500s: $(q "len(S('a', '500'))")"
sent1=$(sent "$T2")
mode a 200
if [ "$sent1" -gt "$sent0" ]; then
	ok "c) receiver answering 500: the task measures on (sent $sent0, then $sent1)"
else
	not_ok "c) receiver answering 500: the task measures on (sent $sent0, then $sent1)"
fi
is "$(q "[EX['influx']['retried'] > $r0, EX['influx']['failed'], EX['influx']['dropped']]")" \
    '[true, 0, 0]' "... status exports.influx: retried grew, none failed or dropped"
log_like "^control: webhook http://127\\.0\\.0\\.1:$P1: attempt [0-9]+ failed \\(.*500.*\\); again in [0-9]+ ms\$" \
    "... the log says the attempt failed (500) and when it is tried again"
wait_until 15000 100 qt "EX['influx']['queue_length'] == 0 and EX['influx']['delivered'] > $d0" ||
    diag "not delivered: $(q EX)"
is "$(q "[EX['influx']['delivered'] > $d0, EX['influx']['queue_length']]")" \
    '[true, 0]' "receiver back (200): delivered grew, the queue is empty"

# d) SIGUSR1 rotation in the middle of T3 (30 probes, 50 ms apart).
create '{"target":"127.0.0.1","count":30,"interval":"50ms"}'
T3=$TASK_ID
wait_until 3000 50 qt "len([x for x in RL('$RLOG') if x and x.get('task_id') == '$T3' and x.get('kind') == 'probe']) >= 5" ||
    diag "T3 probes before the rotation: $(q "len([x for x in RL('$RLOG') if x and x.get('task_id') == '$T3'])")"
mv "$RLOG" "$RLOG.1"
kill -USR1 "$LOPAD_PID"
task_wait "$T3" 10000 || diag "$T3 did not finish"
get "$T3"
wait_until 3000 100 qt "len([x for x in RL('$RLOG') + RL('$RLOG.1') if x and x.get('task_id') == '$T3' and x.get('kind') == 'round']) == 1"
sleep 0.5
log_like '^parent: received SIGUSR1: reopening the results log$' \
    "d) SIGUSR1: the log says the results log is opened again"
is "$(q "[os.path.isfile('$RLOG'), open('$RLOG.1').read().endswith('\n'), open('$RLOG').read().endswith('\n'), [x for x in RL('$RLOG.1') + RL('$RLOG') if not isinstance(x, dict)]]")" \
    '[true, true, true, []]' \
    "... a new file; the moved one and the new one hold whole lines, each a JSON object"
is "$(q "(lambda a, b: [sorted(a + b) == list(range(1, 31)), len(a) > 0, len(b) > 0])([x['seq'] for x in RL('$RLOG.1') if x and x.get('task_id') == '$T3' and x.get('kind') == 'probe'], [x['seq'] for x in RL('$RLOG') if x and x.get('task_id') == '$T3' and x.get('kind') == 'probe'])")" \
    '[true, true, true]' \
    "... the task across the rotation: each of its 30 probes once overall, some in each file"
is "$(q "[[x['stats']['sent'], x['stats'] == TJ('$T3')['rounds'][0]['stats']] for x in RL('$RLOG.1') + RL('$RLOG') if x and x.get('task_id') == '$T3' and x.get('kind') == 'round']")" \
    '[[30, true]]' "... its round line once, stats as the API's"

# T4: labels type and label_type both (after the checks of every line).
create '{"target":"127.0.0.1","count":1,"interval":"10ms","labels":{"type":"a","label_type":"b"}}'
T4=$TASK_ID
task_wait "$T4" 5000
# The end of T2; everything delivered (flush 500ms) and written (200 ms).
stop_task "$T2"
task_wait "$T2" 5000
get "$T2"
wait_until 5000 100 qt "EX['influx']['queue_length'] == 0 and len([1 for r in S('a', '200') if ',task=$T4,' in body(r)]) >= 1"
sleep 0.8

# (q prints a newline of its own after the last line's.)
out=$(q "''.join(body(r) for r in S('a'))[:-1]" | "$LP" 2>&1 >/dev/null)
rc=$?
# T4's line is judged apart, below.
out4=$(q "''.join(ln + '\n' for r in S('a') for ln in body(r).split('\n') if ln and ',task=$T4,' not in ln)[:-1]" |
    "$LP" 2>&1 >/dev/null)
rc4=$?
is "$rc4 $out4" "0 " \
    "a) every line of every body (answered 200 or 500) parses with lineproto.py"
is "$(q "(lambda p: [[x['f']['window'] for x in p] == list(range(1, len(p) + 1)), sorted(set((x['tags']['mode'], x['tags']['type'], x['tags']['name'], x['f']['window_ns'], x['types']['window'], 'round' in x['f']) for x in p))])(pts('a', '$T2'))")" \
    '[true, [["continuous", "ping", "cont", 1000000000, "integer", false]]]' \
    "c) continuous task: window=1i, 2i ... each once, in order across the requests (before, during and after the 500s); mode continuous, window_ns 1s"
nwin=$(q "len(pts('a', '$T2'))")
span=$(q "round((ns(TJ('$T2')['finished']) - ns(TJ('$T2')['started'])) / 1e9, 2)")
want=$(q "int((ns(TJ('$T2')['finished']) - ns(TJ('$T2')['started'])) // 10**9)")
in_range "$nwin" $((want - 1)) $((want + 1)) \
    "a) window 1s: one line a second: $nwin lines over the $span s it ran"
is "$(q "(lambda p: [sorted(set(8 <= x['f']['sent'] <= 12 for x in p)), sorted(set(0.8e9 <= b['ts'] - a['ts'] <= 1.25e9 for a, b in zip(p, p[1:]))), p[0]['ts'] - ns(TJ('$T2')['started']) < 1.25e9] or [(x['f']['sent'], x['ts']) for x in p])(pts('a', '$T2'))")" \
    '[[true], [true], true]' \
    "... each window about 10 probes (interval 100ms), the lines a second apart, the first a second after the start"
is "$(q "(lambda p: [sum(len([ln for ln in body(r).split('\n') if ln]) for r in S('a', '200')) == EX['influx']['points'], len(set((x['tags']['task'], x['f'].get('round'), x['f'].get('window')) for x in p)) == len(p), EX['influx']['queued'] == EX['influx']['delivered'] + EX['influx']['queue_length'], EX['influx']['failed'], EX['influx']['dropped']] or [len(p), EX])(pts('a'))")" \
    '[true, true, true, 0, 0]' \
    "c) nothing lost: the lines delivered (200) are the status's points, none twice; queued == delivered; none failed or dropped"
is "$(q "(lambda w: [[x['index'] for x in w] == list(range(1, len(w) + 1)), len(w) == len(pts('a', '$T2')), sorted(set((x['window'], x['mode']) for x in w))])([x for x in RL('$RLOG.1') + RL('$RLOG') if x and x.get('task_id') == '$T2' and x.get('kind') == 'window'])")" \
    '[true, true, [[1000000000, "continuous"]]]' \
    "d) results log: the continuous task's window lines (kind window, index 1, 2 ...), as many as the line protocol's"
is "$(q "[EX['results_log']['enabled'], EX['results_log']['lines'] == len(RL('$RLOG.1') + RL('$RLOG')), EX['results_log']['dropped']]")" \
    '[true, true, 0]' \
    "... status exports.results_log: lines == the lines in the two files, none dropped"
is "$rc4:$rc $(q "twice('$T4')")" "0:0 [[\"ping\", \"b\"]]" \
    "labels type and label_type both: no tag key twice (InfluxDB refuses such a line), the first by name (label_type=b) kept"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# b) d) Another lopad: an InfluxDB 1 URL without a token, a measurement
# of our own, batches of 3 with a 10 s flush; the results log in a
# directory that does not exist yet.
NODIR=$LOPAD_DIR/nodir
sink b "$P2" || give_up "no receiver"
lopad_start "$NS" "exports:
  influx_url: \"http://127.0.0.1:$P2/write?db=x\"
  influx_measurement: 'my meas,x\\y'
  influx_batch: 3
  influx_flush_interval: 10s
  results_log: $NODIR/results.jsonl" || give_up "lopad did not start (2)"
is "$(api rw GET /api/v1/status) $(proc_alive "$LOPAD_PID" && echo alive)" \
    "200 alive" "d) results_log in a directory that does not exist: lopad runs"
log_like "^parent: exports\\.results_log $NODIR/results\\.jsonl: No such file or directory\$" \
    "... and its log says why"
IDS=()
for _ in 1 2 3 4 5 6 7; do
	create '{"target":"127.0.0.1","count":1,"interval":"10ms"}'
	task_wait "$TASK_ID" 5000
	IDS+=("$TASK_ID")
done
wait_until 5000 50 qt "len(S('b')) >= 2"
sleep 1.5
is "$(q "[[len(ps) for ps in posts('b')], EX['influx']['points'], EX['influx']['delivered'], EX['influx']['queue_length']]")" \
    '[[3, 3], 7, 2, 0]' \
    "b) influx_batch 3, flush 10s: 7 lines came in 2 POSTs of 3; the 7th waits"
is "$(q "[ERR, sorted(set('%s|%s|%s|%s' % (r['method'], r['path'], H(r, 'Authorization'), (H(r, 'Content-Type') or '').split(';')[0]) for r in S('b')))]")" \
    '[[], ["POST|/write?db=x|None|text/plain"]]' \
    "b) InfluxDB 1 URL, no influx_token_file: no Authorization header; every line parses"
is "$(q "sorted(set(p['m'] for p in pts('b')))")" '["my meas,x\\y"]' \
    "b) influx_measurement 'my meas,x\\y': the measurement, escaped"
is "$(q "sorted(p['tags']['task'] for p in pts('b')) == sorted('${IDS[*]}'.split()[:6])")" true \
    "... the first six tasks' round lines"
sleep 0.3
is "$(q "[EX['results_log']['enabled'], EX['results_log']['lines'], os.path.exists('$NODIR')]")" \
    '[true, 7, false]' \
    "d) status exports.results_log: the 7 round lines counted (no file to write them to)"
is "$(q "[EX['results_log']['lost'], EX['results_log']['written'], EX['results_log']['open']]")" \
    '[7, 0, false]' \
    "... and the status says they were not written: lost 7, written 0, not open"
mkdir "$NODIR"
kill -USR1 "$LOPAD_PID"
lopad_log_wait '^parent: received SIGUSR1' 3000
create '{"target":"127.0.0.1","count":1,"interval":"10ms"}'
T8=$TASK_ID
task_wait "$T8" 5000
wait_until 3000 100 qt "len(RL('$NODIR/results.jsonl')) >= 1"
is "$(q "[[x['task_id'], x['kind']] for x in RL('$NODIR/results.jsonl')]")" \
    "[[\"$T8\", \"round\"]]" \
    "... mkdir and SIGUSR1: the file is created, the next lines go to it"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# e) Configuration errors.
nconf() {
	printf '%s\n' "$2" >"$LOPAD_DIR/$1.conf"
	"$LOPAD" -n -f "$LOPAD_DIR/$1.conf" >"$LOPAD_DIR/$1.out" 2>&1
	echo "$? $(tr '\n' ' ' <"$LOPAD_DIR/$1.out")"
}
like "$(nconf good "exports:
  influx_url: \"http://127.0.0.1:8086/write?db=x\"
  influx_token_file: $LOPAD_DIR/influx.token")" "^0 configuration OK" \
    "e) lopad -n: an http URL and a token file pass"
like "$(nconf ftp 'exports:
  influx_url: "ftp://x"')" "^[1-9][0-9]* .*exports\\.influx_url: not an http or https URL" \
    "e) lopad -n: exports.influx_url \"ftp://x\" fails, naming exports.influx_url"
like "$(nconf notoken "exports:
  influx_url: \"http://127.0.0.1:8086/write?db=x\"
  influx_token_file: $LOPAD_DIR/no-such-token")" \
    "^[1-9][0-9]* .*exports\\.influx_token_file $LOPAD_DIR/no-such-token: No such file or directory" \
    "e) lopad -n: an influx_token_file that does not exist fails, naming it"

done_testing
