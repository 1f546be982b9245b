#!/bin/bash
#
# Reloading the configuration (TAP): SIGHUP with a broken file keeps the
# daemon and its old configuration and logs file:line:column; POST
# /api/v1/reload with a broken file answers 422 with the errors; a fixed
# file reloads (config.reloads grows); a new http.listen takes effect.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

plan 23

if lopad_start; then
	ok "lopad starts"
else
	not_ok "lopad starts"
	give_up "lopad did not start"
fi
pids=$(lopad_children | tr '\n' ' ')
cp "$LOPAD_CONF" "$LOPAD_DIR/good.conf"

# reloads: config.reloads from the status (or "?").
reloads() {
	api rw GET /api/v1/status >/dev/null
	json_get "$API_BODY" 'j["config"]["reloads"]' 2>/dev/null || echo "?"
}

# wait_reloads N: poll (5 s) until config.reloads is N.
wait_reloads() {
	local i

	for ((i = 0; i < 100; i++)); do
		[ "$(reloads)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

is "$(reloads)" 0 "config.reloads starts at 0"

# A broken file that also moves the listener: neither may take effect.
lopad_port port2 || bail "no free port"
sed "s/127\.0\.0\.1:$LOPAD_HTTP_PORT/127.0.0.1:$port2/" \
    "$LOPAD_DIR/good.conf" >"$LOPAD_DIR/moved.conf"
cp "$LOPAD_DIR/moved.conf" "$LOPAD_CONF"
echo "bogus_key: 1" >>"$LOPAD_CONF"
bad=$(wc -l <"$LOPAD_CONF")
where="$LOPAD_CONF:$bad:1"
diag "broken at $where"

kill -HUP "$LOPAD_PID"
if lopad_log_wait "$where: bogus_key" 5000; then
	ok "SIGHUP with a broken file: the log shows $where"
else
	not_ok "SIGHUP with a broken file: the log shows $where"
	diag_file "$LOPAD_LOG"
fi
proc_alive "$LOPAD_PID" &&
    [ "$(lopad_children | tr '\n' ' ')" = "$pids" ]
result $? "the daemon keeps running with the same children"
is "$(api rw GET /api/v1/status)" 200 "status still answers"
is "$(api tcp GET /-/healthy)" 200 "the old listener still answers"
is "$(api "http://127.0.0.1:$port2" GET /-/healthy)" 000 \
    "the new listener of the broken file was not opened"
api rw GET /api/v1/status >/dev/null
diag "after the failed SIGHUP: config $(json_get "$API_BODY" 'j["config"]')"

code=$(api rw POST /api/v1/reload)
is "$code" 422 "POST /api/v1/reload with a broken file: 422"
is "$(api_header Content-Type | cut -d';' -f1) $(json_get "$API_BODY" \
    'j["status"]' 2>&1)" "application/problem+json 422" "the 422 is problem+json"
like "$(json_get "$API_BODY" '"\n".join(j["errors"])' 2>&1)" \
    "^$where: bogus_key" "its errors list names $where"
head -c 800 "$API_BODY" | diag -

lopactl_run -s "$LOPAD_SOCK" reload >"$LOPAD_DIR/ctl.out" 2>&1
is "$?" 2 "lopactl reload with a broken file exits 2"
diag_file "$LOPAD_DIR/ctl.out" 5

before=$(reloads)
case $before in
''|*[!0-9]*)	before=-100 ;;	# no number: the checks below fail
esac
cp "$LOPAD_DIR/good.conf" "$LOPAD_CONF"
code=$(api rw POST /api/v1/reload)
is "$code $(json_get "$API_BODY" 'j["status"]' 2>&1)" "200 reloaded" \
    "POST /api/v1/reload with the fixed file: 200 reloaded"
is "$(reloads)" "$((before + 1))" "config.reloads grows by one"
is "$(json_get "$API_BODY" '[j["config"]["last_reload"] is not None,
    j["config"]["last_reload_successful"]]' 2>&1)" '[true, true]' \
    "last_reload is set and successful"

kill -HUP "$LOPAD_PID"
wait_reloads "$((before + 2))"
result $? "SIGHUP with a good file: config.reloads grows by one"

lopactl_run -s "$LOPAD_SOCK" reload >"$LOPAD_DIR/ctl.out" 2>&1
is "$?" 0 "lopactl reload exits 0"
is "$(reloads)" "$((before + 3))" "and config.reloads grows by one"

# Move the HTTP listener.
cp "$LOPAD_DIR/moved.conf" "$LOPAD_CONF"
is "$(api rw POST /api/v1/reload)" 200 "reload with http.listen on port $port2"
port2_up() {
	[ "$(api "http://127.0.0.1:$port2" GET /-/healthy)" = 200 ]
}
wait_until 2000 50 port2_up
is "$(api "http://127.0.0.1:$port2" GET /-/healthy)" 200 \
    "the new port $port2 answers"
is "$(api tcp GET /-/healthy)" 000 "the old port $LOPAD_HTTP_PORT does not"
is "$(lopad_children | tr '\n' ' ')" "$pids" "the children were not restarted"
is "$(api "http://127.0.0.1:$port2" GET /api/v1/status) $(json_get "$API_BODY" \
    'j["access"]' 2>&1)" "200 read-only" "the new listener is read-only too"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
