#!/bin/bash
#
# lopactl metrics (TAP): GET /metrics, the Prometheus exposition, printed
# as the daemon sent it, in OpenMetrics with --openmetrics, or only the
# families whose names contain a PATTERN.  Covered:
#  - usage errors, before any request (the socket given does not exist,
#    so a request would exit 3): an unknown option, --openmetrics twice,
#    -j (refused: the exposition is text), too many patterns: exit 2,
#    nothing on stdout; -h lists the command;
#  - a fake API (regress/lib/fakeapi.py): the request is GET /metrics
#    (no /api/v1) with the Accept header of each format and the token;
#    each class of error answer: its detail on stderr, nothing on
#    stdout, exit 2 (4xx) or 3 (401, 403, 5xx, a 200 that is no
#    exposition);
#  - a real lopad in a network namespace of the test's own, running a
#    continuous ping task to 127.0.0.1 (the namespace's loopback):
#    * plain: what curl gets on the same socket, but the values (the
#      metadata lines whole, every series' name and labels, in order);
#      no "# EOF";
#    * --openmetrics: the same against curl with OpenMetrics' Accept;
#      it ends with "# EOF", once; the info family is typed "info";
#    * patterns: lopad_build keeps lopad_build_info alone, as curl's
#      lines; lopad_probe_rtt keeps the histogram whole (HELP, TYPE, the
#      buckets up to +Inf, _sum, _count; OpenMetrics: UNIT and # EOF);
#      an OpenMetrics counter and info family keep their _total and
#      _info samples; several patterns; substrings anywhere in the
#      name, each against curl's family list; every sample kept comes
#      after its family's TYPE; a pattern that only a sample's name
#      holds (_bucket; sent_total in OpenMetrics) keeps nothing; no
#      match: nothing, a message, exit 0;
#    * the read-only socket and TCP (-H); a path prefix the daemon does
#      not know: 404, its detail, exit 2;
#  - the daemon stopped (its socket gone), or a TCP port where nothing
#    listens: exit 3, the socket or URL named.
# Every wait is bounded.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 86

need_root
lopad_init
command -v python3 >/dev/null || bail "python3 not found"

C=$LOPAD_DIR/client
OUT=$C/out
ERR=$C/err
NOSOCK=$C/nosock
OM_ACCEPT='application/openmetrics-text; version=1.0.0'

# ctl ARGS...: lopactl on the test daemon's socket, bounded; sets rc,
# out and err.
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

# fails WANT_RC ERE DESC ARGS...: lopactl ARGS exits WANT_RC, prints
# nothing on stdout and a message matching ERE on stderr.
fails() {
	local want=$1 ere=$2 desc=$3

	shift 3
	timeout -k 2 20 "$LOPACTL" "$@" >"$OUT" 2>"$ERR"
	rc=$?
	out=$(cat "$OUT")
	err=$(cat "$ERR")
	if [ "$rc" -eq "$want" ] && [ -z "$out" ] &&
	    printf '%s\n' "$err" | grep -Eq -- "$ere"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "lopactl $*: exit $rc, want $want"
		diag "stdout: $(head -c 1500 "$OUT")"
		diag "stderr: $err (want '$ere')"
	fi
}

# families FILE: the names of the families of an exposition, in order,
# from their TYPE lines.
families() {
	sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$1" | paste -sd' ' -
}

# skeleton FILE: the exposition without its values: comments whole, each
# sample's name and labels.
skeleton() {
	sed -E '/^#/!{ /\}/s/^(.*\}).*/\1/; /\}/!s/ .*//; }' "$1"
}

# same_skeleton DESC GOT WANT: the two expositions differ in their values
# at most.
same_skeleton() {
	skeleton "$2" >"$C/got.skel"
	skeleton "$3" >"$C/want.skel"
	if [ -s "$C/want.skel" ] && cmp -s "$C/got.skel" "$C/want.skel"; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	diag "differs (< curl, > lopactl):"
	diff "$C/want.skel" "$C/got.skel" | head -n 40 | diag -
	return 1
}

