#!/bin/bash
#
# GET /api/v1/status over the read-write socket, the read-only socket and
# TCP, through lopactl (table and -j) and curl; the processes it lists are
# the real ones.  Then the problem+json errors (404, 405, 415, 400, 413,
# oversized headers), after which the daemon still answers (TAP).

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

roles="engine sender reflector netlink control"

plan 44

if lopad_start; then
	ok "lopad starts"
else
	not_ok "lopad starts"
	give_up "lopad did not start"
fi

# The real processes, "role=pid" sorted by role.
want=$( {
	echo "parent=$LOPAD_PID"
	for r in $roles; do
		echo "$r=$(lopad_role_pid "$r")"
	done
} | sort | tr '\n' ' ' | sed 's/ $//')
diag "processes: $want"

procs_of() {
	json_get "$1" '" ".join(sorted("%s=%s" % (p["role"], p["pid"])
	    for p in j["processes"]))'
}

# Table: every role on a line with its pid.
table_ok() {
	local out=$1 kv role pid

	for kv in $want; do
		role=${kv%=*}
		pid=${kv#*=}
		printf '%s\n' "$out" | grep -w -- "$role" | grep -qw -- "$pid" ||
		    return 1
	done
	return 0
}

# lopactl on each transport: table, then -j.
for t in "-s $LOPAD_SOCK" "-s $LOPAD_RSOCK" "-H $LOPAD_URL"; do
	# shellcheck disable=SC2086
	out=$(lopactl_run $t status 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && table_ok "$out"; then
		ok "lopactl $t status: every process with its pid"
	else
		not_ok "lopactl $t status: every process with its pid (exit $rc)"
		printf '%s\n' "$out" | head -n 20 | diag -
	fi
	# shellcheck disable=SC2086
	lopactl_run $t -j status >"$LOPAD_DIR/ctl.json" 2>"$LOPAD_DIR/ctl.err"
	rc=$?
	got=$(procs_of "$LOPAD_DIR/ctl.json" 2>&1)
	is "$rc: $got" "0: $want" "lopactl $t -j status: JSON with the real pids"
done

# curl on each transport.
for t in rw ro tcp; do
	code=$(api "$t" GET /api/v1/status)
	ct=$(api_header Content-Type)
	like "$code $ct" '^200 application/json' \
	    "$t: GET /api/v1/status is 200 application/json"
	is "$(procs_of "$API_BODY" 2>&1)" "$want" "$t: the processes are the real ones"
	case $t in
	rw)	acc=read-write ;;
	*)	acc=read-only ;;
	esac
	is "$(json_get "$API_BODY" 'j["access"]' 2>&1)" "$acc" "$t: access is $acc"
	cp "$API_BODY" "$LOPAD_DIR/status.$t.json"
done

s=$LOPAD_DIR/status.rw.json
is "$(json_get "$s" 'j["version"]')" 0.1.0 "version is 0.1.0"
is "$(json_get "$s" 'j["node_id"]')" "$(hostname)" "node_id is the host name"
like "$(json_get "$s" 'j["revision"]')" '^[0-9a-z]+$' "revision is set"
like "$(json_get "$s" 'j["started"]')" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$' \
    "started is an RFC 3339 UTC time"
is "$(json_get "$s" 'type(j["uptime"]) is int and j["uptime"] > 0')" true \
    "uptime is a positive integer (ns)"
ckids=$(json_get "$s" '" ".join(sorted("%s|%s|%s|%s" % (p["role"],
    p["title"], p["state"], p["sandboxed"]) for p in j["processes"]
    if p["role"] != "parent"))' 2>&1)
kwant=
for r in control engine netlink reflector sender; do
	kwant="$kwant${kwant:+ }$r|lopad: $r|running|True"
done
is "$ckids" "$kwant" "children: title 'lopad: ROLE', running, sandboxed"
is "$(json_get "$s" '[(p["state"], p["sandboxed"]) for p in j["processes"]
    if p["role"] == "parent"]')" '[["running", false]]' \
    "parent: running, not sandboxed"
diag "parent title in status: '$(json_get "$s" '[p["title"] for p in
    j["processes"] if p["role"] == "parent"][0]')'"
is "$(json_get "$s" 'j["config"]["file"]')" "$LOPAD_CONF" "config.file is the file"
is "$(json_get "$s" '[j["config"]["reloads"], j["config"]["last_reload"]]')" \
    '[0, null]' "no reload yet"

is "$(api rw GET /-/healthy) $(cat "$API_BODY")" "200 lopad is healthy" \
    "GET /-/healthy over the socket"
is "$(api tcp GET /-/ready) $(cat "$API_BODY")" "200 lopad is ready" \
    "GET /-/ready over TCP"

# problem_ok CODE DESC: the last answer is problem+json with that status.
problem_ok() {
	local want=$1 desc=$2 ct fields

	ct=$(api_header Content-Type)
	fields=$(json_get "$API_BODY" '"%s %s %s %s %s" % (j["status"],
	    isinstance(j["title"], str) and j["title"] != "",
	    isinstance(j["detail"], str) and j["detail"] != "",
	    j["error"] == j["detail"], "type" in j)' 2>&1)
	if [ "${ct%%;*}" = application/problem+json ] &&
	    [ "$fields" = "$want True True True True" ]; then
		ok "$desc: problem+json with status, title, detail, error"
	else
		not_ok "$desc: problem+json with status, title, detail, error"
		diag "Content-Type: $ct; checks: $fields"
		head -c 600 "$API_BODY" | diag -
	fi
}

code=$(api rw GET /api/v1/nosuchroute)
is "$code" 404 "unknown route: 404"
problem_ok 404 "404"

code=$(api rw DELETE /api/v1/status)
is "$code" 405 "DELETE /api/v1/status: 405"
like "$(api_header Allow)" 'GET' "405 has an Allow header naming GET"
problem_ok 405 "405"

code=$(api rw POST /api/v1/reload -H 'Content-Type: text/plain' \
    --data-binary 'hello')
is "$code" 415 "POST with Content-Type text/plain: 415"
problem_ok 415 "415"

code=$(api rw POST /api/v1/reload -H 'Content-Type: application/json' \
    --data-binary '{')
is "$code" 400 "POST with malformed JSON: 400"
problem_ok 400 "400"

head -c $((70 * 1024)) /dev/zero | tr '\0' 'a' |
    sed 's/^/{"x":"/; s/$/"}/' >"$LOPAD_DIR/big.json"
code=$(api rw POST /api/v1/reload -H 'Content-Type: application/json' \
    -H 'Expect:' --data-binary @"$LOPAD_DIR/big.json")
is "$code" 413 "POST with a 70 KiB body: 413"
problem_ok 413 "413"

big=$(head -c $((100 * 1024)) /dev/zero | tr '\0' 'h')
code=$(api rw GET /api/v1/status -H "X-Big: $big")
like "$code" '^(400|431)$' "100 KiB of headers: 431 or 400"

code=$(api tcp GET /api/v1/nosuchroute)
is "$code" 404 "unknown route over TCP: 404"
problem_ok 404 "404 over TCP"

# Still alive, still the same processes.
code=$(api rw GET /api/v1/status)
is "$code" 200 "the daemon still answers after the errors"
is "$(procs_of "$API_BODY" 2>&1)" "$want" "with the same processes"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0 on SIGTERM"

done_testing
