#!/bin/bash
#
# Netlink monitors (TAP): POST/GET/PATCH/DELETE /api/v1/monitors and their
# events, against a real lopad in a network namespace of the test's own,
# where veth pairs (vA-vB, vC-vD) are created, changed and deleted.
#  1. interface monitors: veth add (full detail in new, no old), MTU
#     1500->1400, up (flags/oper_state), carrier, down, rename (old/new
#     name; a filter on the old name sees it), delete (full detail in old,
#     no new); filters interface_name exact and glob (v*, [v]B),
#     interface_index; a filter matching nothing records nothing; DELETE;
#  2. ip monitors: IPv4 and IPv6 addresses add/delete, prefix filters
#     198.18.0.0/15 and 2001:db8::/32 (and one that matches nothing), an
#     interface filter; IPv6 link-local addresses (inet6, scope link)
#     appear when a link comes up and vanish, as deletes, when it goes down;
#  3. route monitors: add, replace (an update with old/new gw), delete in
#     the main table and table 100, the default route (dst "default";
#     route_dst 0.0.0.0/0 matches it, 10.0.0.0/8 does not), route_dst
#     (10.1.0.0/16 inside 10.0.0.0/8, 10.0.0.0/7 not), multipath next hops,
#     the interface filter applied to routes (oif or any next hop), kernel
#     noise (local table) only with include_kernel, protocol "static";
#     two IPv6 routes to one prefix through two devices are two routes;
#  4. enabled:false records nothing; PATCH enabled, PATCH filter (replaces
#     the whole filter), PATCH type (400 "type"), PATCH of an unknown id;
#  5. the ring: event_buffer_size 3 keeps the newest 3; ?last=N; bad last;
#     an empty monitor gives [];
#  6. bad input: 400 naming the field; lopad keeps running and recording;
#  7. webhooks: each event POSTed, the body equal to the event, in order,
#     signed with webhook_secret (HMAC checked by the receiver);
#  8. GET /api/v1/events: "event: monitor" blocks equal to the events;
#  9. persistence: monitors come back after a restart with their ids and
#     parameters, rings empty; deleted ones do not; the secret survives;
# 10. overrun (receive_buffer 65536): SIGSTOP of the netlink process, 5000
#     routes, SIGCONT: exactly one resync per enabled monitor, an add for
#     each route, status resyncs 1, overruns >= 1; GET /api/v1/routes
#     equals ip route show table all (non-kernel routes);
# 11. GET /api/v1/status "netlink": state ok, links/addrs/routes counts.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 131

need_root
lopad_init
netns_new NS

n() {
	ip -n "$NS" "$@"
}

SECRET=mon-$$-$RANDOM-secret
SINK=$LOPA_ROOT/regress/lib/webhook_sink.py
lopad_port PW || bail "no free port"
EVF=$LOPAD_DIR/events.json

# The python helpers of q/evq: E the events, and
#	R(E)	[change, table, dst] of route events
#	A(E)	[change, address, prefix_len] of ip events
#	L(E)	[change, name] of interface events
#	OLDNEW(e)	[old, new] (None when absent)
#	shape(E)	"ok" when every add has new == detail and no old,
#			every delete old == detail and no new, every update
#			both, else what is wrong
PYPRE='
import json, sys
def R(E):
    return [[e["change"], e["detail"].get("table"), e["detail"].get("dst")]
            for e in E]
def A(E):
    return [[e["change"], e["detail"].get("address"),
             e["detail"].get("prefix_len")] for e in E]
def L(E):
    return [[e["change"], e["detail"].get("name")] for e in E]
def OLDNEW(e):
    return [e.get("old"), e.get("new")]
def shape(E):
    for e in E:
        c = e["change"]
        if c == "add" and ("old" in e or e.get("new") != e["detail"]):
            return "bad add %s" % json.dumps(e)
        if c == "delete" and ("new" in e or e.get("old") != e["detail"]):
            return "bad delete %s" % json.dumps(e)
        if c == "update" and not (isinstance(e.get("old"), dict) and
                                  isinstance(e.get("new"), dict)):
            return "bad update %s" % json.dumps(e)
        for k in ("id", "task_id", "monitor_id", "type", "change", "at"):
            if k not in e:
                return "no %s in %s" % (k, json.dumps(e))
    return "ok"
'

# pyq FILE EXPR: EXPR on the JSON in FILE (as E and j); strings raw,
# others as sorted JSON; with PYQ_TEST=1 the exit status is the truth.
pyq() {
	python3 -c "$PYPRE"'
try:
    with open(sys.argv[1]) as f:
        E = j = json.load(f)
    v = eval(sys.argv[2])
except Exception as e:
    print("pyq: %s" % e, file=sys.stderr)
    sys.exit(2)
if sys.argv[3] == "1":
    sys.exit(0 if v else 1)
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1" "$2" "${PYQ_TEST:-0}"
}

# evget ID [QUERY]: GET its events into EVF.  evq ID EXPR: evget, then
# pyq EXPR on them.  eq EXPR: pyq on the last evget.
evget() {
	api rw GET "/api/v1/monitors/$1/events${2:-}" >/dev/null
	cp "$API_BODY" "$EVF"
}
evq() {
	evget "$1"
	pyq "$EVF" "$2"
}
eq() {
	pyq "$EVF" "$1"
}
# evwait ID PRED [LIMIT_MS]: until PRED holds on the monitor's events.
evtrue() {
	evget "$1"
	PYQ_TEST=1 pyq "$EVF" "$2" 2>/dev/null
}
evwait() {
	wait_until "${3:-5000}" 50 evtrue "$1" "$2" && return 0
	diag "waited in vain for $2 on $1: $(head -c 1500 "$EVF")"
	return 1
}

