#!/bin/bash
#
# GET /metrics, the Prometheus exposition (TAP).  lopad runs in namespace
# NS, joined to NS2 by a veth pair (198.18.9.1 in NS, 198.18.9.2 in NS2).
#
#  1. Tasks of every type: ping (continuous, stopped; continuous, running,
#     with a loss threshold; count; count with "histograms": false), tcp
#     (to lopad's own API port), udp (to lopad's UDP echo reflector),
#     twamp and stamp (to lopad's TWAMP/STAMP reflector: reflector
#     traffic), passive (on the veth end); an IPv6 ping with a DSCP; a
#     ping to nowhere (all lost, its loss threshold alerting); labels
#     with a quote and a backslash (and {=,} and UTF-8), labels named
#     like fixed labels (type, le); a route monitor and a route added in
#     NS (a netlink event).  A label name with a '-' is refused by the
#     API (so it never reaches the exposition).
#  2. promtool check metrics exits 0 on the text form (its lint output is
#     shown as diagnostics).
#  3. The OpenMetrics form (Accept: application/openmetrics-text): its
#     Content-Type (Prometheus's real Accept header gets it, one
#     preferring text/plain does not), "# EOF" at the end;
#     python3-prometheus-client's OpenMetrics parser reads it, its text
#     parser the text form; both forms hold the same series.
#  4. Values against the API: a stopped continuous ping and a finished
#     count task: sent, received, lost, duplicates, late, reordered equal
#     GET /api/v1/tasks/:id's total; rtt _count = received, _sum within
#     1e-6 of received * avg_rtt; jitter and ipdv; every histogram's
#     buckets ascending and cumulative, +Inf = _count; a running task's
#     counters within a few probes; one-way delay histograms of twamp and
#     stamp (_count, _sum, hops); tcp/udp/twamp/stamp/IPv6 counters and
#     the IPv6 task's family, ip, dscp labels; the histograms:false task has
#     counters but no rtt histogram; a (stopped) passive task's interface
#     counters equal the API's; lopad_task_up 1 for the running task,
#     lopad_alert_active{metric="loss"} for its threshold; the lossy task
#     down and alerting; lopad_tasks equals the task list.
#  5. Escaping: the parsed label values equal the originals (quote,
#     backslash), the raw text holds \" and \\; newlines: a second lopad
#     in a UTS namespace whose host name holds a quote, a backslash and a
#     newline (the node label, task ids), with a task declared in the
#     configuration, and 100 more (rows over several engine messages).
#  6. The daemon's families: lopad_build_info (version, revision, node as
#     in GET /api/v1/status), resident memory and CPU time of the six
#     processes, config reload gauges (and after a failing reload: 0, the
#     success timestamp unchanged, reloads 1), reflector packets (twamp,
#     udp_echo) equal to the status, netlink route adds, webhook
#     deliveries by result, uptime, the series budget.
#  7. Configuration (reloads): metrics.histograms false (no _bucket line),
#     buckets 3 from 1ms by 10 (le 0.001 0.01 0.1 +Inf), task_labels
#     false (no custom label), max_series small (tasks omitted, counted,
#     logged; the exposition still valid).
#  8. Access: the read-only socket and the TCP listener serve GET
#     /metrics; POST /metrics is 405; four scrapes at once all answered;
#     a deleted task's series are gone.
# 10. An engine that does not answer (SIGSTOP): the daemon's families
#     after 15 s, no task series; the tasks back after SIGCONT.
#  9. A task label named "label_type" next to one named "type" (which is
#     exported as label_type): the exposition must stay valid (no
#     duplicate label name: the first by name stays).  Found by this
#     test: lopad exported label_type twice and promtool and the parsers
#     rejected the whole scrape.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 92

PY=/usr/bin/python3
need_root
[ -x /usr/bin/promtool ] || bail "promtool missing (make test-deps)"
$PY -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
    bail "python3-prometheus-client missing (make test-deps)"

lopad_init
netns_new NS
netns_new NS2
netns_veth "$NS" "198.18.9.1/24 2001:db8:9::1/64" "$NS2" \
    "198.18.9.2/24 2001:db8:9::2/64"
IF=$NETNS_IF1

# --- helpers ------------------------------------------------------------

# The python side: parse an exposition, look samples up.
cat >"$LOPAD_DIR/mlib.py" <<'EOF'
import calendar, json, math, sys, time
from prometheus_client.openmetrics.parser import \
    text_string_to_metric_families as om_families
from prometheus_client.parser import \
    text_string_to_metric_families as txt_families


def parse(fmt, path):
    """(raw, samples, error) of an exposition, fmt "om" or "text"."""
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    try:
        fams = list((om_families if fmt == "om" else txt_families)(raw))
    except Exception as e:
        return raw, [], "%s: %s" % (type(e).__name__, e)
    return raw, [s for f in fams for s in f.samples], None


class Q:
    def __init__(self, samples):
        self.samples = samples

    def S(self, name, **lab):
        return [s for s in self.samples if s.name == name and
                all(s.labels.get(k) == v for k, v in lab.items())]

    def one(self, name, **lab):
        l = self.S(name, **lab)
        return l[0].value if len(l) == 1 else None

    def tasks(self):
        return sorted({s.labels["task"] for s in self.samples
                       if "task" in s.labels})


def series(samples):
    return {(s.name, tuple(sorted(s.labels.items()))) for s in samples}