# orphans FILE: the sample lines that do not follow a TYPE line of their
# family (NAME, NAME_total, NAME_bucket, ...); none: exit 0.
orphans() {
	python3 - "$1" <<'EOF'
import re, sys
suffixes = ("", "_total", "_bucket", "_sum", "_count", "_info", "_created")
fam, bad = None, 0
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        fam = line.split()[2]
    if line.startswith("#") or line == "":
        continue
    name = re.split(r"[{ ]", line, 1)[0]
    if fam is None or not any(name == fam + s for s in suffixes):
        print("# orphan: %s" % line)
        bad = 1
sys.exit(bad)
EOF
}

# value NAME FILE: the value of the series NAME{...} (the first).
value() {
	awk -v n="$1" 'index($0, n "{") == 1 || index($0, n " ") == 1 {
	    print $NF; exit }' "$2"
}

# === usage errors ============================================================

fails 2 'unknown argument "-x" after "metrics"; valid: --openmetrics, PATTERN' \
    "metrics -x: an unknown option" -s "$NOSOCK" metrics -x
fails 2 'unknown argument "--open" after "lopad_build"' \
    "metrics PATTERN --open: an unknown option after a pattern" \
    -s "$NOSOCK" metrics lopad_build --open
fails 2 '--openmetrics given twice' "metrics --openmetrics twice" \
    -s "$NOSOCK" metrics --openmetrics --openmetrics
fails 2 '^lopactl: -j does not apply to metrics: the exposition is text' \
    "-j metrics: refused, the exposition is text" -s "$NOSOCK" -j metrics
fails 2 '^lopactl: -j does not apply to metrics' \
    "-j metrics --openmetrics PATTERN: refused too" \
    -s "$NOSOCK" -j metrics --openmetrics lopad_build
fails 2 'PATTERN given more than 16 times' "metrics: 16 patterns at most" \
    -s "$NOSOCK" metrics p1 p2 p3 p4 p5 p6 p7 p8 p9 p10 p11 p12 p13 p14 \
    p15 p16 p17
fails 2 "invalid option -- 'Z'" "an unknown global option exits 2" \
    -Z -s "$NOSOCK" metrics
timeout -k 2 10 "$LOPACTL" -h >"$OUT" 2>&1
like "$(cat "$OUT")" $'^\tmetrics \\[--openmetrics\\] \\[PATTERN \\.\\.\\.\\]$' \
    "-h lists metrics [--openmetrics] [PATTERN ...]"
fails 3 "^lopactl: $NOSOCK: Couldn't connect to server" \
    "no daemon on the socket: exit 3, the socket named" -s "$NOSOCK" metrics

# === a fake API: the request, the error answers =============================

FAKESOCK=$C/fake.sock
python3 "$LOPA_ROOT/regress/lib/fakeapi.py" --unix "$FAKESOCK" \
    --mode-file "$C/mode" --log "$C/fakelog" >"$C/fake.out" 2>&1 &
FAKE_PID=$!
cleanup_push "kill $FAKE_PID"
wait_until 10000 50 test -S "$FAKESOCK" || {
	diag_file "$C/fake.out"
	bail "fake API did not listen on $FAKESOCK"
}

# fake_log_is DESC KEY WANT: the last request's KEY, as JSON, is WANT.
fake_log_is() {
	is "$(tail -n 1 "$C/fakelog" | python3 -c \
	    'import json, sys; print(json.dumps(json.load(sys.stdin)[sys.argv[1]]))' \
	    "$2")" "$3" "$1"
}

echo ok >"$C/mode"
: >"$C/fakelog"
fails 2 '^lopactl: no route GET /metrics$' \
    "fake: a 404 shows its detail, exit 2" -s "$FAKESOCK" metrics
fake_log_is "fake: GET /metrics, no /api/v1" path '"/metrics"'
fake_log_is "fake: the text format asked for" accept \
    '"text/plain; version=0.0.4"'
timeout -k 2 20 env LOPA_TOKEN=s3cret "$LOPACTL" -s "$FAKESOCK" metrics \
    --openmetrics >/dev/null 2>&1
fake_log_is "fake: --openmetrics asks for OpenMetrics 1.0.0" accept \
    "\"$OM_ACCEPT\""
fake_log_is "fake: the token is sent" authorization '"Bearer s3cret"'

