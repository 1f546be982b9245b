#!/bin/bash
#
# Monitors declared in the configuration (TAP): created with lopad, known
# by name, not saved in the state file; they record like any monitor; on
# reload (SIGHUP) those added and removed are created and deleted, a
# changed one keeps its id and events with its new parameters, the
# unchanged ones stay as they are; a monitor of the API with a declared
# name keeps it; errors name file:line:column and the field.  In a
# network namespace of the test's own.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 17

need_root
lopad_init
netns_new NS

# mons: "name:type:id" of every monitor, sorted by name.
mons() {
	api ro GET /api/v1/monitors >/dev/null
	json_get "$API_BODY" '" ".join(sorted("%s:%s" % (m.get("name", "-"), m["type"]) for m in j))'
}

mon_id() {
	api ro GET /api/v1/monitors >/dev/null
	json_get "$API_BODY" "[m[\"id\"] for m in j if m.get(\"name\") == \"$1\"][0]" 2>/dev/null
}

# nevents ID: the events the monitor keeps.
nevents() {
	api ro GET "/api/v1/monitors/$1/events" >/dev/null
	json_get "$API_BODY" 'len(j)'
}

A='  - name: links
    type: interface
    filter: {interface_name: "v*"}
'
B='  - {name: t100, type: route, filter: {route_table: 100}}
'
C='  - {name: addrs, type: ip, filter: {prefix: 198.18.0.0/15}}
'
decl() {
	printf 'monitors:\n%s' "$1"
}

lopad_start "$NS" "$(decl "$A$B")" || give_up "lopad did not start"
is "$(mons)" "links:interface t100:route" "the declared monitors exist"
sleep 0.3
is "$(grep -c '^- ' "$LOPAD_STATE" 2>/dev/null)" 0 \
    "declared monitors are not in the state file"
LINKS=$(mon_id links)
ip -n "$NS" link add vA type veth peer name vB
wait_until 3000 50 eval '[ "$(nevents "$LINKS")" -ge 2 ]'
result $? "links records the veth pair's creation"

# An API monitor named as a declared one: 409.
api rw POST /api/v1/monitors -H 'Content-Type: application/json' \
    --data-binary '{"type":"ip","name":"links"}' >/dev/null
is "$API_CODE $(json_get "$API_BODY" 'j.get("field")')" "409 name" \
    "an API monitor named links: 409 naming the field"

# Reload: links changed (its filter), t100 removed, addrs added.
before=$(nevents "$LINKS")
lopad_config "$LOPAD_CONF" "$(decl "${A/v\*/vA}$C")"
kill -HUP "$LOPAD_PID"
wait_until 5000 50 eval '[ "$(mons)" = "addrs:ip links:interface" ]'
result $? "after the reload: addrs and links, t100 gone"
is "$(mon_id links)" "$LINKS" "links changed: the same id"
api ro GET "/api/v1/monitors/$LINKS" >/dev/null
is "$(json_get "$API_BODY" '[j["filter"], j["events_kept"]]')" \
    "[{\"interface_name\": \"vA\"}, $before]" "links: the new filter, its events kept"
ip -n "$NS" link set vB mtu 1400
ip -n "$NS" link set vA mtu 1400
ip -n "$NS" addr add 198.18.7.1/24 dev vA
ADDRS=$(mon_id addrs)
wait_until 3000 50 eval '[ "$(nevents "$ADDRS")" -ge 1 ]'
result $? "addrs records the address"
api ro GET "/api/v1/monitors/$LINKS/events" >/dev/null
is "$(json_get "$API_BODY" '[e["detail"]["name"] for e in j if e["change"] == "update" and "mtu" in e.get("new", {})]')" \
    '["vA"]' "links now sees vA's MTU change only"

# A declared name taken by a monitor of the API: the API's keeps it.
api rw POST /api/v1/monitors -H 'Content-Type: application/json' \
    --data-binary '{"type":"route","name":"t100"}' >/dev/null
API_T100=$(json_get "$API_BODY" 'j["id"]')
lopad_config "$LOPAD_CONF" "$(decl "${A/v\*/vA}$B$C")"
kill -HUP "$LOPAD_PID"
lopad_log_wait "monitor t100 not created: monitor $API_T100 has its name" ||
    diag "no log line"
is "$(mon_id t100)" "$API_T100" "t100 declared again: the API's monitor keeps the name"

# Reloads of monitor: a new receive buffer is a new socket (resynced),
# enabled false closes it, true again opens one.
nlstate() {
	api ro GET /api/v1/status >/dev/null
	json_get "$API_BODY" '"%s %d" % (j["netlink"]["state"], j["netlink"]["receive_buffer"])'
}
CONF_M="$(decl "${A/v\*/vA}$B$C")"
lopad_config "$LOPAD_CONF" "$CONF_M
monitor:
  receive_buffer: 262144"
kill -HUP "$LOPAD_PID"
wait_until 5000 50 eval '[ "$(nlstate)" = "ok 524288" ]'
result $? "receive_buffer reloaded: a new socket of that size (the kernel doubles it), ok"
lopad_config "$LOPAD_CONF" "$CONF_M
monitor:
  enabled: false"
kill -HUP "$LOPAD_PID"
wait_until 5000 50 eval '[ "$(nlstate | cut -d" " -f1)" = off ]'
result $? "monitor.enabled false on reload: netlink off"
api ro GET /api/v1/routes >/dev/null
is "$API_CODE" 503 "... GET /api/v1/routes: 503"
lopad_config "$LOPAD_CONF" "$CONF_M"
kill -HUP "$LOPAD_PID"
wait_until 5000 50 eval '[ "$(nlstate | cut -d" " -f1)" = ok ]'
result $? "enabled again: ok"
n0=$(nevents "$LINKS")
ip -n "$NS" link set vA mtu 1300
wait_until 3000 50 eval '[ "$(nevents "$LINKS")" -gt "$n0" ]'
result $? "links records again after the reloads"
lopad_stop

# Errors name file:line:column and the field.
printf 'monitors:\n  - name: x\n    type: route\n    filter: {route_dst: 10.0.0.0/33}\n' \
    >"$LOPAD_DIR/bad.conf"
like "$("$LOPAD" -n -f "$LOPAD_DIR/bad.conf" 2>&1)" \
    'bad\.conf:4:14: monitors\[0\]\.filter\.route_dst: "10\.0\.0\.0/33" is not a CIDR' \
    "a bad filter: file:line:column and the field"
printf 'monitors:\n  - {name: x, type: ip}\n  - {name: x, type: route}\n' \
    >"$LOPAD_DIR/dup.conf"
like "$("$LOPAD" -n -f "$LOPAD_DIR/dup.conf" 2>&1)" \
    'dup\.conf:3:6: monitors\[1\]\.name: "x" names monitors\[0\] already' \
    "two declared monitors of one name: an error at the second"

done_testing