def hist_shape(samples):
    """True when every histogram is well formed, else why."""
    groups, counts = {}, {}
    for s in samples:
        if s.name.endswith("_bucket"):
            key = (s.name[:-7], tuple(sorted((k, v) for k, v in
                                             s.labels.items() if k != "le")))
            groups.setdefault(key, []).append(s)
        elif s.name.endswith("_count"):
            counts[(s.name[:-6], tuple(sorted(s.labels.items())))] = s.value
    if not groups:
        return "no histogram"
    for key, l in groups.items():
        les = [float(s.labels["le"]) for s in l]
        vals = [s.value for s in l]
        if les != sorted(les) or len(set(les)) != len(les):
            return "%s: le not ascending: %s" % (key[0], les)
        if les[-1] != math.inf:
            return "%s: no +Inf bucket" % key[0]
        if any(vals[i] > vals[i + 1] for i in range(len(vals) - 1)):
            return "%s: buckets not cumulative: %s" % (key[0], vals)
        if counts.get(key) != vals[-1]:
            return "%s: +Inf %s, _count %s" % (key[0], vals[-1],
                                              counts.get(key))
    return True


def show(v):
    print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
EOF

# mq FORMAT FILE EXPR [ARGS...]: EXPR evaluated on the exposition in FILE (om or
# text) with q (Q: q.S(name, label=value...), q.one(...), q.tasks()),
# raw (the text), samples, err (the parse error or None), sys.argv[4:]
# (ARGS); printed as json_get does.
mq() {
	PYTHONPATH=$LOPAD_DIR $PY -c '
import sys
from mlib import *
raw, samples, err = parse(sys.argv[1], sys.argv[2])
q = Q(samples)
try:
    show(eval(sys.argv[3]))
except Exception as e:
    print("mq: %s: %s" % (type(e).__name__, e))
    sys.exit(1)
' "$@"
}

# scrape FILE [CURL_ARGS...]: GET /metrics on the read-write socket.
scrape() {
	local f=$1

	shift
	api rw GET /metrics "$@" >/dev/null
	cp "$API_BODY" "$f"
	[ "$API_CODE" = 200 ] || diag "GET /metrics: $API_CODE $(head -c 300 "$f")"
}

# promcheck DESC FILE: promtool check metrics exits 0 on FILE (its output,
# lint warnings included, as diagnostics).
promcheck() {
	local out rc

	out=$(promtool check metrics <"$2" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | head -n 15 | diag -
	result "$rc" "$1"
}

# fok KEY DESC: the fact KEY (of facts.json) is true; else its reason.
fok() {
	local v

	v=$(json_get "$LOPAD_DIR/facts.json" "j.get('$1', 'fact $1 missing')" \
	    2>&1)
	if [ "$v" = true ]; then
		ok "$2"
	else
		not_ok "$2"
		diag "$1: $(printf '%s' "$v" | head -c 1500)"
	fi
}

# get ID FILE: GET /api/v1/tasks/ID into FILE.
get() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	cp "$API_BODY" "$2"
}

# reload_with EXTRA_YAML: rewrite the configuration, POST /api/v1/reload.
reload_with() {
	lopad_config "$LOPAD_CONF" "$1"
	api rw POST /api/v1/reload >/dev/null
	[ "$API_CODE" = 200 ] ||
	    diag "reload: $API_CODE $(head -c 400 "$API_BODY")"
	[ "$API_CODE" = 200 ]
}

# --- 1. tasks of every type ----------------------------------------------

lopad_start "$NS" || give_up "lopad did not start"
PEER=198.18.9.2
ip netns exec "$NS" ping -c 1 -W 2 198.18.9.2 >/dev/null 2>&1 ||
    diag "the first ping across the veth failed"

api rw POST /api/v1/monitors -H 'Content-Type: application/json' \
    --data-binary '{"type":"route","name":"routes"}' >/dev/null
is "$API_CODE" 201 "a route monitor created"

route_adds() {
	api rw GET /api/v1/status >/dev/null
	json_get "$API_BODY" 'j["netlink"]["events_by"]["route"]["add"]' \
	    2>/dev/null
}
ip -n "$NS" route add 198.19.77.0/24 via "$PEER" ||
    diag "ip route add failed"
wait_until 3000 50 eval '[ "$(route_adds)" -ge 1 ] 2>/dev/null'
result $? "the route added in NS is counted (status netlink route add >= 1)"

declare -A ID=()
CODES=
mk() {
	task_create "$2" "$3"
	CODES="$CODES $API_CODE"
	[ "$API_CODE" = 201 ] || diag "create $1 ($2 $3): $API_CODE $(cat "$API_BODY")"
	ID[$1]=$TASK_ID
}
mk pc ping '{"target":"'$PEER'","mode":"continuous","interval":"20ms",
    "window":"1s","timeout":"500ms","name":"n\"a\\m",
    "labels":{"site":"q\"b\\s {a=b,c} é","type":"T","le":"L"}}'
mk pr ping '{"target":"'$PEER'","mode":"continuous","interval":"50ms",
    "window":"2s","timeout":"500ms","name":"running",
    "thresholds":{"loss":{"above":0.2,"clear":0.05,"min_samples":5}}}'
mk cnt ping '{"target":"'$PEER'","count":20,"interval":"20ms","timeout":"1s"}'
mk noh ping '{"target":"'$PEER'","count":5,"interval":"20ms","timeout":"1s",
    "histograms":false}'
mk tcp tcp '{"target":"127.0.0.1:'$LOPAD_HTTP_PORT'","count":5,
    "interval":"20ms","timeout":"1s"}'
mk udp udp '{"target":"127.0.0.1:'$LOPAD_REFL_PORT'","count":5,
    "interval":"20ms","timeout":"1s"}'
mk tw twamp '{"target":"127.0.0.1:'$LOPAD_TWAMP_PORT'","count":5,
    "interval":"20ms","timeout":"1s"}'