# mon VAR JSON: POST a monitor; VAR its id ("none" when refused).
MON_FAILS=0
mon() {
	api rw POST /api/v1/monitors -H 'Content-Type: application/json' \
	    --data-binary "$2" >/dev/null
	if [ "$API_CODE" = 201 ]; then
		printf -v "$1" '%s' "$(json_get "$API_BODY" 'j["id"]')"
	else
		printf -v "$1" '%s' none
		MON_FAILS=$((MON_FAILS + 1))
		diag "POST $2: $API_CODE $(cat "$API_BODY")"
	fi
}
# patch ID JSON: PATCH; API_CODE.
patch() {
	api rw PATCH "/api/v1/monitors/$1" -H 'Content-Type: application/json' \
	    --data-binary "$2" >/dev/null
}
# mget ID EXPR: EXPR on GET /api/v1/monitors/ID (as j).
mget() {
	api rw GET "/api/v1/monitors/$1" >/dev/null
	json_get "$API_BODY" "$2" 2>/dev/null || echo "($API_CODE)"
}
# field: the "field" of the last problem answer.
field() {
	json_get "$API_BODY" 'j.get("field")' 2>/dev/null || echo "(no json)"
}
ifindex() {
	n -j link show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])'
}

lopad_start "$NS" || give_up "lopad did not start"

# Every event of /api/v1/events until the first lopad stops.
EV=$LOPAD_DIR/events.sse
curl -sN --max-time 100 -D "$EV.h" --unix-socket "$LOPAD_RSOCK" \
    http://lopad/api/v1/events >"$EV" 2>/dev/null &
EV_PID=$!
cleanup_push "kill $EV_PID 2>/dev/null"
wait_until 10000 50 grep -q '^HTTP/1.1 200' "$EV.h" ||
    diag "/api/v1/events did not answer: $(cat "$EV.h")"

# 11 (at start). The netlink view.
api rw GET /api/v1/status >/dev/null
is "$(json_get "$API_BODY" '[j["netlink"]["state"], j["netlink"]["links"], j["netlink"]["addrs"]]')" \
    '["ok", 1, 2]' "status: netlink ok, 1 link (lo), 2 addresses (127.0.0.1, ::1)"

api rw GET /api/v1/monitors >/dev/null
is "$API_CODE $(cat "$API_BODY")" "200 []" "GET /api/v1/monitors: [] when none"

# --- 1. interface monitors --------------------------------------------------

MON_FAILS=0
mon MI '{"type":"interface"}'
is "$(json_get "$API_BODY" '[j["type"], j["filter"], j["enabled"], j["include_kernel"], j["event_buffer_size"], j["events_total"], j["events_kept"], "last_event_at" in j]')" \
    '["interface", {}, true, false, 100, 0, 0, false]' \
    "POST: 201, the monitor object with its defaults"
like "$MI" '^.+-[0-9]+$' "its id is <node>-<n> ($MI)"
mon MIN '{"type":"interface","filter":{"interface_name":"vA"}}'
mon MIG '{"type":"interface","filter":{"interface_name":"v*"}}'
mon MIB '{"type":"interface","filter":{"interface_name":"[v]B"}}'
mon MIX '{"type":"interface","filter":{"interface_name":"zz*"}}'
n link add vA type veth peer name vB || bail "veth failed"
IA=$(ifindex vA)
IB=$(ifindex vB)
mon MII "{\"type\":\"interface\",\"filter\":{\"interface_index\":$IA}}"
is "$MON_FAILS" 0 "interface monitors created (name, glob, index, no match)"
evwait "$MI" 'len(E) >= 2'
n link set vA mtu 1400
n link set vA up
n link set vB up
n link set vA down
n link set vA name vR
n link del vR
evwait "$MI" '[e["detail"]["name"] for e in E if e["change"] == "delete"] == ["vR", "vB"]' ||
    diag "no deletes of vR and vB"

evget "$MI"
is "$(eq 'shape(E)')" ok "interface: add has new = detail, delete old = detail, updates old and new"
is "$(eq '[[e["detail"][k] for k in ("name", "kind", "mtu", "oper_state", "flags")] + [e["detail"]["index"]] for e in E if e["change"] == "add"]')" \
    "[[\"vB\", \"veth\", 1500, \"down\", \"broadcast|multicast\", $IB], [\"vA\", \"veth\", 1500, \"down\", \"broadcast|multicast\", $IA]]" \
    "interface: veth creation, one add per end (name, kind, mtu, oper_state, flags, index)"
is "$(eq '[e["type"] for e in E if e["type"] != "interface" or e["task_id"] != e["monitor_id"]]')" '[]' \
    "interface: type interface, task_id = monitor_id"
is "$(eq '[[e["detail"]["name"], e["detail"]["mtu"]] + OLDNEW(e) for e in E if "mtu" in e.get("new", {}) and e["change"] == "update"]')" \
    '[["vA", 1400, {"mtu": 1500}, {"mtu": 1400}]]' \
    "interface: MTU 1500 -> 1400 is an update, old {mtu:1500} new {mtu:1400}"
U=$(eq '[OLDNEW(e) for e in E if e["change"] == "update" and e["detail"]["name"] == "vA"][1:]')
is "$(pyq <(echo "$U") 'j[0]')" \
    '[{"flags": "broadcast|multicast", "oper_state": "down"}, {"flags": "up|broadcast|multicast", "oper_state": "lower-layer-down"}]' \
    "interface: vA up (peer down): flags gain up, oper_state down -> lower-layer-down"
is "$(pyq <(echo "$U") '[j[1][0]["oper_state"], j[1][0]["flags"], j[1][1]["oper_state"], j[1][1]["flags"]]')" \
    '["lower-layer-down", "up|broadcast|multicast", "up", "up|broadcast|multicast|running"]' \
    "interface: vB up: vA's oper_state lower-layer-down -> up, flags gain running"
is "$(pyq <(echo "$U") '[j[2][0]["oper_state"], j[2][0]["flags"], j[2][1]["oper_state"], j[2][1]["flags"]]')" \
    '["up", "up|broadcast|multicast|running", "down", "broadcast|multicast"]' \
    "interface: vA down: oper_state up -> down, flags lose up and running"
is "$(eq '[[e["detail"]["index"], e["detail"]["name"]] + OLDNEW(e) for e in E if "name" in e.get("new", {}) and e["change"] == "update"]')" \
    "[[$IA, \"vR\", {\"name\": \"vA\"}, {\"name\": \"vR\"}]]" \
    "interface: rename vA -> vR: old {name:vA} new {name:vR}, same index"