for c in 400:2 401:3 403:3 500:3 503:3; do
	echo "${c%:*}" >"$C/mode"
	fails "${c#*:}" "^lopactl: fake error ${c%:*}( |\$)" \
	    "fake: HTTP ${c%:*} exits ${c#*:} with the problem's detail" \
	    -s "$FAKESOCK" metrics lopad_build
done
echo 401 >"$C/mode"
fails 3 'hint: .* wants a bearer token' "fake: a 401 adds the hint" \
    -s "$FAKESOCK" metrics
echo text500 >"$C/mode"
fails 3 '^lopactl: HTTP 500: internal error$' \
    "fake: a 500 that is no problem: its status and first line, exit 3" \
    -s "$FAKESOCK" metrics
echo badjson >"$C/mode"
fails 3 '^lopactl: .*: GET /metrics: answer is not an exposition \(Content-Type application/json\)$' \
    "fake: a 200 that is no exposition exits 3" -s "$FAKESOCK" metrics

kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null

# === the real daemon ===========================================================

netns_new NS
lopad_start "$NS" || give_up "lopad did not start"

code=$(api rw GET /metrics)
[ "$code" = 200 ] || give_up "GET /metrics answers $code, not 200"

# No task yet: the answer is whole and ends at once (with no task it
# once never ended: the client waited until its own timeout).
t0=$(date +%s%N)
curl -sS --max-time 10 --unix-socket "$LOPAD_SOCK" -o "$LOPAD_DIR/empty.txt" \
    http://lopad/metrics
rc=$? dt=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$rc:$(grep -c '^lopad_build_info' "$LOPAD_DIR/empty.txt")" 0:1 \
    "no task: curl gets the whole exposition (exit 0) in ${dt} ms"
cmp_le "$dt" 3000 "... at once"

ctl ping 127.0.0.1 --continuous -i 100ms -n metrics-t
expect_rc 0 "a continuous ping task to 127.0.0.1"
ID=$out

# three replies in the histogram
has_rtts() {
	api rw GET /metrics >/dev/null &&
	    [ "$(value lopad_probe_rtt_seconds_count "$API_BODY")" -ge 3 ] 2>/dev/null
}
wait_until 10000 100 has_rtts || diag "no 3 replies in 10 s"

# --- plain: as curl gets it, but the values ---
ctl metrics
expect_rc 0 "metrics: exit 0"
is "$err" "" "metrics: nothing on stderr"
cp "$OUT" "$C/plain"
api rw GET /metrics >/dev/null
cp "$API_BODY" "$C/curl-plain"
same_skeleton "metrics: curl's exposition on the same socket, but the values" \
    "$C/plain" "$C/curl-plain"
is "$(families "$C/plain")" "$(families "$C/curl-plain")" \
    "metrics: curl's families, in its order"
is "$(grep -c '^# HELP ' "$C/plain")" "$(grep -c '^# TYPE ' "$C/plain")" \
    "metrics: a HELP line for each TYPE line"
is "$(tail -c 1 "$C/plain" | od -An -c | tr -d ' ')" '\n' \
    "metrics: ends with the daemon's newline"
unlike "$(cat "$C/plain")" '^# (EOF|UNIT)' \
    "metrics: the text format: neither # EOF nor # UNIT"
like "$(cat "$C/plain")" "^lopad_task_up\\{task=\"$ID\",name=\"metrics-t\",.*\\} 1\$" \
    "metrics: the task is up, with its id and name"
for f in lopad_build_info lopad_probe_sent_total lopad_probe_rtt_seconds \
    lopad_task_up; do
	like "$(families "$C/plain")" "(^| )$f( |\$)" "metrics: family $f"
done

# --- OpenMetrics ---
ctl metrics --openmetrics
expect_rc 0 "metrics --openmetrics: exit 0"
cp "$OUT" "$C/om"
api rw GET /metrics -H "Accept: $OM_ACCEPT" >/dev/null
cp "$API_BODY" "$C/curl-om"
same_skeleton "metrics --openmetrics: curl's OpenMetrics, but the values" \
    "$C/om" "$C/curl-om"
is "$(tail -n 1 "$C/om")" "# EOF" "metrics --openmetrics: ends with # EOF"
is "$(grep -c '^# EOF$' "$C/om")" 1 "metrics --openmetrics: one # EOF"
like "$(cat "$C/om")" '^# TYPE lopad_build info$' \
    "metrics --openmetrics: OpenMetrics' info type"