mk st stamp '{"target":"127.0.0.1:'$LOPAD_TWAMP_PORT'","count":5,
    "interval":"20ms","timeout":"1s"}'
mk v6 ping '{"target":"2001:db8:9::2","count":5,"interval":"20ms",
    "timeout":"1s","dscp":46}'
# 198.19.77.1: routed to NS2, which does not forward: every probe is lost
mk ls ping '{"target":"198.19.77.1","mode":"continuous","interval":"50ms",
    "window":"2s","timeout":"200ms","name":"lossy",
    "thresholds":{"loss":{"above":0.2,"clear":0.05,"min_samples":5}}}'
mk pv passive '{"interfaces":["'$IF'"],"mode":"continuous",
    "interval":"200ms","window":"2s"}'
is "$CODES" " 201 201 201 201 201 201 201 201 201 201 201" \
    "tasks of every type created (ping x6, tcp, udp, twamp, stamp, passive)"

task_create ping '{"target":"127.0.0.1","count":1,"labels":{"my-lab":"v"}}'
is "$API_CODE $(json_get "$API_BODY" 'j.get("field")' 2>&1)" \
    "400 labels.my-lab" \
    "a label name with '-' is refused (400, field labels.my-lab)"

FIN=0
for k in cnt noh tcp udp tw st v6; do
	task_wait "${ID[$k]}" 8000 &&
	    [ "$(task_get 'j["status"]')" = finished ] && FIN=$((FIN + 1))
done
is "$FIN" 7 "the seven count tasks finish"
# pc and pv have run for a second or more: stop them (their values freeze).
sleep 0.5
api rw POST "/api/v1/tasks/${ID[pc]}/stop" >/dev/null
S1=$API_CODE
api rw POST "/api/v1/tasks/${ID[pv]}/stop" >/dev/null
S2=$API_CODE
task_wait "${ID[pc]}" 3000
task_wait "${ID[pv]}" 3000
is "$S1 $S2" "202 202" "the continuous ping and the passive task stopped"

# --- 2, 3. the scrape, both forms ---------------------------------------

M=$LOPAD_DIR/m
scrape "$M.txt"
CT="$API_CODE $(api_header Content-Type)"
get "${ID[pr]}" "$LOPAD_DIR/api-pr.json"
is "$CT" "200 text/plain; version=0.0.4; charset=utf-8" \
    "GET /metrics: 200, text/plain; version=0.0.4"
scrape "$M.om" -H 'Accept: application/openmetrics-text; version=1.0.0'
CT="$API_CODE $(api_header Content-Type)"
get "${ID[ls]}" "$LOPAD_DIR/api-ls.json"
like "$CT" '^200 application/openmetrics-text' \
    "with Accept: application/openmetrics-text: 200, its Content-Type"
is "$(tail -n 1 "$M.om")" "# EOF" "the OpenMetrics form ends with # EOF"
is "$(tail -c 1 "$M.om" | od -An -c | tr -d ' ')" '\n' \
    "... and a newline"

for k in pc cnt noh tcp udp tw st pv v6; do
	get "${ID[$k]}" "$LOPAD_DIR/api-$k.json"
done
api rw GET /api/v1/status >/dev/null
cp "$API_BODY" "$LOPAD_DIR/status.json"
api rw GET /api/v1/tasks >/dev/null
cp "$API_BODY" "$LOPAD_DIR/tasks.json"
ids_json=$(for k in "${!ID[@]}"; do printf '"%s":"%s",' "$k" "${ID[$k]}"; done)
echo "{${ids_json%,}}" >"$LOPAD_DIR/ids.json"

# ctype ACCEPT: the Content-Type of GET /metrics with that Accept header.
ctype() {
	api rw GET /metrics -H "Accept: $1" >/dev/null
	echo "$API_CODE $(api_header Content-Type | cut -d';' -f1)"
}
is "$(ctype 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')" \
    "200 application/openmetrics-text" \
    "Prometheus's own Accept header: OpenMetrics"
is "$(ctype 'text/plain;version=0.0.4;q=1,*/*;q=0.1')" "200 text/plain" \
    "Accept: text/plain (Prometheus without OpenMetrics): text"
is "$(ctype 'application/openmetrics-text;q=0.2, text/plain')" \
    "200 text/plain" "Accept preferring text/plain over OpenMetrics: text"
promcheck "promtool check metrics passes on the text form" "$M.txt"

# The facts, computed once (python), asserted one by one below.
PYTHONPATH=$LOPAD_DIR $PY - "$LOPAD_DIR" "$IF" >"$LOPAD_DIR/facts.out" 2>&1 <<'EOF'
import json, math, sys
from collections import Counter
from mlib import *

d, iface = sys.argv[1], sys.argv[2]
ids = json.load(open(d + "/ids.json"))
api = {}
for k in ids:
    try:
        api[k] = json.load(open("%s/api-%s.json" % (d, k)))
    except Exception:
        pass
st = json.load(open(d + "/status.json"))
tl = json.load(open(d + "/tasks.json"))
raw_om, s_om, e_om = parse("om", d + "/m.om")
raw_tx, s_tx, e_tx = parse("text", d + "/m.txt")
q = Q(s_om if e_om is None else s_tx)
qt = Q(s_tx)
F = {}


def fact(key, fn):
    try:
        r = fn()
    except Exception as e:
        r = "%s: %s" % (type(e).__name__, e)
    F[key] = True if r is True else (r or "false")


def all_ok(bad):
    return True if not bad else "; ".join(bad)


def tot(k):
    return api[k]["total"]