is "$(eq '[[e["detail"]["name"], e["detail"]["index"], e["old"]["mtu"], "new" in e] for e in E if e["change"] == "delete"]')" \
    "[[\"vR\", $IA, 1400, false], [\"vB\", $IB, 1500, false]]" \
    "interface: delete of both ends, old the full last state, no new"
ALL=$(eq 'L(E)')
is "$(evq "$MIG" 'L(E)')" "$ALL" "filter interface_name v* (glob): every event above"
is "$(evq "$MIB" 'L(E)')" "$(pyq <(echo "$ALL") '[x for x in j if x[1] == "vB"]')" \
    "filter interface_name [v]B (glob): vB's events only"
is "$(evq "$MIN" '[L(E)[:5], OLDNEW(E[5]) if len(E) > 5 else None, sorted(set(e["detail"]["index"] for e in E))]')" \
    "[[[\"add\", \"vA\"], [\"update\", \"vA\"], [\"update\", \"vA\"], [\"update\", \"vA\"], [\"update\", \"vA\"]], [{\"name\": \"vA\"}, {\"name\": \"vR\"}], [$IA]]" \
    "filter interface_name vA (exact): add, mtu, up, carrier, down, and the rename away from vA"
is "$(evq "$MII" '[[e["change"], e["detail"]["index"]] for e in E]')" \
    "[[\"update\", $IA], [\"update\", $IA], [\"update\", $IA], [\"update\", $IA], [\"update\", $IA], [\"delete\", $IA]]" \
    "filter interface_index $IA: vA's mtu, up, carrier, down, rename, delete only"
is "$(evq "$MIX" 'E')" '[]' "filter interface_name zz*: nothing recorded"
NMI=$(evq "$MI" 'len(E)')
is "$(mget "$MI" '[j["events_total"], j["events_kept"], "last_event_at" in j]')" \
    "[$NMI, $NMI, true]" \
    "GET monitor: events_total = events_kept = the $NMI events, last_event_at set"

api rw DELETE "/api/v1/monitors/$MIG" >/dev/null
D1=$API_CODE
api rw GET "/api/v1/monitors/$MIG" >/dev/null
is "$D1 $API_CODE" "204 404" "DELETE: 204, then GET: 404"
api rw GET "/api/v1/monitors/$MIG/events" >/dev/null
is "$API_CODE" 404 "GET events of a deleted monitor: 404"
for m in "$MI" "$MIN" "$MIB" "$MII" "$MIX"; do
	api rw DELETE "/api/v1/monitors/$m" >/dev/null
done

# --- 2. ip monitors -----------------------------------------------------------

MON_FAILS=0
n link add vA type veth peer name vB || bail "veth failed"
IA=$(ifindex vA)
IB=$(ifindex vB)
mon MAA '{"type":"ip"}'
mon MA4 '{"type":"ip","filter":{"prefix":"198.18.0.0/15"}}'
mon MA6 '{"type":"ip","filter":{"prefix":"2001:db8::/32"}}'
mon MAX '{"type":"ip","name":"nothing","filter":{"prefix":"198.19.0.0/16"}}'
mon MAB '{"type":"ip","filter":{"interface_name":"vB"}}'
mon MA6F '{"type":"ip","filter":{"family":"inet6","interface_index":'"$IA"'}}'
is "$MON_FAILS" 0 "ip monitors created"
n link set vA up
n link set vB up
evwait "$MAA" 'len(E) >= 2' || diag "no link-local addresses"
n addr add 198.18.1.1/24 dev vA
n addr add 2001:db8:1::1/64 dev vA nodad
n addr del 198.18.1.1/24 dev vA
n addr del 2001:db8:1::1/64 dev vA
n link set vA down
LLA=$(n -6 -j addr show dev vB scope link | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["addr_info"][0]["local"])')
evwait "$MAA" 'len([e for e in E if e["change"] == "delete"]) >= 3'

evget "$MA4"
is "$(eq 'A(E)')" '[["add", "198.18.1.1", 24], ["delete", "198.18.1.1", 24]]' \
    "ip prefix 198.18.0.0/15: the IPv4 address added and deleted"
is "$(eq '[shape(E)] + [[e["detail"][k] for k in ("family", "scope", "interface_name", "interface_index")] for e in E]')" \
    "[\"ok\", [\"inet\", \"global\", \"vA\", $IA], [\"inet\", \"global\", \"vA\", $IA]]" \
    "... family inet, scope global, vA's name and index; new/old the full detail"
evget "$MA6"
is "$(eq 'A(E)')" '[["add", "2001:db8:1::1", 64], ["delete", "2001:db8:1::1", 64]]' \
    "ip prefix 2001:db8::/32: the IPv6 address added and deleted"
is "$(eq '[shape(E)] + [[e["detail"][k] for k in ("family", "scope", "interface_name")] for e in E]')" \
    '["ok", ["inet6", "global", "vA"], ["inet6", "global", "vA"]]' \
    "... family inet6, scope global"
is "$(evq "$MAX" 'E')" '[]' "ip prefix 198.19.0.0/16: nothing recorded"
evget "$MAA"
LL=$(eq '[[e["change"], e["detail"]["interface_name"], e["detail"]["family"], e["detail"]["scope"], e["detail"]["prefix_len"], e["detail"]["address"][:6]] for e in E if e["detail"]["address"].startswith("fe80:")]')
is "$(pyq <(echo "$LL") 'sorted(x for x in j if x[0] == "add")')" \
    '[["add", "vA", "inet6", "link", 64, "fe80::"], ["add", "vB", "inet6", "link", 64, "fe80::"]]' \
    "unfiltered ip monitor: link-local addresses appear on link up (inet6, scope link, /64)"
is "$(pyq <(echo "$LL") '[x for x in j if x[0] == "delete"]')" \
    '[["delete", "vA", "inet6", "link", 64, "fe80::"]]' \
    "... vA's vanishes on link down as a normal delete"
