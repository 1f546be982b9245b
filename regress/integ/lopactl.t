#!/bin/bash
#
# lopactl against a fake API (regress/lib/fakeapi.py) on a UNIX socket and
# on TCP: exit status for each class of answer, -j passing the body
# through unchanged, the bearer token from LOPA_TOKEN and --token-file,
# usage errors and an unreachable daemon.  Needs no root and no daemon.
# LOPACTL=path selects another binary (default build/lopactl).

. "$(dirname "$0")/../lib/tap.sh"

LOPACTL=${LOPACTL:-$LOPA_ROOT/build/lopactl}
FAKE=$LOPA_ROOT/regress/lib/fakeapi.py

[ -x "$LOPACTL" ] || bail "$LOPACTL not found: run make first"
command -v python3 >/dev/null || bail "python3 not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lopactl-t.XXXXXX") || bail "mktemp failed"
cleanup_push "rm -rf '$tmp'"

# A status body with its own spacing and key order and no final newline:
# -j must print exactly these bytes (plus the newline).
printf '{ "version":"0.1.0",  "revision":"t1",\n  "node_id":"fake",%s' \
    ' "started":"2026-11-22T20:00:00Z", "uptime":3723000000001,
  "access":"read-only", "processes":[
   {"role":"parent","title":"lopad","pid":7,"state":"running","sandboxed":false},
   {"role":"control","title":"lopad: control","pid":8,"state":"running","sandboxed":true}],
  "config":{"file":"/x.conf","reloads":2,"last_reload":"2026-11-22T21:00:00Z","last_reload_successful":false} }' \
    >"$tmp/status.json"

sock=$tmp/api.sock
python3 "$FAKE" --unix "$sock" --mode-file "$tmp/mode" --log "$tmp/ulog" \
    --status-body "$tmp/status.json" >"$tmp/fake-unix.out" 2>&1 &
upid=$!
cleanup_push "kill $upid"
python3 "$FAKE" --tcp 127.0.0.1:0 --port-file "$tmp/port" \
    --mode-file "$tmp/mode" --log "$tmp/tlog" >"$tmp/fake-tcp.out" 2>&1 &
tpid=$!
cleanup_push "kill $tpid"

wait_until 10000 50 test -S "$sock" || {
	diag_file "$tmp/fake-unix.out"
	bail "fake API did not listen on $sock"
}
wait_until 10000 50 test -s "$tmp/port" || {
	diag_file "$tmp/fake-tcp.out"
	bail "fake API did not listen on TCP"
}
port=$(cat "$tmp/port")
addr=127.0.0.1:$port