def counters(k):
    bad = []
    for f in ("sent", "received", "lost", "duplicates", "late",
              "reordered"):
        v = q.one("lopad_probe_%s_total" % f, task=ids[k])
        if v is None or v != tot(k)[f]:
            bad.append("%s: metric %s, API %s" % (f, v, tot(k)[f]))
    if tot(k)["received"] <= 0:
        bad.append("nothing received")
    return all_ok(bad)


def hist(k):
    t = ids[k]
    c = q.one("lopad_probe_rtt_seconds_count", task=t)
    s = q.one("lopad_probe_rtt_seconds_sum", task=t)
    want = tot(k)["received"] * tot(k)["avg_rtt"] / 1e9
    bad = []
    if c != tot(k)["received"]:
        bad.append("_count %s, received %s" % (c, tot(k)["received"]))
    if s is None or abs(s - want) > 1e-6:
        bad.append("_sum %s, received * avg_rtt %s" % (s, want))
    return all_ok(bad)


def running():
    t, a = ids["pr"], tot("pr")
    bad = []
    for f in ("sent", "received"):
        # the text form was scraped just before the API was asked, the
        # OpenMetrics form just after: a few probes apart
        v = qt.one("lopad_probe_%s_total" % f, task=t)
        w = q.one("lopad_probe_%s_total" % f, task=t)
        if v is None or not (0 <= a[f] - v <= 10) or v <= 0:
            bad.append("%s: text %s, API (after) %s" % (f, v, a[f]))
        if w is None or abs(w - a[f]) > 10:
            bad.append("%s: OpenMetrics %s, API (before) %s" % (f, w, a[f]))
    return all_ok(bad)


def owd(k):
    t, r = ids[k], tot(k)["received"]
    tw = tot(k)["twamp"]
    bad = []
    for fam in ("forward", "backward"):
        n = "lopad_twamp_%s_delay_seconds" % fam
        c = q.one(n + "_count", task=t)
        sm = q.one(n + "_sum", task=t)
        want = tw["replies"] * tw[fam]["avg"] / 1e9
        if c is None or c != r or c != tw["replies"] or r <= 0:
            bad.append("%s _count %s, received %s, replies %s" % (
                fam, c, r, tw["replies"]))
        if sm is None or abs(sm - want) > 1e-6:
            bad.append("%s _sum %s, replies * avg %s" % (fam, sm, want))
        h = q.one("lopad_twamp_%s_hops" % fam, task=t)
        if h is None or h != tw["hops"][fam]:
            bad.append("%s hops %s, API %s" % (fam, h, tw["hops"][fam]))
    return all_ok(bad)


def v6():
    l = q.S("lopad_probe_sent_total", task=ids["v6"])
    lab = l[0].labels if l else {}
    got = [lab.get(k) for k in ("family", "ip", "dscp")]
    if got != ["6", "2001:db8:9::2", "46"]:
        return "family, ip, dscp: %s" % got
    return counters("v6")


def lossy():
    t, a = ids["ls"], api["ls"]
    bad = []
    up = q.one("lopad_task_up", task=t)
    al = q.one("lopad_alert_active", task=t, metric="loss")
    lost = q.one("lopad_probe_lost_total", task=t)
    if up != 0:
        bad.append("lopad_task_up %s" % up)
    if a["alerts"]["loss"]["state"] != "alerting" or al != 1:
        bad.append("alert_active %s, API state %s" % (
            al, a["alerts"]["loss"]["state"]))
    if lost is None or lost <= 0 or abs(lost - a["total"]["lost"]) > 10:
        bad.append("lost %s, API %s" % (lost, a["total"]["lost"]))
    if q.one("lopad_probe_received_total", task=t) != 0:
        bad.append("received %s" % q.one("lopad_probe_received_total",
                                        task=t))
    return all_ok(bad)


def nohist():
    l = [s.name for s in q.samples if s.labels.get("task") == ids["noh"]
         and s.name.startswith("lopad_probe_rtt_seconds")]
    return True if not l else "rtt series present: %s" % l[:3]


PV = {"receive_bytes": "bytes_in", "transmit_bytes": "bytes_out",
      "receive_packets": "packets_in", "transmit_packets": "packets_out",
      "receive_errors": "errors_in", "transmit_errors": "errors_out",
      "receive_drops": "drops_in", "transmit_drops": "drops_out"}


def passive():
    i = api["pv"]["interfaces"][0]
    bad = [] if i["name"] == iface else ["API interface %s" % i["name"]]
    for m, k in PV.items():
        v = q.one("lopad_interface_%s_total" % m, task=ids["pv"],
                  interface=iface)
        if v is None or v != i["total"][k]:
            bad.append("%s: metric %s, API %s" % (m, v, i["total"][k]))
    if i["total"]["bytes_in"] <= 0:
        bad.append("no bytes in")
    if q.S("lopad_probe_sent_total", task=ids["pv"]):
        bad.append("probe series for a passive task")
    return all_ok(bad)


def variation(k):
    bad = []
    for m, f in (("jitter", "jitter"), ("ipdv", "ipdv")):
        v = q.one("lopad_probe_%s_seconds" % m, task=ids[k])
        if v is None or abs(v * 1e9 - tot(k)[f]) > 1:
            bad.append("%s: metric %s, API %s ns" % (m, v, tot(k)[f]))
    return all_ok(bad)


def escaped():
    bad = []
    for name, qq in (("OpenMetrics", q), ("text", qt)):
        l = qq.S("lopad_probe_sent_total", task=ids["pc"])
        if len(l) != 1:
            bad.append("%s: %d series" % (name, len(l)))
            continue
        lab = l[0].labels
        if lab.get("site") != 'q"b\\s {a=b,c} \u00e9' or lab.get("name") != 'n"a\\m':
            bad.append("%s: site %r name %r" % (name, lab.get("site"),
                                                lab.get("name")))
    return all_ok(bad)