is "$(eq 'shape(E)')" ok "... adds and deletes with the full detail"
is "$(eq '[e["old"]["address"] for e in E if e["change"] == "delete" and e["detail"]["scope"] == "link"] == [e["new"]["address"] for e in E if e["change"] == "add" and e["detail"]["interface_name"] == "vA" and e["detail"]["scope"] == "link"]')" \
    true "... the deleted address is the one added"
is "$(eq 'len(E)')" 7 "unfiltered ip monitor: 7 events (4 adds, 3 deletes)"
is "$(evq "$MAB" 'A(E)')" "[[\"add\", \"$LLA\", 64]]" \
    "ip filter interface_name vB: vB's link-local address only"
is "$(evq "$MA6F" '[[x[0], x[1][:6]] for x in A(E)]')" \
    '[["add", "fe80::"], ["add", "2001:d"], ["delete", "2001:d"], ["delete", "fe80::"]]' \
    "ip filter family inet6 + interface_index: vA's IPv6 addresses only"
for m in "$MAA" "$MAB" "$MA6F"; do
	api rw DELETE "/api/v1/monitors/$m" >/dev/null
done

# --- 3. route monitors (and 4: a disabled one) --------------------------------

n link add vC type veth peer name vD || bail "veth failed"
n link set vA up
n link set vC up
n link set vD up
n addr add 198.18.1.1/24 dev vA
n addr add 198.18.2.1/24 dev vC
IA=$(ifindex vA)
IC=$(ifindex vC)
MON_FAILS=0
mon MRM '{"type":"route","filter":{"route_table":254}}'
mon MR100 '{"type":"route","filter":{"route_table":100}}'
mon MRD '{"type":"route","filter":{"route_dst":"10.0.0.0/8"}}'
mon MRZ '{"type":"route","filter":{"route_dst":"0.0.0.0/0"}}'
mon MRIF '{"type":"route","filter":{"interface_name":"vC"}}'
mon MRP '{"type":"route","filter":{"protocol":"static"}}'
mon MRN '{"type":"route","name":"all-routes","labels":{"site":"lab"}}'
mon MRK '{"type":"route","include_kernel":true}'
mon MD '{"type":"route","enabled":false,"filter":{"route_table":100}}'
is "$MON_FAILS" 0 "route monitors created"
is "$(mget "$MD" '[j["enabled"], j["filter"]]')" '[false, {"route_table": 100}]' \
    "enabled:false at creation is kept"
n route add 10.1.0.0/16 via 198.18.1.2
n route replace 10.1.0.0/16 via 198.18.1.3
n route add 10.0.0.0/7 via 198.18.1.2
n route add 10.2.0.0/16 via 198.18.2.2 table 100
n route add default via 198.18.1.2
n route add 10.9.0.0/16 nexthop via 198.18.1.2 dev vA nexthop via 198.18.2.2 dev vC
n route add 10.3.0.0/16 via 198.18.1.2 proto static
n route del 10.1.0.0/16
n route del 10.2.0.0/16 table 100
n route del default
n route del 10.9.0.0/16
n addr add 198.18.3.1/24 dev vA
n -6 route add 2001:db8:5::/64 dev vA
n -6 route add 2001:db8:ff::/48 dev vA table 200
evwait "$MRN" '["add", 200, "2001:db8:ff::/48"] in R(E)' ||
    diag "the last route never came"

evget "$MRM"
is "$(eq 'R(E)')" \
    '[["add", 254, "10.1.0.0/16"], ["update", 254, "10.1.0.0/16"], ["add", 254, "10.0.0.0/7"], ["add", 254, "default"], ["add", 254, "10.9.0.0/16"], ["add", 254, "10.3.0.0/16"], ["delete", 254, "10.1.0.0/16"], ["delete", 254, "default"], ["delete", 254, "10.9.0.0/16"], ["add", 254, "198.18.3.0/24"], ["add", 254, "2001:db8:5::/64"]]' \
    "route_table 254: the main table's adds, replace, deletes, the address's prefix route (not the local ones), IPv6"
is "$(eq 'shape(E)')" ok "route events: add new = detail, delete old = detail"
is "$(eq '[E[0]["detail"][k] for k in ("gw", "link_index", "interface_name", "family", "type", "table", "protocol_name", "scope")] + [E[0].get("old")]')" \
    "[\"198.18.1.2\", $IA, \"vA\", \"inet\", \"unicast\", 254, \"boot\", \"global\", null]" \
    "route add: gw, link_index, interface_name, family, type, table, protocol_name, scope; no old"
is "$(eq '[E[1]["detail"]["gw"]] + OLDNEW(E[1])')" \
    '["198.18.1.3", {"gw": "198.18.1.2"}, {"gw": "198.18.1.3"}]' \
    "ip route replace: an update, old {gw: .2} new {gw: .3}"
is "$(eq '[[e["detail"].get("gw"), e["old"]["gw"]] for e in E if e["change"] == "delete" and e["detail"]["dst"] == "10.1.0.0/16"]')" \
    '[["198.18.1.3", "198.18.1.3"]]' "route delete: old is the replaced route"
is "$(eq '[[e["detail"]["dst"], e["detail"].get("gw"), e["detail"]["family"]] for e in E if e["detail"]["dst"] == "default"]')" \
    '[["default", "198.18.1.2", "inet"], ["default", "198.18.1.2", "inet"]]' \
    "default route: dst \"default\" (add and delete)"
is "$(eq '[[[h.get("gw"), h.get("link_index")] for h in e["detail"].get("nexthops", [])] for e in E if e["detail"]["dst"] == "10.9.0.0/16"][0]')" \
    "[[\"198.18.1.2\", $IA], [\"198.18.2.2\", $IC]]" \
    "multipath: detail.nexthops with both next hops (gw, link_index)"
is "$(evq "$MR100" 'R(E)')" '[["add", 100, "10.2.0.0/16"], ["delete", 100, "10.2.0.0/16"]]' \
    "route_table 100: table 100 only"