# --- patterns ---
ctl metrics lopad_build
expect_rc 0 "metrics lopad_build: exit 0"
is "$(families "$OUT")" "lopad_build_info" \
    "metrics lopad_build: lopad_build_info alone"
is "$out" "$(grep -E '^(# [A-Z]+ )?lopad_build_info[ {]' "$C/curl-plain")" \
    "metrics lopad_build: curl's lines of lopad_build_info"
is "$(printf '%s\n' "$out" | wc -l)" 3 "metrics lopad_build: HELP, TYPE, one sample"

ctl metrics lopad_probe_rtt
expect_rc 0 "metrics lopad_probe_rtt: exit 0"
cp "$OUT" "$C/rtt"
is "$(families "$C/rtt")" "lopad_probe_rtt_seconds" \
    "metrics lopad_probe_rtt: the histogram lopad_probe_rtt_seconds alone"
is "$(sed -n 1p "$C/rtt" | cut -d' ' -f1-3) | $(sed -n 2p "$C/rtt")" \
    "# HELP lopad_probe_rtt_seconds | # TYPE lopad_probe_rtt_seconds histogram" \
    "metrics lopad_probe_rtt: HELP, then TYPE histogram"
nb=$(grep -c '^lopad_probe_rtt_seconds_bucket{' "$C/curl-plain")
is "$(sed -E '1,2d; s/\{.*//' "$C/rtt" | uniq -c | awk '{ print $2 "x" $1 }' |
    paste -sd' ' -)" \
    "lopad_probe_rtt_seconds_bucketx$nb lopad_probe_rtt_seconds_sumx1 lopad_probe_rtt_seconds_countx1" \
    "metrics lopad_probe_rtt: curl's $nb buckets, then _sum and _count"
like "$(grep _bucket "$C/rtt" | tail -n 1)" 'le="\+Inf"\} [0-9]+$' \
    "metrics lopad_probe_rtt: the last bucket is +Inf"
inf=$(grep 'le="+Inf"' "$C/rtt" | awk '{ print $NF }')
cnt=$(value lopad_probe_rtt_seconds_count "$C/rtt")
if [ -n "$cnt" ] && [ "$inf" = "$cnt" ] && [ "$cnt" -ge 3 ]; then
	ok "metrics lopad_probe_rtt: +Inf bucket = _count >= 3 ($cnt)"
else
	not_ok "metrics lopad_probe_rtt: +Inf bucket = _count >= 3"
	diag "+Inf $inf, _count $cnt"
fi
like "$(sed -n 3p "$C/rtt")" "^lopad_probe_rtt_seconds_bucket\\{task=\"$ID\",.*le=\"0\\.00005\"\\}" \
    "metrics lopad_probe_rtt: the task's series"

ctl metrics --openmetrics lopad_probe_rtt
cp "$OUT" "$C/rtt-om"
is "$(families "$C/rtt-om")" "lopad_probe_rtt_seconds" \
    "metrics --openmetrics lopad_probe_rtt: the histogram alone"
like "$out" '^# UNIT lopad_probe_rtt_seconds seconds$' \
    "metrics --openmetrics lopad_probe_rtt: its UNIT line"
is "$(tail -n 1 "$C/rtt-om")" "# EOF" \
    "metrics --openmetrics lopad_probe_rtt: # EOF kept"
is "$(grep -c _bucket "$C/rtt-om") $(grep -c _sum "$C/rtt-om") $(grep -c _count "$C/rtt-om")" \
    "$(grep -c _bucket "$C/rtt") 1 1" \
    "metrics --openmetrics lopad_probe_rtt: the buckets, _sum and _count"

ctl metrics --openmetrics lopad_build
is "$out" "$(grep -E '^# [A-Z]+ lopad_build |^lopad_build_info\{' "$C/curl-om")
# EOF" "metrics --openmetrics lopad_build: the info family (its _info sample), # EOF"
ctl metrics --openmetrics lopad_probe_sent
like "$(families "$OUT"):$(sed -n 3p "$OUT")" \
    "^lopad_probe_sent:lopad_probe_sent_total\\{task=\"$ID\"" \
    "metrics --openmetrics lopad_probe_sent: the counter with its _total sample"