def escaped_raw():
    bad = []
    for name, raw in (("OpenMetrics", raw_om), ("text", raw_tx)):
        for want in ('site="q\\"b\\\\s {a=b,c} \u00e9"', 'name="n\\"a\\\\m"'):
            if want not in raw:
                bad.append("%s: no %s" % (name, want))
    return all_ok(bad)


def fixed_names():
    bad = []
    l = q.S("lopad_probe_sent_total", task=ids["pc"])
    lab = l[0].labels if l else {}
    for k, v in (("type", "ping"), ("label_type", "T"), ("label_le", "L")):
        if lab.get(k) != v:
            bad.append("%s=%r" % (k, lab.get(k)))
    b = q.S("lopad_probe_rtt_seconds_bucket", task=ids["pc"], le="+Inf")
    if len(b) != 1 or b[0].labels.get("label_le") != "L":
        bad.append("no +Inf bucket with le and label_le")
    return all_ok(bad)


ROLES = ("parent", "engine", "sender", "reflector", "netlink", "control")


def procs():
    bad = []
    for r in ROLES:
        m = q.one("lopad_process_resident_memory_bytes", role=r)
        c = q.one("lopad_process_cpu_seconds_total", role=r)
        if m is None or m <= 0:
            bad.append("%s rss %s" % (r, m))
        if c is None or c < 0:
            bad.append("%s cpu %s" % (r, c))
    return all_ok(bad)


def build_info():
    l = q.S("lopad_build_info")
    if len(l) != 1:
        return "%d samples" % len(l)
    lab, bad = l[0].labels, []
    for k, sk in (("version", "version"), ("revision", "revision"),
                  ("node", "node_id")):
        if lab.get(k) != st.get(sk):
            bad.append("%s %r, status %r" % (k, lab.get(k), st.get(sk)))
    if l[0].value != 1:
        bad.append("value %s" % l[0].value)
    return all_ok(bad)


def reload_gauges():
    ts = calendar.timegm(time.strptime(
        st["config"]["last_reload_success"], "%Y-%m-%dT%H:%M:%SZ"))
    got = [q.one("lopad_config_last_reload_successful"),
           q.one("lopad_config_reloads_total"),
           q.one("lopad_config_last_reload_success_timestamp_seconds")]
    return True if got == [1, 0, ts] else "got %s, want %s" % (
        got, [1, 0, ts])


def reflector(listener, sk):
    bad = []
    for res in ("received", "reflected", "dropped"):
        v = q.one("lopad_reflector_packets_total", listener=listener,
                  result=res)
        if v is None or v != st["reflector"][sk][res]:
            bad.append("%s: metric %s, status %s" % (
                res, v, st["reflector"][sk][res]))
    if not st["reflector"][sk]["reflected"] > 0:
        bad.append("nothing reflected")
    if q.one("lopad_reflector_up", listener=listener) != 1:
        bad.append("not up")
    return all_ok(bad)


def netlink():
    v = q.one("lopad_netlink_events_total", type="route", change="add")
    s = st["netlink"]["events_by"]["route"]["add"]
    return True if v is not None and 1 <= v <= s else \
        "metric %s, status (after) %s" % (v, s)


def webhooks():
    r = sorted(s.labels["result"] for s in
               q.S("lopad_webhook_deliveries_total"))
    w = sorted(["delivered", "retried", "failed", "dropped", "refused"])
    return True if r == w else "results %s" % r


def tasks_gauge():
    want = Counter((t["type"], t["status"]) for t in tl)
    got = {(s.labels["type"], s.labels["status"]): s.value
           for s in q.S("lopad_tasks")}
    return True if got == dict(want) else "metric %s, API %s" % (
        got, dict(want))


def task_types():
    ups = q.S("lopad_task_up")
    t = sorted({s.labels["type"] for s in ups})
    n = sorted(s.labels["task"] for s in ups)
    bad = []
    if t != sorted(["ping", "tcp", "udp", "twamp", "stamp", "passive"]):
        bad.append("types %s" % t)
    if n != sorted(t2["id"] for t2 in tl):
        bad.append("tasks %s, API %s" % (n, sorted(t2["id"] for t2 in tl)))
    return all_ok(bad)


def same_series():
    a, b = series(s_om), series(s_tx)
    if not a:
        return "no samples"
    return True if a == b else "only OpenMetrics: %s; only text: %s" % (
        sorted(a - b)[:3], sorted(b - a)[:3])


def budget():
    got = [q.one("lopad_metrics_tasks_omitted"),
           (q.one("lopad_metrics_series") or 0) > 0]
    return True if got == [0, True] else "omitted, series > 0: %s" % got


def uptime():
    v = q.one("lopad_uptime_seconds")
    return True if v is not None and abs(v - st["uptime"] / 1e9) < 5 \
        else "metric %s, status %s" % (v, st["uptime"] / 1e9)


fact("om_parse", lambda: True if e_om is None and s_om else e_om)
fact("txt_parse", lambda: True if e_tx is None and s_tx else e_tx)
fact("same_series", same_series)
fact("task_types", task_types)
for k in ("pc", "cnt", "noh", "tcp", "udp", "tw", "st"):
    fact("counters_" + k, lambda k=k: counters(k))
for k in ("pc", "cnt"):
    fact("hist_" + k, lambda k=k: hist(k))
fact("variation_cnt", lambda: variation("cnt"))
fact("hist_shape", lambda: hist_shape(q.samples))
fact("hist_shape_txt", lambda: hist_shape(qt.samples))
fact("running", running)
fact("owd_tw", lambda: owd("tw"))
fact("owd_st", lambda: owd("st"))
fact("nohist", nohist)
fact("v6", v6)
fact("lossy", lossy)
fact("passive", passive)
fact("up_pr", lambda: True if q.one("lopad_task_up", task=ids["pr"]) == 1
     else "lopad_task_up %s" % q.one("lopad_task_up", task=ids["pr"]))