is "$(evq "$MRD" 'R(E)')" \
    '[["add", 254, "10.1.0.0/16"], ["update", 254, "10.1.0.0/16"], ["add", 100, "10.2.0.0/16"], ["add", 254, "10.9.0.0/16"], ["add", 254, "10.3.0.0/16"], ["delete", 254, "10.1.0.0/16"], ["delete", 100, "10.2.0.0/16"], ["delete", 254, "10.9.0.0/16"]]' \
    "route_dst 10.0.0.0/8: routes inside it; not 10.0.0.0/7, not default, any table"
is "$(evq "$MRZ" 'R(E)')" \
    '[["add", 254, "10.1.0.0/16"], ["update", 254, "10.1.0.0/16"], ["add", 254, "10.0.0.0/7"], ["add", 100, "10.2.0.0/16"], ["add", 254, "default"], ["add", 254, "10.9.0.0/16"], ["add", 254, "10.3.0.0/16"], ["delete", 254, "10.1.0.0/16"], ["delete", 100, "10.2.0.0/16"], ["delete", 254, "default"], ["delete", 254, "10.9.0.0/16"], ["add", 254, "198.18.3.0/24"]]' \
    "route_dst 0.0.0.0/0: every IPv4 route, the default one included; no IPv6"
is "$(evq "$MRIF" 'R(E)')" \
    '[["add", 100, "10.2.0.0/16"], ["add", 254, "10.9.0.0/16"], ["delete", 100, "10.2.0.0/16"], ["delete", 254, "10.9.0.0/16"]]' \
    "interface_name vC on routes: its oif or a next hop; routes via vA do not match"
is "$(evq "$MRP" '[[e["change"], e["detail"]["dst"], e["detail"]["protocol"], e["detail"]["protocol_name"]] for e in E]')" \
    '[["add", "10.3.0.0/16", 4, "static"]]' "protocol static: the proto static route only"
evget "$MRN"
NK=$(eq 'R(E)')
is "$(eq '[x for x in E if x["detail"]["table"] == 255 or x["detail"]["type"] in ("local", "broadcast", "multicast") or x["detail"]["dst"].startswith(("fe80:", "ff"))]')" \
    '[]' "no include_kernel: no local/broadcast/table 255/fe80/multicast routes"
is "$(pyq <(echo "$NK") 'j[-4:]')" \
    '[["delete", 254, "10.9.0.0/16"], ["add", 254, "198.18.3.0/24"], ["add", 254, "2001:db8:5::/64"], ["add", 200, "2001:db8:ff::/48"]]' \
    "... the address's prefix route in the main table is there (proto kernel, not noise)"
is "$(pyq <(echo "$NK") 'len(j)')" 14 "unfiltered route monitor: the 14 route changes"
evget "$MRK"
is "$(eq 'sorted([e["change"], e["detail"]["table"], e["detail"]["dst"], e["detail"]["type"], e["detail"]["protocol_name"]] for e in E if e["detail"]["table"] == 255)')" \
    '[["add", 255, "198.18.3.1/32", "local", "kernel"], ["add", 255, "198.18.3.255/32", "broadcast", "kernel"]]' \
    "include_kernel: the local table's local and broadcast routes of the new address"
is "$(eq '[x for x in R(E) if x[1] != 255]')" "$NK" \
    "include_kernel: the other events as without it"
is "$(evq "$MD" 'E')" '[]' "enabled:false: nothing recorded"
# IPv6 keeps routes to one prefix and metric through two devices apart
# (ip route append; ip route show lists both): two routes, not one.
n -6 route append 2001:db8:5::/64 dev vC
evwait "$MRN" 'len([x for x in R(E) if x[2] == "2001:db8:5::/64"]) >= 2'
is "$(evq "$MRN" '[[e["change"], e["detail"]["interface_name"], e["detail"]["link_index"]] for e in E if e["detail"]["dst"] == "2001:db8:5::/64"]')" \
    "[[\"add\", \"vA\", $IA], [\"add\", \"vC\", $IC]]" \
    "a second IPv6 route to 2001:db8:5::/64 through vC (ip route append): an add, not an update of vA's"
is "$(evq "$MRIF" '[x for x in R(E) if x[2] == "2001:db8:5::/64"]')" '[["add", 254, "2001:db8:5::/64"]]' \
    "... interface_name vC: that add only"
n -6 route del 2001:db8:5::/64 dev vA
n -6 route del 2001:db8:5::/64 dev vC
evwait "$MRN" 'len([x for x in R(E) if x == ["delete", 254, "2001:db8:5::/64"]]) >= 2'
is "$(evq "$MRN" '[[e["change"], e["detail"]["interface_name"], e["old"]["interface_name"]] for e in E if e["detail"]["dst"] == "2001:db8:5::/64" and e["change"] == "delete"]')" \
    '[["delete", "vA", "vA"], ["delete", "vC", "vC"]]' \
    "deleting the two IPv6 routes to 2001:db8:5::/64 (dev vA, then dev vC): a delete of each, with its own interface"

# --- 4. PATCH ------------------------------------------------------------------

patch "$MD" '{"enabled":true}'
is "$API_CODE $(cat "$API_BODY")" "204 " "PATCH {enabled:true}: 204, no body"
is "$(mget "$MD" 'j["enabled"]')" true "GET: enabled true"
n route add 10.4.0.0/16 via 198.18.2.2 table 100
evwait "$MD" 'len(E) >= 1'
is "$(evq "$MD" 'R(E)')" '[["add", 100, "10.4.0.0/16"]]' "enabled by PATCH: records"
patch "$MD" '{"filter":{"route_dst":"10.5.0.0/16"}}'
is "$API_CODE" 204 "PATCH filter: 204"
is "$(mget "$MD" 'j["filter"]')" '{"route_dst": "10.5.0.0/16"}' \
    "PATCH filter replaces the whole filter (route_table gone)"
n route add 10.4.1.0/24 via 198.18.2.2 table 100
n route add 10.5.1.0/24 via 198.18.1.2
evwait "$MD" 'len(E) >= 2'
sleep 0.2
is "$(evq "$MD" 'R(E)')" '[["add", 100, "10.4.0.0/16"], ["add", 254, "10.5.1.0/24"]]' \
    "after PATCH filter: the main table's route inside 10.5.0.0/16, not table 100's outside it"