ctl metrics lopad_task_up lopad_build
expect_rc 0 "metrics with two patterns: exit 0"
is "$(families "$OUT")" "lopad_build_info lopad_task_up" \
    "metrics lopad_task_up lopad_build: both, in the exposition's order"

# Substrings anywhere in the name, against curl's families.
for p in _up reflector rtt_sec _total; do
	ctl metrics "$p"
	is "$(families "$OUT")" \
	    "$(families "$C/curl-plain" | tr ' ' '\n' | grep -F -- "$p" | paste -sd' ' -)" \
	    "metrics $p: the families whose names contain it"
	if orphans "$OUT" >"$C/orphans"; then
		ok "metrics $p: every sample after its family's TYPE"
	else
		not_ok "metrics $p: every sample after its family's TYPE"
		diag - <"$C/orphans"
	fi
done
ctl metrics --openmetrics seconds
if orphans "$OUT" >"$C/orphans" && [ "$(tail -n 1 "$OUT")" = "# EOF" ]; then
	ok "metrics --openmetrics seconds: samples with their families, # EOF"
else
	not_ok "metrics --openmetrics seconds: samples with their families, # EOF"
	diag - <"$C/orphans"
fi

# The family's name, not its samples': no family is named *_bucket, and
# OpenMetrics names a counter's family without _total.
ctl metrics _bucket
is "$rc|$out|$err" '0||lopactl: no metric family name contains "_bucket"' \
    "metrics _bucket: no family (only samples are named so), exit 0"
ctl metrics --openmetrics sent_total
is "$rc|$out" '0|# EOF' \
    "metrics --openmetrics sent_total: no family (OpenMetrics' is lopad_probe_sent)"

ctl metrics nosuch
expect_rc 0 "metrics nosuch: exit 0"
is "$out" "" "metrics nosuch: nothing on stdout"
is "$err" 'lopactl: no metric family name contains "nosuch"' \
    "metrics nosuch: says so on stderr"
ctl metrics --openmetrics nosuch other
is "$out|$err" '# EOF|lopactl: no metric family name contains "nosuch" or "other"' \
    "metrics --openmetrics nosuch other: # EOF alone, a message"

# --- other ways in ---
timeout -k 2 20 "$LOPACTL" -s "$LOPAD_RSOCK" metrics lopad_build >"$OUT" 2>"$ERR"
rc=$?
expect_rc 0 "metrics on the read-only socket: exit 0"
is "$(families "$OUT")" lopad_build_info "metrics on the read-only socket"
ip netns exec "$NS" timeout -k 2 20 "$LOPACTL" -H "$LOPAD_HTTP_ADDR" metrics \
    --openmetrics lopad_task_up >"$OUT" 2>"$ERR"
rc=$?
expect_rc 0 "metrics over TCP (-H): exit 0"
is "$(families "$OUT") $(tail -n 1 "$OUT")" "lopad_task_up # EOF" \
    "metrics --openmetrics over TCP: the family, # EOF"
ip netns exec "$NS" timeout -k 2 20 "$LOPACTL" -H "http://$LOPAD_HTTP_ADDR/nosuch" \
    metrics >"$OUT" 2>"$ERR"
rc=$?
expect_rc 2 "metrics under a path prefix the daemon lacks: 404, exit 2"
if [ ! -s "$OUT" ] && grep -Eq '^lopactl: .+' "$ERR"; then
	ok "metrics 404: the detail on stderr, nothing on stdout"
else
	not_ok "metrics 404: the detail on stderr, nothing on stdout"
	diag "stderr: $(cat "$ERR")"
fi

ctl task stop "$ID"
expect_rc 0 "the task stopped"

# === the daemon gone ========================================================

lopad_stop
is "$LOPAD_EXIT" 0 "lopad stopped cleanly"
fails 3 "^lopactl: $LOPAD_SOCK: Couldn't connect to server" \
    "metrics, lopad stopped: exit 3, the socket named" -s "$LOPAD_SOCK" \
    metrics
lopad_port FREE || bail "no free port"
fails 3 "^lopactl: http://127\\.0\\.0\\.1:$FREE: Couldn't connect to server" \
    "metrics, nothing on the TCP port: exit 3, the URL named" \
    -H "127.0.0.1:$FREE" metrics --openmetrics

done_testing