fact("alert_pr", lambda: True if q.one(
    "lopad_alert_active", task=ids["pr"], metric="loss") in (0, 1) and
    not q.S("lopad_alert_active", task=ids["cnt"]) else "%s" % [
        (s.labels.get("task"), s.labels.get("metric"), s.value)
        for s in q.S("lopad_alert_active")])
fact("escaped", escaped)
fact("escaped_raw", escaped_raw)
fact("fixed_names", fixed_names)
fact("build_info", build_info)
fact("procs", procs)
fact("reload_gauges", reload_gauges)
fact("refl_twamp", lambda: reflector("twamp", "twamp"))
fact("refl_udp", lambda: reflector("udp_echo", "udp_echo"))
fact("netlink", netlink)
fact("webhooks", webhooks)
fact("tasks_gauge", tasks_gauge)
fact("budget", budget)
fact("uptime", uptime)
json.dump(F, open(d + "/facts.json", "w"))
EOF
[ -s "$LOPAD_DIR/facts.out" ] && diag - <"$LOPAD_DIR/facts.out"

fok om_parse "the OpenMetrics form parses (prometheus_client's OpenMetrics parser)"
fok txt_parse "the text form parses (prometheus_client's text parser)"
fok same_series "both forms hold the same series"
fok task_types "lopad_task_up: one series per task of the API, all six types"

# --- 4. values against the API -------------------------------------------

fok counters_pc "stopped continuous ping: sent received lost duplicates late reordered = the API's total"
fok counters_cnt "finished count ping: counters = the API's total"
fok hist_pc "stopped continuous ping: rtt _count = received, _sum = received * avg_rtt (1e-6)"
fok hist_cnt "finished count ping: rtt _count = received, _sum = received * avg_rtt (1e-6)"
fok variation_cnt "finished count ping: jitter and ipdv = the API's (1 ns)"
fok hist_shape "every histogram: le ascending, buckets cumulative, +Inf = _count"
fok hist_shape_txt "... in the text form too"
fok running "running ping: sent and received within 10 probes of the API's (asked between the two scrapes)"
fok counters_tcp "tcp count task: counters = the API's"
fok counters_udp "udp count task (UDP echo reflector): counters = the API's"
fok counters_tw "twamp count task: counters = the API's"
fok counters_st "stamp count task: counters = the API's"
fok owd_tw "twamp: forward and backward delay _count = received, _sum = replies * avg (1e-6), hops = the API's"
fok owd_st "stamp: forward and backward delay _count = received, _sum = replies * avg (1e-6), hops = the API's"
fok v6 "IPv6 ping with dscp 46: family=\"6\", ip, dscp=\"46\"; counters = the API's"
fok counters_noh "histograms:false task: its counters = the API's"
fok nohist "histograms:false task: no lopad_probe_rtt_seconds series"
fok passive "stopped passive task: lopad_interface_*_total of $IF = the API's totals; no probe series"
fok up_pr "lopad_task_up 1 for the running ping"
fok lossy "a ping to nowhere: lopad_task_up 0, lopad_alert_active{metric=\"loss\"} 1 (API: alerting), lost = the API's (10), received 0"
fok alert_pr "lopad_alert_active{metric=\"loss\"} for the task with a loss threshold, none without"
fok tasks_gauge "lopad_tasks by type and status = GET /api/v1/tasks"

# --- 5. escaping ---------------------------------------------------------

fok escaped "label values with a quote, a backslash, {=,} and UTF-8 read back equal (both forms)"
fok escaped_raw 'the raw text holds them escaped as \" and \\ (both forms)'
fok fixed_names "labels named type and le are exported as label_type and label_le; type and le stay"

# --- 6. the daemon's families ---------------------------------------------

fok build_info "lopad_build_info: version, revision, node = GET /api/v1/status's; value 1"
fok procs "lopad_process_resident_memory_bytes > 0 and cpu_seconds_total for parent engine sender reflector netlink control"
fok reload_gauges "lopad_config_last_reload_successful 1, reloads 0, success timestamp = the status's"
fok refl_twamp "lopad_reflector_packets_total{listener=\"twamp\"} = the status's, reflected > 0; up"
fok refl_udp "lopad_reflector_packets_total{listener=\"udp_echo\"} = the status's, reflected > 0; up"
fok netlink "lopad_netlink_events_total{type=\"route\",change=\"add\"} >= 1"
fok webhooks "lopad_webhook_deliveries_total by result (delivered retried failed dropped refused)"
fok budget "lopad_metrics_tasks_omitted 0, lopad_metrics_series > 0"
fok uptime "lopad_uptime_seconds = the status's uptime (5 s)"
NT0=$(json_get "$LOPAD_DIR/tasks.json" 'len(j)')
TS0=$(mq om "$M.om" 'q.one("lopad_config_last_reload_success_timestamp_seconds")')

# --- 8. access --------------------------------------------------------------

is "$(api ro GET /metrics)" 200 "GET /metrics on the read-only socket: 200"
like "$(head -c 100000 "$API_BODY")" '^# HELP lopad_build_info' \
    "... the exposition"
is "$(api tcp GET /metrics)" 200 "GET /metrics on the TCP listener ($LOPAD_HTTP_ADDR): 200"
is "$(api rw POST /metrics)" 405 "POST /metrics: 405"