patch "$MRM" '{"type":"ip"}'
is "$API_CODE $(field)" "400 type" "PATCH {type:ip} on a route monitor: 400, field type"
patch "$MRM" '{"type":"route"}'
is "$API_CODE" 204 "PATCH {type:route} (unchanged): 204"
patch "$MRM" '{"filter":{"prefix":"bogus"}}'
is "$API_CODE $(field)" "400 filter.prefix" "PATCH with a bad filter: 400, field filter.prefix"
is "$(mget "$MRM" 'j["filter"]')" '{"route_table": 254}' "... the filter is unchanged"
patch nosuch-99999 '{"enabled":false}'
is "$API_CODE" 404 "PATCH of an unknown id: 404"
api rw DELETE /api/v1/monitors/nosuch-99999 >/dev/null
is "$API_CODE" 404 "DELETE of an unknown id: 404"

# --- 5. the ring -------------------------------------------------------------------

mon MRING '{"type":"route","event_buffer_size":3,"filter":{"route_table":101}}'
for i in 1 2 3 4 5; do
	n route add "10.6.$i.0/24" via 198.18.1.2 table 101
done
evwait "$MRING" '"10.6.5.0/24" in [x[2] for x in R(E)]'
is "$(evq "$MRING" '[x[2] for x in R(E)]')" '["10.6.3.0/24", "10.6.4.0/24", "10.6.5.0/24"]' \
    "event_buffer_size 3: the newest 3, oldest first"
is "$(mget "$MRING" '[j["event_buffer_size"], j["events_total"], j["events_kept"]]')" \
    '[3, 5, 3]' "GET: event_buffer_size 3, events_total 5, events_kept 3"
evget "$MRING" '?last=2'
is "$API_CODE $(eq '[x[2] for x in R(E)]')" '200 ["10.6.4.0/24", "10.6.5.0/24"]' \
    "?last=2: the newest 2, oldest first"
evget "$MRING" '?last=1'
is "$(eq '[x[2] for x in R(E)]')" '["10.6.5.0/24"]' "?last=1: the newest"
evget "$MRING" '?last=50'
is "$(eq 'len(E)')" 3 "?last=50: all 3 kept"
# 0 is every event kept, as for a task's samples.
evget "$MRING" '?last=0'
is "$API_CODE $(eq 'len(E)')" "200 3" "?last=0: all 3 kept"
for l in x -1 2.5; do
	evget "$MRING" "?last=$l"
	is "$API_CODE $(field)" "400 last" "?last=$l: 400, field last"
done
evget "$MAX"
is "$API_CODE $(cat "$EVF")" "200 []" "a monitor without events: []"
evget "$MAX" '?last=2'
is "$API_CODE $(cat "$EVF")" "200 []" "... ?last=2: []"
is "$(mget "$MAX" '[j["events_total"], j["events_kept"], "last_event_at" in j]')" \
    '[0, 0, false]' "... events_total 0, no last_event_at"

# --- 6. bad input -------------------------------------------------------------------

api rw GET /api/v1/monitors >/dev/null
NMON=$(json_get "$API_BODY" 'len(j)')
bad() {
	api rw POST /api/v1/monitors -H 'Content-Type: application/json' \
	    --data-binary "$2" >/dev/null
	is "$API_CODE $(field)" "400 $1" "POST $2: 400, field $1"
}
bad type '{}'
bad type '{"type":"bogus"}'
bad type '{"type":7}'
bad filter.prefix '{"type":"ip","filter":{"prefix":"198.18.0.0/33"}}'
bad filter.prefix '{"type":"ip","filter":{"prefix":"not-a-cidr"}}'
bad filter.route_dst '{"type":"interface","filter":{"route_dst":"10.0.0.0/8"}}'
bad filter.route_dst '{"type":"route","filter":{"route_dst":"10.0.0.0/99"}}'
bad filter.colour '{"type":"route","filter":{"colour":"red"}}'
bad event_buffer_size '{"type":"route","event_buffer_size":0}'
bad event_buffer_size '{"type":"route","event_buffer_size":100001}'
bad filter.interface_name '{"type":"interface","filter":{"interface_name":"abcdefghijklmnop"}}'
bad filter.family '{"type":"route","filter":{"family":"ipx"}}'
bad filter.protocol '{"type":"route","filter":{"protocol":"nosuchproto"}}'
bad filter.route_table '{"type":"route","filter":{"route_table":-1}}'
bad filter.interface_index '{"type":"ip","filter":{"interface_index":-1}}'
bad filter '{"type":"route","filter":[1]}'
bad enabled '{"type":"route","enabled":"yes"}'
api rw POST /api/v1/monitors -H 'Content-Type: application/json' \
    --data-binary '{"type":' >/dev/null
is "$API_CODE" 400 "POST of broken JSON: 400"
api rw GET /api/v1/monitors >/dev/null
is "$(json_get "$API_BODY" 'len(j)')" "$NMON" "no monitor was created by the refusals"
proc_alive "$LOPAD_PID"
result $? "lopad still runs"
n route add 10.8.0.0/16 via 198.18.1.2
evwait "$MRN" '["add", 254, "10.8.0.0/16"] in R(E)'
result $? "the monitors keep recording"

# --- 7. webhooks ----------------------------------------------------------------------

SLOG=$LOPAD_DIR/sink.log
: >"$SLOG"
ip netns exec "$NS" python3 "$SINK" -s "$SECRET" 127.0.0.1 "$PW" "$SLOG" \
    >"$LOPAD_DIR/sink.out" 2>&1 </dev/null &
SINK_PID=$!
cleanup_push "kill $SINK_PID 2>/dev/null"
wait_until 10000 50 grep -q '^ready' "$LOPAD_DIR/sink.out" ||
    diag "the receiver did not start: $(cat "$LOPAD_DIR/sink.out")"
