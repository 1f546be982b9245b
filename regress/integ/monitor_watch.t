#!/bin/bash
#
# The route state is kept for the tables route monitors watch (TAP): with
# every enabled route monitor naming its table, the routes of the other
# tables are not kept (their changes still pass by, counted as
# route_unwatched); a monitor without a table, or none at all, brings
# every table back, read again quietly (no events for routes that only
# came into view).  In a network namespace of the test's own.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 9

need_root
lopad_init
netns_new NS
nx() { ip netns exec "$NS" "$@"; }

# nl EXPR: EXPR of the status's netlink member (as n).
nl() {
	api ro GET /api/v1/status >/dev/null
	json_get "$API_BODY" "(lambda n: $1)(j['netlink'])"
}

# tables: the tables of the routes GET /api/v1/routes shows.
tables() {
	api ro GET /api/v1/routes >/dev/null
	json_get "$API_BODY" 'sorted(set(r["table"] for r in j))'
}

nroutes() {
	nl 'n["routes"]'
}

post() {
	api rw POST /api/v1/monitors -H 'Content-Type: application/json' \
	    --data-binary "$1" >/dev/null
	json_get "$API_BODY" 'j["id"]'
}

lopad_start "$NS" || give_up "lopad did not start"
nx ip link add vA type veth peer name vB
nx ip link set vA up
nx ip link set vB up
nx ip addr add 198.18.1.1/24 dev vA
for i in 1 2 3; do
	nx ip route add "10.$i.0.0/16" via 198.18.1.2
	nx ip route add "10.$i.0.0/16" via 198.18.1.2 table 100
done
wait_until 3000 50 eval '[ "$(tables)" = "[100, 254, 255]" ]'
result $? "no route monitor: every table is kept"
is "$(nl 'n["route_tables"]')" all "status: route_tables all"

M=$(post '{"type":"route","filter":{"route_table":100}}')
wait_until 3000 50 eval '[ "$(tables)" = "[100]" ]'
result $? "one route monitor on table 100: its routes alone are kept"
is "$(nl '[n["route_tables"], n["routes"]]')" "[[100], 3]" \
    "status: route_tables [100], 3 routes"
nx ip route add 10.9.0.0/16 via 198.18.1.2
nx ip route add 10.9.0.0/16 via 198.18.1.2 table 100
wait_until 3000 50 eval '[ "$(nroutes)" = 4 ]'
result $? "a route added to table 100 is kept"
is "$(nl 'n["route_unwatched"] >= 1')" true \
    "the one added to main passed by, not kept (route_unwatched)"

# The monitor disabled: every table again, read quietly.
api rw PATCH "/api/v1/monitors/$M" -H 'Content-Type: application/json' \
    --data-binary '{"enabled":false}' >/dev/null
wait_until 3000 50 eval '[ "$(tables)" = "[100, 254, 255]" ]'
result $? "the monitor disabled: every table is kept again"
NR=$(nx ip -o route show table all | wc -l)
is "$(nl 'n["routes"]')" "$NR" "... as many routes as ip route show table all ($NR)"
api rw PATCH "/api/v1/monitors/$M" -H 'Content-Type: application/json' \
    --data-binary '{"enabled":true}' >/dev/null
api ro GET "/api/v1/monitors/$M/events" >/dev/null
is "$(json_get "$API_BODY" '[(e["change"], e["detail"]["dst"], e["detail"]["table"]) for e in j]')" \
    '[["add", "10.9.0.0/16", 100]]' \
    "the monitor saw the add in table 100 alone, nothing from the quiet reads"
lopad_stop

done_testing