# Four scrapes at once: each answered whole.
PIDS=()
for i in 1 2 3 4; do
	curl -s --max-time 5 --unix-socket "$LOPAD_SOCK" -o "$M-par$i.om" \
	    -H 'Accept: application/openmetrics-text' -w '%{http_code}' \
	    http://lopad/metrics >"$M-par$i.code" 2>/dev/null &
	PIDS+=($!)
done
for p in "${PIDS[@]}"; do
	wait "$p"
done
is "$(cat "$M-par1.code" "$M-par2.code" "$M-par3.code" "$M-par4.code")" \
    200200200200 "four concurrent scrapes: 200 each"
PARSED=
for i in 1 2 3 4; do
	PARSED="$PARSED$(mq om "$M-par$i.om" 'err or len(q.S("lopad_task_up"))') "
done
is "$PARSED" "$NT0 $NT0 $NT0 $NT0 " "... each parses, with every task"

# --- 9. a label named label_type next to one named type -------------------

task_create ping '{"target":"127.0.0.1","count":2,"interval":"10ms",
    "labels":{"type":"a","label_type":"b"}}'
is "$API_CODE" 201 "a task with labels type and label_type created"
K=$TASK_ID
task_wait "$K" 5000
scrape "$M-dup.txt"
scrape "$M-dup.om" -H 'Accept: application/openmetrics-text'
grep -m 1 "^lopad_probe_sent_total{task=\"$K\"" "$M-dup.txt" | diag -
# Both would become label_type="..." in one series (a duplicate label
# name, which makes promtool and prometheus_client refuse the whole
# scrape): the first by name stays, label_type="b".
promcheck "labels type and label_type: promtool passes (no duplicate label_type)" \
    "$M-dup.txt"
is "$(mq om "$M-dup.om" 'err or len(q.S("lopad_task_up", task=sys.argv[4]))' "$K")" \
    1 "... and the OpenMetrics form parses"
api rw DELETE "/api/v1/tasks/$K" >/dev/null
is "$API_CODE" 204 "that task deleted"

# --- 6. a failing reload ----------------------------------------------------

cp "$LOPAD_CONF" "$LOPAD_DIR/good.conf"
echo "bogus_key: 1" >>"$LOPAD_CONF"
is "$(api rw POST /api/v1/reload)" 422 "POST /api/v1/reload with a broken file: 422"
scrape "$M-bad.om" -H 'Accept: application/openmetrics-text'
is "$(mq om "$M-bad.om" '[q.one("lopad_config_last_reload_successful"),
    q.one("lopad_config_reloads_total")]')" "[0, 1]" \
    "after it: lopad_config_last_reload_successful 0, reloads 1"
is "$(mq om "$M-bad.om" 'q.one("lopad_config_last_reload_success_timestamp_seconds")')" \
    "$TS0" "... the success timestamp unchanged ($TS0)"
is "$(mq om "$M-bad.om" 'err or len([s for s in samples
    if s.labels.get("task") == sys.argv[4]])' "$K")" 0 \
    "the deleted task has no series any more"

# --- 7. configuration, through reloads --------------------------------------

reload_with "metrics:
  histograms: false"
R1=$?
scrape "$M-nohist.txt"
result "$R1" "reload with metrics.histograms: false"
is "$(grep -c '_bucket{' "$M-nohist.txt")" 0 "... no _bucket line at all"
is "$(mq text "$M-nohist.txt" '[err, q.one("lopad_config_last_reload_successful"),
    len(q.S("lopad_probe_sent_total")) > 0]')" '[null, 1.0, true]' \
    "... it parses, the reload succeeded, the counters are there"

reload_with "metrics:
  buckets: 3
  bucket_start: 1ms
  bucket_factor: 10"
R1=$?
sleep 0.3
scrape "$M-b3.om" -H 'Accept: application/openmetrics-text'
result "$R1" "reload with metrics.buckets 3, bucket_start 1ms, bucket_factor 10"
is "$(mq om "$M-b3.om" 'err or sorted({s.labels["le"] for s in q.samples
    if s.name.endswith("_bucket")}, key=float)')" \
    '["0.001", "0.01", "0.1", "+Inf"]' '... le is 0.001 0.01 0.1 +Inf, nothing else'
is "$(mq om "$M-b3.om" 'err or [s.labels["le"] for s in
    q.S("lopad_probe_rtt_seconds_bucket", task=sys.argv[4])]' "${ID[pr]}")" \
    '["0.001", "0.01", "0.1", "+Inf"]' '... the running ping: 4 buckets, in order'
is "$(mq om "$M-b3.om" 'err or hist_shape(q.samples)')" true \
    "... every histogram well formed (the histograms started anew)"
scrape "$M-b3.txt"
promcheck "... promtool passes on the text form" "$M-b3.txt"

reload_with "metrics:
  task_labels: false"
R1=$?
scrape "$M-nolab.om" -H 'Accept: application/openmetrics-text'
result "$R1" "reload with metrics.task_labels: false"
is "$(mq om "$M-nolab.om" 'err or [sorted({k for s in q.samples
    if s.labels.get("task") == sys.argv[4] for k in s.labels} -
    {"task", "name", "type", "target", "ip", "family", "dscp", "le"}),
    q.one("lopad_probe_sent_total", task=sys.argv[4]) is not None]' \
    "${ID[pc]}")" '[[], true]' \
    "... the labeled task's series have fixed labels only"
is "$(grep -cE 'site=|label_type=|label_le=' "$M-nolab.om")" 0 \
    "... no custom label anywhere"

reload_with "metrics:
  max_series: 40"
