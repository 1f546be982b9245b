#!/bin/bash
#
# Tasks declared in the configuration (TAP): started with lopad, known by
# name, not saved in the state file; on reload (SIGHUP) those added,
# changed and removed are started, restarted and deleted, the unchanged
# ones run on; a task of the API with a declared name keeps it; the old
# form of tasks: (the limits) still reads; errors name file:line:column
# and the field.  In a network namespace of the test's own.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 17

need_root
lopad_init
netns_new NS

# tasks_of: "name:status" of every task not deleted, sorted by name.
tasks_of() {
	api ro GET /api/v1/tasks >/dev/null
	json_get "$API_BODY" '" ".join(sorted("%s:%s:%s" % (t["params"].get("name", "-"), t["status"], t["id"]) for t in j))'
}

# names_running: the names of the running tasks, sorted.
names_running() {
	api ro GET /api/v1/tasks >/dev/null
	json_get "$API_BODY" '" ".join(sorted(t["params"].get("name", "-") for t in j if t["status"] == "running"))'
}

id_of() {
	api ro GET /api/v1/tasks >/dev/null
	json_get "$API_BODY" "[t[\"id\"] for t in j if t[\"params\"].get(\"name\") == \"$1\" and t[\"status\"] == \"running\"][0]" 2>/dev/null
}

decl() {
	printf 'limits:\n  max: 50\ntasks:\n%s' "$1"
}

A='  - name: lo
    type: ping
    target: 127.0.0.1
    mode: continuous
    interval: 100ms
    labels: {site: lab}
'
B='  - {name: once, type: udp, target: "127.0.0.1:'$LOPAD_REFL_PORT'", count: 3, interval: 10ms}
'
C='  - {name: other, type: ping, target: 127.0.0.2, mode: continuous, interval: 100ms}
'

lopad_start "$NS" "$(decl "$A$B")" || give_up "lopad did not start"
wait_until 5000 50 eval '[ "$(names_running)" = lo ] && [[ "$(tasks_of)" == *once:finished* ]]'
result $? "the declared tasks start: lo runs, once ran"
api ro GET "/api/v1/tasks/$(id_of lo)" >/dev/null
is "$(json_get "$API_BODY" '[j["labels"], j["params"]["interval"]]')" \
    '[{"site": "lab"}, 100000000]' "lo has its labels and interval"
lopad_log_wait "task .*: ping 127.0.0.1, continuous \(configuration\)" ||
    diag "no log line"
ok "the log says it comes from the configuration"
sleep 0.3
is "$(grep -c '^- ' "$LOPAD_STATE" 2>/dev/null)" 0 \
    "declared tasks are not in the state file"
LO1=$(id_of lo)

# An API task named as a declared one is refused (409) while that runs.
post() {
	api rw POST "/api/v1/tasks/$1" -H 'Content-Type: application/json' \
	    --data-binary "$2" >/dev/null
}

post ping '{"target":"127.0.0.1","mode":"continuous","name":"lo"}'
is "$API_CODE $(json_get "$API_BODY" 'j.get("field")')" "409 name" \
    "an API task named lo while lo runs: 409 naming the field"

# Reload: lo changed, once removed, other added.
lopad_config "$LOPAD_CONF" "$(decl "${A/100ms/200ms}$C")"
kill -HUP "$LOPAD_PID"
wait_until 5000 50 eval '[ "$(names_running)" = "lo other" ]'
result $? "after the reload, lo and other run"
LO2=$(id_of lo)
isnt "$LO2" "$LO1" "lo changed: restarted with a new id ($LO1 -> $LO2)"
api ro GET "/api/v1/tasks/$LO2" >/dev/null
is "$(json_get "$API_BODY" 'j["params"]["interval"]')" \
    200000000 "the new lo has the new interval"
api ro GET "/api/v1/tasks/$LO1" >/dev/null
is "$API_CODE" 404 "the old lo is deleted"
[[ "$(tasks_of)" == *once:finished* ]]
result $? "once, removed but ended already, stays among the finished"
OTHER=$(id_of other)

# The same file again: nothing changes.
kill -HUP "$LOPAD_PID"
sleep 1
is "$(id_of lo) $(id_of other)" "$LO2 $OTHER" "a reload without changes restarts nothing"

# A declared name taken by a task of the API: the API's keeps it.
lopad_config "$LOPAD_CONF" "$(decl "${A/100ms/200ms}")"
kill -HUP "$LOPAD_PID"
wait_until 5000 50 eval '[ "$(names_running)" = lo ]'
result $? "other removed: stopped and deleted"
post ping '{"target":"127.0.0.2","mode":"continuous","interval":"100ms","name":"other"}'
is "$API_CODE" 201 "an API task may take the name other now"
API_OTHER=$(json_get "$API_BODY" 'j["id"]')
lopad_config "$LOPAD_CONF" "$(decl "${A/100ms/200ms}$C")"
kill -HUP "$LOPAD_PID"
lopad_log_wait "task other of the configuration not created: task $API_OTHER \(from the API\)" ||
    diag "no log line"
is "$(id_of other)" "$API_OTHER" "other declared again: the API's task keeps the name"
lopad_stop

# The old form of tasks: reads as the limits; errors name line:column.
printf 'tasks:\n  max: 7\n' >"$LOPAD_DIR/old.conf"
is "$("$LOPAD" -nv -f "$LOPAD_DIR/old.conf" 2>&1 | grep -A1 '^limits:' | tail -n 1)" \
    "  max: 7" "tasks: as a mapping is still the limits"
printf 'tasks:\n  - name: x\n    type: ping\n    target: h\n    mode: continuous\n    thresholds: {jitter: {above: fast}}\n' \
    >"$LOPAD_DIR/bad.conf"
like "$("$LOPAD" -n -f "$LOPAD_DIR/bad.conf" 2>&1)" \
    "bad\.conf:6:27: tasks\[0\]\.thresholds\.jitter\.above: \"fast\"" \
    "a bad field: file:line:column and the field"
printf 'tasks:\n  - {name: x, type: ping, target: h}\n  - {name: x, type: tcp, target: "h:1"}\n' \
    >"$LOPAD_DIR/dup.conf"
like "$("$LOPAD" -n -f "$LOPAD_DIR/dup.conf" 2>&1)" \
    'dup\.conf:3:6: tasks\[1\]\.name: "x" names tasks\[0\] already' \
    "two declared tasks of one name: an error at the second"

done_testing