MON_FAILS=0
mon MW "{\"type\":\"route\",\"name\":\"hooked\",\"labels\":{\"k\":\"v\"},\"event_buffer_size\":50,\"filter\":{\"route_table\":102},\"webhook_url\":\"http://127.0.0.1:$PW/signed\",\"webhook_secret\":\"$SECRET\"}"
mon MW2 "{\"type\":\"route\",\"filter\":{\"route_table\":102},\"alert_callback_url\":\"http://127.0.0.1:$PW/plain\"}"
is "$MON_FAILS" 0 "monitors with webhook_url (and a secret), alert_callback_url"
is "$(mget "$MW" '[j.get("webhook_url"), "webhook_secret" in j, j.get("name"), j.get("labels")]')" \
    "[\"http://127.0.0.1:$PW/signed\", false, \"hooked\", {\"k\": \"v\"}]" \
    "GET: webhook_url, name, labels shown; webhook_secret not"
n route add 10.7.1.0/24 via 198.18.1.2 table 102
n route replace 10.7.1.0/24 via 198.18.1.3 table 102
n route add 10.7.2.0/24 via 198.18.2.2 table 102
n route del 10.7.1.0/24 table 102
# sinkq EXPR: over S (the receiver's records).
sinkq() {
	python3 -c '
import json, sys
S = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def P(path): return [r for r in S if r["path"] == path]
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$SLOG" "$1" 2>/dev/null
}
sink_n() {
	[ "$(sinkq "len(P('$1'))")" -ge "$2" ]
}
wait_until 10000 50 sink_n /signed 4 || diag "the receiver got $(wc -l <"$SLOG") requests"
wait_until 5000 50 sink_n /plain 4
evget "$MW"
cp "$EVF" "$LOPAD_DIR/mw.json"
is "$(eq 'R(E)')" '[["add", 102, "10.7.1.0/24"], ["update", 102, "10.7.1.0/24"], ["add", 102, "10.7.2.0/24"], ["delete", 102, "10.7.1.0/24"]]' \
    "webhook monitor: its 4 events"
is "$(sinkq '[r["json"] for r in P("/signed")]')" "$(eq 'E')" \
    "webhook: the POSTed bodies equal the events (same ids), in order"
is "$(sinkq '[[r["method"], r["sig_ok"], r["headers"].get("Content-Type")] for r in P("/signed")]')" \
    '[["POST", true, "application/json"], ["POST", true, "application/json"], ["POST", true, "application/json"], ["POST", true, "application/json"]]' \
    "webhook_secret: each POST application/json with a valid HMAC signature"
is "$(sinkq '[[r["json"]["monitor_id"], r["json"]["change"], "X-Lopa-Signature" in r["headers"]] for r in P("/plain")]')" \
    "[[\"$MW2\", \"add\", false], [\"$MW2\", \"update\", false], [\"$MW2\", \"add\", false], [\"$MW2\", \"delete\", false]]" \
    "alert_callback_url without a secret: delivered, unsigned"

# --- 8. GET /api/v1/events --------------------------------------------------------------

# sse ID: the "monitor" events of monitor ID in the stream.
sse() {
	python3 -c '
import json, sys
out = []
for block in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    ev, data = None, []
    for line in block.split("\n"):
        if line.startswith("event: "):
            ev = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
    if ev != "monitor":
        continue
    try:
        d = json.loads("\n".join(data))
    except ValueError:
        continue
    if d.get("monitor_id") == sys.argv[2]:
        out.append(d)
print(json.dumps(out, sort_keys=True))
' "$EV" "$1"
}
like "$(tr -d '\r' <"$EV.h")" '^Content-Type: text/event-stream$' \
    "/api/v1/events: an event stream"
is "$(sse "$MW")" "$(pyq "$LOPAD_DIR/mw.json" 'E')" \
    "/api/v1/events: event: monitor blocks equal to the webhook monitor's events"
is "$(sse "$MRM")" "$(evq "$MRM" 'E')" \
    "/api/v1/events: ... and to the main table monitor's"

# --- 9. persistence -------------------------------------------------------------------

mon MOFF '{"type":"interface","enabled":false,"filter":{"interface_name":"v*"}}'
api rw DELETE "/api/v1/monitors/$MRP" >/dev/null
is "$API_CODE" 204 "DELETE the protocol monitor before the restart"
api rw GET /api/v1/monitors >/dev/null
cp "$API_BODY" "$LOPAD_DIR/before.json"
kill "$EV_PID" 2>/dev/null
lopad_stop
is "$LOPAD_EXIT" 0 "lopad stops (SIGTERM): exit 0"
lopad_start "$NS" "monitor:
  receive_buffer: 65536" || give_up "lopad did not start again"
api rw GET /api/v1/monitors >/dev/null
cp "$API_BODY" "$LOPAD_DIR/after.json"
# Both lists: id -> the parameters.
PARAMS='{m["id"]: {k: m.get(k) for k in ("type", "name", "filter", "enabled", "include_kernel", "event_buffer_size", "labels", "webhook_url")} for m in j}'
is "$(pyq "$LOPAD_DIR/after.json" "$PARAMS")" "$(pyq "$LOPAD_DIR/before.json" "$PARAMS")" \
    "after a restart: the same monitors, same ids and parameters (PATCHed ones as PATCHed)"
is "$(pyq "$LOPAD_DIR/after.json" "[m['id'] for m in j if m['id'] in ('$MRP', '$MIG', '$MAA')]")" '[]' \
    "deleted monitors do not come back"
is "$(pyq "$LOPAD_DIR/after.json" '[[m["id"], m["events_total"], m["events_kept"]] for m in j if m["events_total"] or m["events_kept"]]')" \
    '[]' "rings are empty after the restart (events_total, events_kept 0)"
is "$(evq "$MRN" 'E')" '[]' "... GET events: []"
mon MNEW '{"type":"ip"}'
is "$(pyq "$LOPAD_DIR/before.json" "'$MNEW' in [m['id'] for m in j]")" false \
    "a new monitor gets a new id ($MNEW)"