R1=$?
scrape "$M-max.txt"
result "$R1" "reload with metrics.max_series: 40"
NT=$(json_get "$LOPAD_DIR/tasks.json" 'len(j)')
is "$(mq text "$M-max.txt" 'err or [q.one("lopad_metrics_tasks_omitted") > 0,
    q.one("lopad_metrics_series") <= 40,
    len(q.tasks()) + q.one("lopad_metrics_tasks_omitted") == int(sys.argv[4])]' \
    "$NT")" '[true, true, true]' \
    "... lopad_metrics_tasks_omitted > 0, series <= 40, rendered + omitted = the $NT tasks"
diag "max_series 40: $(mq text "$M-max.txt" '[q.one("lopad_metrics_series"),
    q.one("lopad_metrics_tasks_omitted"), q.tasks()]')"
promcheck "... promtool passes on it" "$M-max.txt"
log_like 'GET /metrics: [0-9]+ of [0-9]+ tasks left out' \
    "... and the log says how many were left out"

# --- 10. an engine that does not answer -------------------------------------
# Stopped: after control's 15 s the scrape is the daemon's families and
# no task's; the engine back, the tasks are back.
ENG=$(lopad_role_pid engine)
kill -STOP "$ENG"
t0=$(date +%s)
scrape "$M-stop.txt" --max-time 30
dt=$(( $(date +%s) - t0 ))
kill -CONT "$ENG"
is "$API_CODE:$(grep -c '^lopad_build_info' "$M-stop.txt"):$(grep -c '^lopad_probe_sent_total' "$M-stop.txt")" \
    "200:1:0" "engine stopped: 200, the daemon's families, no task series"
# The whole answer, ended, soon after control's 15 s (it hung until the
# client gave up when the tasks' part was empty).
cmp_le "$dt" 25 "... the answer complete after ${dt} s (15 s and a little)"
promcheck "... promtool passes on it" "$M-stop.txt"
log_like 'the engine process did not answer request' "... and the log says why"
scrape "$M-cont.txt"
cmp_le 1 "$(grep -c '^lopad_task_up' "$M-cont.txt")" "engine back: the tasks' series are back"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0 on SIGTERM"

# --- 5. a newline: the host name of a UTS namespace ------------------------

# The node (the host name) is a label value of every series: one with a
# quote, a backslash and a newline (task label values may not hold control
# characters; the kernel takes any octets for a host name).
NODE='n"o\d
e'
# With it, 100 more tasks (twamp, whose rows are the largest): the
# engine's rows span several messages.
MANY=$(for i in $(seq 1 100); do
	echo "  - {name: t$i, type: twamp, target: \"127.0.0.1:$LOPAD_TWAMP_PORT\", count: 2, interval: 10ms}"
done)
lopad_config "$LOPAD_CONF" "state_file: $LOPAD_DIR/state-nl.yaml
tasks:
  - {name: nl, type: ping, target: 127.0.0.1, count: 3, interval: 10ms,
     labels: {site: \"a\\\"b\\\\c\"}}
$MANY"
: >"$LOPAD_LOG"
ip netns exec "$NS" unshare --uts "$PY" -c '
import os, socket, sys
socket.sethostname(sys.argv[1].encode())
os.execv(sys.argv[2], sys.argv[2:])' "$NODE" "$LOPAD" -d -v -f "$LOPAD_CONF" \
    </dev/null >>"$LOPAD_LOG" 2>&1 &
LOPAD_PID=$!
LOPAD_NS=$NS
LOPAD_EXIT=
LOPAD_PIDS+=("$LOPAD_PID")
# nl_id: the id of the declared task once it finished.
nl_id() {
	api ro GET /api/v1/tasks >/dev/null &&
	    json_get "$API_BODY" '[t["id"] for t in j if t["params"].get("name")
	    == "nl" and t["status"] == "finished"][0]' 2>/dev/null
}
if lopad_wait_ready; then
	wait_until 5000 50 nl_id ||
	    diag "the declared task did not finish: $(head -c 1500 "$API_BODY")"
	NL=$(nl_id)
	diag "the declared task: $(printf '%q' "$NL")"
	scrape "$M-nl.txt"
	scrape "$M-nl.om" -H 'Accept: application/openmetrics-text'
	is "$(mq om "$M-nl.om" 'err or [q.one("lopad_build_info",
	    node=sys.argv[4]), q.one("lopad_probe_received_total",
	    task=sys.argv[5], site="a\"b\\c")]' "$NODE" "$NL")" '[1, 3]' \
	    "node and task label values with a newline read back equal (OpenMetrics)"
	is "$(mq text "$M-nl.txt" 'err or [q.one("lopad_build_info",
	    node=sys.argv[4]), q.one("lopad_probe_received_total",
	    task=sys.argv[5], site="a\"b\\c")]' "$NODE" "$NL")" '[1.0, 3.0]' \
	    "... and in the text form"
	grep -q '^lopad_build_info{.*node="n\\"o\\\\d\\ne"} 1$' "$M-nl.txt" &&
	    grep -q '^lopad_probe_sent_total{task="n\\"o\\\\d\\ne-[0-9]*".*,site="a\\"b\\\\c"} 3$' \
	    "$M-nl.txt"
	result $? 'the raw text holds node="n\"o\\d\ne" and task="n\"o\\d\ne-N"'
	promcheck "promtool passes on it" "$M-nl.txt"
	is "$(mq text "$M-nl.txt" 'err or [len(q.S("lopad_task_up")),
	    len(q.S("lopad_twamp_forward_delay_seconds_count")),
	    q.one("lopad_metrics_tasks_omitted")]')" '[101, 100, 0.0]' \
	    "101 tasks (rows in several engine messages): a lopad_task_up each, 100 twamp histograms"
else
	for i in 1 2 3 4 5; do
		not_ok "lopad with the odd host name did not start"
	done
fi
lopad_stop

done_testing