# ctl [VAR=value ...] -- ARGS: run lopactl with only the given LOPA_*
# variables; sets rc, out, err.
ctl() {
	local envs=()

	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	timeout 20 env -u LOPA_TOKEN -u LOPA_DAEMON_ADDR "${envs[@]}" \
	    "$LOPACTL" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# expect_exit WANT DESC: rc as wanted; shows stderr otherwise.
expect_exit() {
	if [ "$rc" -eq "$1" ]; then
		ok "$2"
	else
		not_ok "$2"
		diag "exit $rc, want $1; stderr: $err"
	fi
}

mode() {
	printf '%s\n' "$1" >"$tmp/mode"
}

plan 54

# --- answers over the UNIX socket
mode ok
ctl -- -s "$sock" status
expect_exit 0 "status over a UNIX socket exits 0"
like "$out" '^ROLE +PID +STATE +SANDBOX' "status prints the table header"
like "$out" '^control +8 +running +yes$' "status prints one line per process"
like "$out" '^uptime +1h2m3s$' "uptime is shown whole seconds, human"
like "$out" '^version +0\.1\.0 \(t1\)$' "version with revision"
like "$out" '^reloads +2, last 2026-11-22T21:00:00Z \(failed\)$' \
    "status shows the reloads and the last one's outcome"

ctl -- -j -s "$sock" status
expect_exit 0 "status -j exits 0"
{ cat "$tmp/status.json"; echo; } >"$tmp/want"
if cmp -s "$tmp/out" "$tmp/want"; then
	ok "-j prints the API's JSON body unchanged"
else
	not_ok "-j prints the API's JSON body unchanged"
	diff "$tmp/want" "$tmp/out" | diag -
fi

: >"$tmp/ulog"
ctl -- -s "$sock" reload
expect_exit 0 "reload exits 0"
is "$out" "reload requested: reloaded" "reload prints the daemon's status"
like "$(cat "$tmp/ulog")" '"method": "POST", "path": "/api/v1/reload".*"content_type": null' \
    "reload is a POST without a Content-Type"

# --- HTTP status -> exit status, and the problem's detail on stderr
for c in 400:2 401:3 403:3 404:2 409:2 413:2 415:2 422:2 500:3 503:3; do
	code=${c%:*}
	want=${c#*:}
	mode "$code"
	ctl -- -s "$sock" reload
	if [ "$rc" -eq "$want" ] &&
	    printf '%s\n' "$err" | grep -q "^lopactl: fake error $code"; then
		ok "HTTP $code exits $want and prints the detail"
	else
		not_ok "HTTP $code exits $want and prints the detail"
		diag "exit $rc; stderr: $err"
	fi
done

mode 422
ctl -- -s "$sock" reload
like "$err" '^/etc/lopad/lopad\.conf:3:7: log\.level: unknown level "loud"$' \
    "422 prints the first config error on its own line"
like "$err" '^/etc/lopad/lopad\.conf:5:1: bogus: unknown key$' \
    "422 prints the second config error on its own line"

mode 400
ctl -- -s "$sock" reload
like "$err" 'fake error 400 \(field count\)' "400 names the field"

mode 403
ctl -- -s "$sock" reload
like "$err" 'hint: .*read-only' "403 on a socket hints at the read-only socket"
ctl -- -H "$addr" reload
like "$err" 'hint: .*token' "403 over TCP hints at a token"

mode 401
ctl -- -H "$addr" reload
like "$err" 'hint: .*LOPA_TOKEN' "401 hints at LOPA_TOKEN"

mode 404
ctl -- -j -s "$sock" status
expect_exit 2 "-j with an error answer still exits 2"
like "$out" '"status": 404' "-j prints the problem document on stdout"

mode text500
ctl -- -s "$sock" status
expect_exit 3 "a 500 that is not JSON exits 3"
like "$err" '^lopactl: HTTP 500: internal error$' \
    "a non-JSON error shows the status and first line"

mode badjson
ctl -- -s "$sock" status
expect_exit 3 "a 200 answer that is not JSON exits 3"

# --- TCP addressing
mode ok
ctl -- -H "$addr" status
expect_exit 0 "-H host:port works"
ctl -- -H "http://$addr/" status
expect_exit 0 "-H http://host:port/ works"
: >"$tmp/tlog"
ctl LOPA_DAEMON_ADDR="http://$addr" -- status
expect_exit 0 "LOPA_DAEMON_ADDR selects the TCP daemon"
like "$(cat "$tmp/tlog")" '"path": "/api/v1/status"' \
    "the request went to the TCP address"
ctl -- -H "ftp://$addr" status
expect_exit 2 "an unsupported URL scheme is a usage error"

# --- tokens
: >"$tmp/tlog"
ctl LOPA_TOKEN=s3cret-env -- -H "$addr" status
like "$(cat "$tmp/tlog")" '"authorization": "Bearer s3cret-env"' \
    "LOPA_TOKEN arrives as a Bearer header"
printf '\n   \n  s3cret-file \t\nsecond-line\n' >"$tmp/token"
chmod 600 "$tmp/token"
: >"$tmp/ulog"
ctl LOPA_TOKEN=s3cret-env -- --token-file "$tmp/token" -s "$sock" status
like "$(cat "$tmp/ulog")" '"authorization": "Bearer s3cret-file"' \
    "--token-file: first non-empty line, trimmed, wins over LOPA_TOKEN"
: >"$tmp/ulog"
ctl -- -s "$sock" status
like "$(cat "$tmp/ulog")" '"authorization": null' \
    "no token, no Authorization header"
: >"$tmp/empty"
ctl -- --token-file "$tmp/empty" -s "$sock" status
expect_exit 2 "an empty token file is a usage error"

# --- unreachable daemon
ctl -- -s "$tmp/none.sock" status
expect_exit 3 "an absent socket exits 3"
like "$err" "^lopactl: $tmp/none\\.sock: Couldn't connect to server" \
    "the message names the socket and the reason"
kill "$tpid"
wait "$tpid" 2>/dev/null
ctl -- -H "$addr" status
expect_exit 3 "a closed TCP port exits 3"
like "$err" "^lopactl: http://$addr: Couldn't connect to server" \
    "the message names the URL and the reason"

# --- usage
ctl -- -h
expect_exit 0 "-h exits 0"
like "$out" $'^\thelp$' "-h lists help"
like "$out" $'^\treload$' "-h lists reload"
like "$out" $'^\tstatus$' "-h lists status"
ctl --
expect_exit 2 "no command is a usage error"
ctl -- frobnicate
if [ "$rc" -eq 2 ] && printf '%s\n' "$err" |
    grep -q 'unknown command "frobnicate"; valid: ping, tcp, udp, twamp, '\
'stamp, passive, task, monitor, events, reflector, show, metrics, '\
'status, reload, help'; then
	ok "an unknown command exits 2 naming it and the valid ones"
else
	not_ok "an unknown command exits 2 naming it and the valid ones"
	diag "exit $rc; stderr: $err"
fi
ctl -- -s "$sock" status extra
expect_exit 2 "a surplus argument is a usage error"
ctl -- -Z status
expect_exit 2 "an unknown option is a usage error"
ctl -- -s "$sock" -H "$addr" status
expect_exit 2 "-s with -H is a usage error"

done_testing