: >"$SLOG"
n route add 10.7.9.0/24 via 198.18.1.2 table 102
wait_until 10000 50 sink_n /signed 1
is "$(sinkq '[[r["json"]["monitor_id"], r["json"]["detail"]["dst"], r["sig_ok"]] for r in P("/signed")]')" \
    "[[\"$MW\", \"10.7.9.0/24\", true]]" \
    "the restored webhook monitor delivers, signed with its saved secret"

# --- 10. overrun ------------------------------------------------------------------------

mon MO '{"type":"route","event_buffer_size":10000,"filter":{"route_dst":"10.128.0.0/9"}}'
BATCH=$LOPAD_DIR/batch
for ((i = 0; i < 5000; i++)); do
	echo "route add 10.$((128 + i / 250)).$((i % 250)).0/24 via 198.18.1.2"
done >"$BATCH"
NLPID=$(lopad_role_pid netlink)
if [ -n "$NLPID" ]; then
	cleanup_push "kill -CONT $NLPID 2>/dev/null"
	kill -STOP "$NLPID"
	n -batch "$BATCH" || diag "ip -batch failed"
	kill -CONT "$NLPID"
else
	diag "no netlink process"
fi
evwait "$MO" '"resync" in [e["change"] for e in E]' 30000
sleep 0.5
evget "$MO"
cp "$EVF" "$LOPAD_DIR/mo.json"
is "$(eq '[len(E), len([e for e in E if e["change"] == "add"]), [e["change"] for e in E if e["change"] != "add"]]')" \
    '[5001, 5000, ["resync"]]' "overrun: 5000 adds and one resync, nothing else"
is "$(eq 'sorted(e["detail"]["dst"] for e in E if e["change"] == "add") == sorted("10.%d.%d.0/24" % (128 + i // 250, i % 250) for i in range(5000))')" \
    true "... an add for each of the 5000 routes"
is "$(eq '[E[-1]["change"], E[-1]["type"], E[-1]["detail"]["reason"], isinstance(E[-1]["detail"]["changes"], int) and E[-1]["detail"]["changes"] >= 1]')" \
    '["resync", "route", "netlink overrun", true]' \
    "... the resync comes last: type route, reason \"netlink overrun\", changes >= 1"
# Every enabled monitor: one resync in its ring (the newest events).
api rw GET /api/v1/monitors >/dev/null
cp "$API_BODY" "$LOPAD_DIR/mons.json"
RS=""
for m in $(pyq "$LOPAD_DIR/mons.json" '" ".join(m["id"] for m in j if m["enabled"])'); do
	c=$(evq "$m" 'len([e for e in E if e["change"] == "resync"])')
	[ "$c" = 1 ] || RS="$RS $m:$c"
done
is "$RS" "" "every enabled monitor: exactly one resync event"
is "$(evq "$MOFF" 'E')" '[]' "the disabled (restored) monitor: nothing, no resync"
api rw GET /api/v1/status >/dev/null
cp "$API_BODY" "$LOPAD_DIR/status.json"
is "$(json_get "$API_BODY" '[j["netlink"]["state"], j["netlink"]["resyncs"], j["netlink"]["overruns"] >= 1, j["netlink"].get("route_overflow")]')" \
    '["ok", 1, true, 0]' "status: netlink ok, resyncs 1, overruns >= 1, no route overflow"

# The non-kernel routes as (table, dst): ip's view and GET /api/v1/routes.
ROUTES_NORM='
def nt(t):
    return {"main": 254, "local": 255, "default": 253, None: 254}.get(t, t)
def nd(d):
    if d != "default" and "/" not in d:
        d += "/128" if ":" in d else "/32"
    return d
def noise(t, d, ty):
    return (t == 255 or ty in ("local", "broadcast", "multicast", "anycast")
            or d.startswith(("fe80:", "ff")) or
            (":" not in d and d != "default" and 224 <= int(d.split(".")[0]) < 240))
def norm(rs, kt, kd, kty):
    out = []
    for r in rs:
        t = nt(r.get(kt))
        t = int(t) if isinstance(t, str) and t.isdigit() else t
        d = nd(r[kd])
        if not noise(t, d, r.get(kty, "unicast")):
            out.append([t, d])
    return sorted(out)
'
n -j route show table all >"$LOPAD_DIR/ipall.json"
python3 -c "$ROUTES_NORM"'
import json, sys
print(json.dumps(norm(json.load(open(sys.argv[1])), "table", "dst", "type")))
' "$LOPAD_DIR/ipall.json" >"$LOPAD_DIR/ipr.json"
api rw GET /api/v1/routes >/dev/null
is "$API_CODE $(python3 -c "$ROUTES_NORM"'
import json, sys
want = json.load(open(sys.argv[2]))
try:
    got = norm(json.load(open(sys.argv[1])), "table", "dst", "type")
except Exception as e:
    print("unreadable: %s" % e)
    sys.exit(0)
if got == want:
    print("same")
else:
    g, w = [tuple(x) for x in got], [tuple(x) for x in want]
    print("%d routes, ip %d; only in lopad %s; only in ip %s" % (len(g), len(w),
          sorted(set(g) - set(w))[:5], sorted(set(w) - set(g))[:5]))
' "$API_BODY" "$LOPAD_DIR/ipr.json")" "200 same" \
    "GET /api/v1/routes equals ip route show table all (non-kernel routes, as (table, dst)) after the overrun"
is "$(pyq "$LOPAD_DIR/ipr.json" '[len(j) >= 5005, ["default"] != j[0]]')" '[true, true]' \
    "(sanity: ip shows the 5000 routes and the others)"

# --- 11. status counts ---------------------------------------------------------------------

NL=$(n -o link show | wc -l)
NA=$(n -o addr show | wc -l)
NR=$(n -o route show table all | wc -l)
is "$(json_get "$LOPAD_DIR/status.json" '[j["netlink"]["links"], j["netlink"]["addrs"], j["netlink"]["routes"]]')" \
    "[$NL, $NA, $NR]" "status: links, addrs, routes equal ip link/addr/route show (table all)"

proc_alive "$LOPAD_PID"
result $? "lopad still runs at the end"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad stops: exit 0"

done_testing
