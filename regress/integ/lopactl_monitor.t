#!/bin/bash
#
# lopactl's netlink monitors (TAP): lopad runs in a network namespace of
# the test's own, where the test makes veth pairs and changes them with
# ip(8) (198.18.0.0/15 and 2001:db8::/32 only); lopactl adds monitors of
# each type with filters and reads what they recorded.  Covered:
#  - usage errors, before any request (the socket given does not exist,
#    so a request would exit 3): exit 2, a message naming the option;
#  - monitor add (text: the id; -j: the monitor), each type and filter;
#  - interface: a veth pair created, mtu changed, down and up, renamed
#    (a monitor by index); ip: IPv4 and IPv6 addresses added and deleted,
#    filtered by prefix, family and interface; route: add, replace,
#    delete in table 100, a default route, main with a protocol, IPv6,
#    the kernel's local routes only with --include-kernel;
#  - monitor events, text (AT TYPE CHANGE DETAIL) and -j (the spec's
#    fields: old and new of an update hold what changed only);
#  - monitor list and show, text and -j; a webhook's secret shown nowhere;
#  - monitor update: disable (nothing recorded) and enable, Lopa's
#    --enabled, the filter replaced whole, name, labels, buffer;
#  - monitor alone: a line per monitor event, and -j;
#  - the API's refusals (404, a duplicate name, the read-only socket):
#    exit status and the message naming the field; monitor delete;
#  - lopad's route state: IPv6 routes to one prefix on two devices are
#    two routes; IPv4 routes the kernel drops silently when their link
#    goes down are reported deleted.
# A change that must not be recorded is checked once a monitor without
# filter (a sentinel) has recorded it.  Every wait is bounded.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 172

need_root
lopad_init

OUT=$LOPAD_DIR/client/out
ERR=$LOPAD_DIR/client/err
EVS=$LOPAD_DIR/client/events.json
SNAP=$LOPAD_DIR/client/snap.json
NOSOCK=$LOPAD_DIR/client/nosock
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
HEAD='AT                       TYPE      CHANGE DETAIL'

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

# usage_error DESC ERE ARGS...: lopactl ARGS, on a socket that does not
# exist, exits 2, prints nothing on stdout and a message matching ERE.
usage_error() {
	local desc=$1 ere=$2

	shift 2
	timeout -k 2 20 "$LOPACTL" -s "$NOSOCK" "$@" >"$OUT" 2>"$ERR"
	rc=$?
	out=$(cat "$OUT")
	err=$(cat "$ERR")
	if [ "$rc" -eq 2 ] && [ -z "$out" ] &&
	    printf '%s\n' "$err" | grep -Eq -- "$ere"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "lopactl $*: exit $rc, want 2"
		diag "stdout: $out"
		diag "stderr: $err (want '$ere')"
	fi
}

# api_refuses DESC RC ERE ARGS...: lopactl ARGS exits RC with nothing on
# stdout and a message matching ERE (the daemon refused).
api_refuses() {
	local desc=$1 want=$2 ere=$3

	shift 3
	ctl "$@"
	if [ "$rc" -eq "$want" ] && [ -z "$out" ] &&
	    printf '%s\n' "$err" | grep -Eq -- "$ere"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "lopactl $*: exit $rc, want $want"
		diag "stdout: $out"
		diag "stderr: $err (want '$ere')"
	fi
}

# nsip ARGS...: ip(8) inside the namespace; a failure is shown.
nsip() {
	ip -n "$NS" "$@" || diag "ip -n $NS $*: failed"
}

# ifindex NAME: the interface's index in the namespace.
ifindex() {
	ip -n "$NS" -o link show "$1" 2>/dev/null | cut -d: -f1
}

# add VAR ARGS...: monitor add ARGS; its id (the output) into VAR.
add() {
	local var=$1

	shift
	ctl monitor add "$@"
	printf -v "$var" '%s' "$out"
}

# evq ID EXPR: the python expression EXPR holds of the monitor's events
# (lopactl -j monitor events ID --last 1000, in EVS).  In EXPR: ev the
# list; d(e), o(e), n(e) an event's detail, old and new ({} if none);
# last(PRED) the index of the last event PRED holds of (len(ev) if none).
evq() {
	timeout -k 2 10 "$LOPACTL" -s "$LOPAD_SOCK" -j monitor events "$1" \
	    --last 1000 >"$EVS" 2>/dev/null || return 1
	python3 - "$EVS" "$2" <<'EOF'
import json, sys
try:
    ev = json.load(open(sys.argv[1])) or []
except Exception:
    sys.exit(2)
def d(e): return e.get("detail") or {}
def o(e): return e.get("old") or {}
def n(e): return e.get("new") or {}
def last(pred):
    k = [i for i, e in enumerate(ev) if pred(e)]
    return k[-1] if k else len(ev)
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}

# ev_ok DESC ID EXPR: EXPR holds within 5 s.
ev_ok() {
	if wait_until 5000 100 evq "$2" "$3"; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	diag "monitor $2: no events such that: $3"
	diag "events: $(head -c 3000 "$EVS")"
	return 1
}

# ev_now DESC ID EXPR: EXPR holds now (after a sentinel saw the change).
ev_now() {
	if evq "$2" "$3"; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	diag "monitor $2: not true of its events: $3"
	diag "events: $(head -c 3000 "$EVS")"
	return 1
}

# seen ID EXPR: wait (5 s at most) for a sentinel's event; diag if none.
seen() {
	wait_until 5000 100 evq "$1" "$2" ||
	    diag "sentinel $1 saw no event such that: $2"
}

# snap ID: lopactl -j monitor show ID into SNAP; sget EXPR: json_get on it.
snap() {
	timeout -k 2 10 "$LOPACTL" -s "$LOPAD_SOCK" -j monitor show "$1" \
	    >"$SNAP" 2>/dev/null
}
sget() {
	json_get "$SNAP" "$1"
}

# text_events ID: the text of monitor events ID --last 1000 into out.
text_events() {
	ctl monitor events "$1" --last 1000
}

# Background lopactl, bounded: bg NAME ARGS... (output in
# $LOPAD_DIR/NAME.out, PID in BG_PID); bg_end PID waits for it (SIGKILL
# after 5 s) and sets rc.  Those not reaped are killed at exit.
declare -A BG_LIVE=()
bg_kill() {
	local p

	for p in "${!BG_LIVE[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
}
cleanup_push bg_kill
bg() {
	local name=$1

	shift
	timeout -k 2 90 "$LOPACTL" -s "$LOPAD_SOCK" "$@" \
	    >"$LOPAD_DIR/$name.out" 2>"$LOPAD_DIR/$name.err" &
	BG_PID=$!
	BG_LIVE[$BG_PID]=1
}
bg_end() {
	local pid=$1

	if wait_until 5000 50 eval "! proc_alive $pid"; then
		wait "$pid"
		rc=$?
	else
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rc=255
		diag "lopactl (pid $pid) still ran after 5000 ms: killed"
	fi
	unset "BG_LIVE[$pid]"
}
# warm FILE ERE_FMT: the stream written to FILE is live: a count task
# created now shows up in it (ERE_FMT has a %s for its id).
warm() {
	task_create ping '{"target":"127.0.0.1","count":1,"interval":"10ms","timeout":"1s"}' ||
	    return 1
	# shellcheck disable=SC2059
	wait_until 1500 50 grep -Eq "$(printf "$2" "$TASK_ID")" "$1"
}

# --- 1. Usage errors and the usage text: lopactl alone (3 + 29)

ctl -h
expect_rc 0 "-h: exit 0"
like "$out" '^	monitor add --type interface\|ip\|route \[--interface NAME\] \[--index N\] \[--prefix CIDR\] \[--table TABLE\] \[--route-dst CIDR\] \[--family inet\|inet6\] \[--protocol PROTO\] \[--include-kernel\] \[--buffer N\] \[--name NAME\] \[--label KEY=VALUE \.\.\.\] \[--webhook-url URL\] \[--webhook-secret-file FILE\] \[--disabled\]$' \
    "-h: monitor add and its options"
like "$out" '^	monitor events ID \[--last N\]$' "-h: monitor events"

usage_error "add without --type" \
    '^lopactl: missing option --type interface\|ip\|route$' monitor add
usage_error "add --type link" \
    '^lopactl: invalid argument "link" to --type: expected interface, ip or route$' \
    monitor add --type link
usage_error "a prefix without length" \
    '^lopactl: invalid argument "198\.18\.1\.0" to --prefix: expected ADDRESS/LENGTH, such as 198\.18\.0\.0/15 or 2001:db8::/32$' \
    monitor add --type ip --prefix 198.18.1.0
usage_error "a route destination /33" \
    '^lopactl: invalid argument "198\.19\.0\.0/33" to --route-dst: prefix length "33" is too large \(0 to 32 for IPv4\)$' \
    monitor add --type route --route-dst 198.19.0.0/33
usage_error "an IPv6 prefix /129" \
    '^lopactl: invalid argument "2001:db8::/129" to --prefix: prefix length "129" is too large \(0 to 128 for IPv6\)$' \
    monitor add --type ip --prefix 2001:db8::/129
usage_error "not an address" \
    '^lopactl: invalid argument "198\.18\.0\.256/24" to --prefix: "198\.18\.0\.256" is not an IPv4 or IPv6 address$' \
    monitor add --type ip --prefix 198.18.0.256/24
usage_error "--index -1" \
    '^lopactl: invalid argument "-1" to --index: too small \(minimum 0\)$' \
    monitor add --type interface --index -1
usage_error "--table 1x" \
    '^lopactl: invalid argument "1x" to --table: not a number$' \
    monitor add --type route --table 1x
usage_error "--table beyond 32 bits" \
    '^lopactl: invalid argument "4294967296" to --table: too large \(maximum 4294967295\)$' \
    monitor add --type route --table 4294967296
usage_error "--table with an unknown name" \
    '^lopactl: invalid argument "mian" to --table: expected main, local or default \(or a number\)$' \
    monitor add --type route --table mian
usage_error "--buffer 0" \
    '^lopactl: invalid argument "0" to --buffer: too small \(minimum 1\)$' \
    monitor add --type ip --buffer 0
usage_error "--protocol 256" \
    '^lopactl: invalid argument "256" to --protocol: too large \(maximum 255\)$' \
    monitor add --type route --protocol 256
usage_error "--family ip4" \
    '^lopactl: invalid argument "ip4" to --family: expected inet or inet6$' \
    monitor add --type ip --family ip4
usage_error "events --last 0" \
    '^lopactl: invalid argument "0" to --last: too small \(minimum 1\)$' \
    monitor events x-1 --last 0
usage_error "a label without =" \
    '^lopactl: --label site: expected KEY=VALUE$' \
    monitor add --type ip --label site
usage_error "a label given twice" \
    '^lopactl: --label: site given twice$' \
    monitor add --type ip --label site=a --label site=b
usage_error "an interface name of 16 bytes" \
    '^lopactl: --interface abcdefghijklmnop: longer than 15 bytes$' \
    monitor add --type interface --interface abcdefghijklmnop
usage_error "--webhook-url not http(s)" \
    '^lopactl: --webhook-url ftp://127\.0\.0\.1/x: not an http or https URL$' \
    monitor add --type ip --webhook-url ftp://127.0.0.1/x
SF=$LOPAD_DIR/client/secret
SECRET=mon-s3cret-$$-$RANDOM
( umask 077; printf '%s\n' "$SECRET" >"$SF" )
usage_error "a secret without webhook" \
    "^lopactl: --webhook-secret-file signs the webhook's notifications: give --webhook-url too\$" \
    monitor add --type ip --webhook-secret-file "$SF"
usage_error "a secret file that does not exist" \
    "^lopactl: $LOPAD_DIR/client/nosuch: No such file or directory\$" \
    monitor add --type ip --webhook-url http://127.0.0.1:9/m \
    --webhook-secret-file "$LOPAD_DIR/client/nosuch"
usage_error "--disabled and --enabled" \
    '^lopactl: --disabled and --enabled are mutually exclusive$' \
    monitor add --type ip --disabled --enabled true
usage_error "update with nothing to change" \
    '^lopactl: monitor update x-1: nothing to change' monitor update x-1
usage_error "update --enable --disable" \
    '^lopactl: --enable, --disable, --disabled and --enabled are mutually exclusive$' \
    monitor update x-1 --enable --disable
usage_error "update --no-filter with a filter option" \
    "^lopactl: --no-filter and the filter's options .* are mutually exclusive\$" \
    monitor update x-1 --no-filter --table 100
usage_error "update --type" \
    '^lopactl: unknown argument "--type" after "x-1"; valid: --interface NAME, ' \
    monitor update x-1 --type ip
usage_error "list with an argument" \
    '^lopactl: unexpected argument "x" after "list"$' monitor list x
usage_error "show without id" \
    '^lopactl: missing argument after "show"; valid: ID$' monitor show
usage_error "show ." '^lopactl: invalid ID "\."$' monitor show .
usage_error "an unknown monitor command" \
    '^lopactl: unknown argument "frob" after "monitor"; valid: add, list, show, delete, update, events$' \
    monitor frob

# --- 2. The daemon, its monitors API, a veth pair (4)

netns_new NS
lopad_start "$NS" || give_up "lopad did not start"
code=$(api rw GET /api/v1/monitors)
if [ "$code" != 200 ]; then
	diag "GET /api/v1/monitors: $code $(head -c 300 "$API_BODY")"
	give_up "the daemon has no monitors API (GET /api/v1/monitors: $code)"
fi
ok "GET /api/v1/monitors: 200"

nsip link add vA type veth peer name vB
nsip addr add 198.18.0.1/24 dev vA
nsip addr add 198.18.5.2/24 dev vB
nsip -6 addr add 2001:db8:1::1/64 dev vA nodad
nsip -6 addr add 2001:db8:5::2/64 dev vB nodad
nsip link set vA up
nsip link set vB up
IFA=$(ifindex vA)

ctl status
like "$out" '^netlink  ok, [0-9]+ events, [0-9]+ resyncs, [0-9]+ overruns; [1-9][0-9]* links, [0-9]+ addrs, [0-9]+ routes$' \
    "status: the netlink process's line"
ctl monitor list
expect_rc 0 "monitor list without monitors: exit 0"
is "$out" 'ID TYPE INTERFACE PREFIX TABLE ROUTE_DST ENABLED WEBHOOK NAME EVENTS' \
    "monitor list without monitors: the header only"

# --- 3. monitor add (19)

add M_IPANY --type ip
expect_rc 0 "add: an ip monitor without filter (a sentinel)"
add M_RTALL --type route --name all-routes
expect_rc 0 "add: a route monitor without filter (a sentinel)"
add M_IF --type interface --interface vC --name if-vC --label test=lopactl \
    --label run=$$
expect_rc 0 "add: interface vC, a name, labels"
add M_IP --type ip --prefix 198.18.1.0/24 --family inet
expect_rc 0 "add: ip in 198.18.1.0/24, IPv4"
add M_IP6 --type ip --family inet6 --interface vA
expect_rc 0 "add: ip, IPv6, on vA"
add M_IPB --type ip --interface vB --name ip-vB
expect_rc 0 "add: ip on vB"
add M_DIS --type=ip --disabled
expect_rc 0 "add: ip, --disabled"
add M_RTMAIN --type route --table main --route-dst 198.19.0.0/16 \
    --protocol static --family ipv4
expect_rc 0 "add: route, main, 198.19.0.0/16, protocol static"
add M_RT6 --type route --family inet6 --table 100
expect_rc 0 "add: route, IPv6, table 100"
add M_LOC --type route --table local --route-dst 198.18.1.0/24 \
    --include-kernel
expect_rc 0 "add: route, table local, --include-kernel"
add M_LOCX --type route --table local --route-dst 198.18.1.0/24
expect_rc 0 "add: route, table local, without --include-kernel"

ctl -j monitor add --type route --table 100 --route-dst 198.19.0.0/16 \
    --name rt100
expect_rc 0 "add -j: exit 0"
printf '%s\n' "$out" >"$SNAP"
M_RT=$(sget 'j["id"]')
is "$(sget '[j["type"], j["filter"], j["name"], j["enabled"], j["include_kernel"], j["event_buffer_size"], "webhook_url" in j]')" \
    '["route", {"route_dst": "198.19.0.0/16", "route_table": 100}, "rt100", true, false, 100, false]' \
    "add -j: the monitor: type, the filter as given, name, defaults"
like "$M_RT" '^[^ ]+-[0-9]+$' "add -j: an id <node>-<n>"
snap "$M_RTMAIN"
is "$(sget '[j["filter"]["route_table"], j["filter"]["route_dst"], j["filter"]["family"], j["filter"]["protocol"] in ("static", 4)]')" \
    '[254, "198.19.0.0/16", "inet", true]' \
    "add --table main --family ipv4 --protocol static: table 254, inet, static"
snap "$M_DIS"
is "$(sget 'j["enabled"]')" false "add --disabled: enabled false"
snap "$M_LOC"
is "$(sget '[j["include_kernel"], j["filter"]["route_table"]]')" '[true, 255]' \
    "add --include-kernel --table local: include_kernel, table 255"
add M_WH --type interface --interface vB --webhook-url http://127.0.0.1:9/m \
    --webhook-secret-file "$SF"
expect_rc 0 "add: a webhook and its secret"

# The monitors are live: a change now is recorded.
nsip addr add 198.18.3.1/32 dev vB
ev_ok "a change after the monitors exist is recorded (ip sentinel)" "$M_IPANY" \
    'any(e["change"] == "add" and d(e).get("address") == "198.18.3.1" for e in ev)'

# --- 4. interface: a veth pair, mtu, down and up, a rename (15)

nsip link add vC type veth peer name vD
IFC=$(ifindex vC)
ev_ok "interface: vC added (veth, its index)" "$M_IF" \
    "any(e['change'] == 'add' and d(e).get('name') == 'vC' and d(e).get('index') == $IFC and d(e).get('kind') == 'veth' for e in ev)"
ev_now "interface: only vC (filter --interface vC)" "$M_IF" \
    'all(d(e).get("name") == "vC" for e in ev if e["change"] != "resync")'
text_events "$M_IF"
like "$out" "^$TS interface add    vC index $IFC [a-z-]+ mtu 1500\$" \
    "events: an interface added: name, index, state, mtu"
is "$(printf '%s\n' "$out" | head -n 1)" "$HEAD" "events: the header"
nsip link set vD up
nsip link set vC up
ev_ok "interface: vC up (oper_state up)" "$M_IF" \
    'any(e["change"] == "update" and n(e).get("oper_state") == "up" for e in ev)'
nsip link set vC mtu 1400
ev_ok "interface: mtu 1500->1400, old and new hold the mtu only" "$M_IF" \
    'any(e["change"] == "update" and o(e) == {"mtu": 1500} and n(e) == {"mtu": 1400} for e in ev)'
ev_now "interface: the update's fields: id, monitor_id, task_id, type, at, detail" "$M_IF" \
    "any(e['id'].startswith('evt-') and e['monitor_id'] == '$M_IF' and e['task_id'] == '$M_IF' and e['type'] == 'interface' and e['at'][:2] == '20' and d(e).get('index') == $IFC and d(e).get('name') == 'vC' and d(e).get('mtu') == 1400 for e in ev if n(e).get('mtu') == 1400)"
nsip link set vC down
ev_ok "interface: down: oper_state up->down" "$M_IF" \
    'any(e["change"] == "update" and o(e).get("oper_state") == "up" and n(e).get("oper_state") == "down" for e in ev)'
nsip link set vC up
ev_ok "interface: up again, after the down" "$M_IF" \
    'any(n(e).get("oper_state") == "up" for e in ev[last(lambda e: o(e).get("oper_state") == "up" and n(e).get("oper_state") == "down"):])'
text_events "$M_IF"
like "$out" "^$TS interface update vC: mtu 1500->1400\$" \
    "events: mtu 1500->1400"
like "$out" "^$TS interface update vC: (.*, )?oper_state up->down(,|\$)" \
    "events: oper_state up->down"

add M_IDX --type interface --index "$IFC"
expect_rc 0 "add: interface by index"
nsip link set vC down
nsip link set vC name vE
nsip link set vE up
ev_ok "interface: renamed vC->vE (monitor by index)" "$M_IDX" \
    'any(e["change"] == "update" and o(e).get("name") == "vC" and n(e).get("name") == "vE" for e in ev)'
text_events "$M_IDX"
like "$out" "^$TS interface update (vE|vC): (.*, )?name vC->vE(,|\$)" \
    "events: name vC->vE"
ev_now "interface: the monitor by index saw nothing of vA, vB or vD" "$M_IDX" \
    "all(d(e).get('index') == $IFC for e in ev if e['change'] != 'resync')"

# --- 5. ip: addresses (14)

nsip addr add 198.18.1.1/24 dev vA
ev_ok "ip: 198.18.1.1/24 added (prefix 198.18.1.0/24)" "$M_IP" \
    "any(e['change'] == 'add' and d(e).get('address') == '198.18.1.1' and d(e).get('prefix_len') == 24 and d(e).get('family') == 'inet' and d(e).get('interface_name') == 'vA' and d(e).get('interface_index') == $IFA and d(e).get('scope') == 'global' and 'permanent' in (d(e).get('flags') or []) and 'old' not in e for e in ev)"
text_events "$M_IP"
like "$out" "^$TS ip        add    198\\.18\\.1\\.1/24 dev vA\$" \
    "events: an address added, with its interface"
nsip addr add 198.18.2.1/24 dev vA
seen "$M_IPANY" 'any(d(e).get("address") == "198.18.2.1" for e in ev)'
ev_now "ip: 198.18.2.1 (outside the prefix) not recorded" "$M_IP" \
    'not any(d(e).get("address") == "198.18.2.1" for e in ev)'
nsip addr add 198.18.1.2/24 dev vB
ev_ok "ip: an address on vB (--interface vB)" "$M_IPB" \
    'any(e["change"] == "add" and d(e).get("address") == "198.18.1.2" for e in ev)'
ev_now "ip: nothing of vA in the monitor of vB" "$M_IPB" \
    'all(d(e).get("interface_name") == "vB" for e in ev if e["change"] != "resync")'
nsip addr del 198.18.1.1/24 dev vA
ev_ok "ip: 198.18.1.1/24 deleted: old, no new" "$M_IP" \
    'any(e["change"] == "delete" and d(e).get("address") == "198.18.1.1" and "new" not in e for e in ev)'
text_events "$M_IP"
like "$out" "^$TS ip        delete 198\\.18\\.1\\.1/24 dev vA\$" \
    "events: an address deleted"
nsip -6 addr add 2001:db8:1::11/64 dev vA nodad
ev_ok "ip: an IPv6 address (--family inet6 --interface vA)" "$M_IP6" \
    'any(e["change"] == "add" and d(e).get("address") == "2001:db8:1::11" and d(e).get("prefix_len") == 64 and d(e).get("family") == "inet6" for e in ev)'
ev_now "ip: no IPv4 address in the IPv6 monitor" "$M_IP6" \
    'all(d(e).get("family") == "inet6" for e in ev if e["change"] != "resync")'
text_events "$M_IP6"
like "$out" "^$TS ip        add    2001:db8:1::11/64 dev vA\$" \
    "events: an IPv6 address added"
ev_now "ip: the disabled monitor recorded nothing: []" "$M_DIS" 'ev == []'
text_events "$M_DIS"
expect_rc 0 "events of a monitor without events: exit 0"
is "$out" "$HEAD" "events of a monitor without events: the header only"
ctl monitor events "$M_IP" --last 2
is "$(printf '%s\n' "$out" | sed 1d | wc -l)" 2 "events --last 2: two rows"

# --- 6. route: table 100, replace, delete, main, default, IPv6, kernel (19)

nsip route add 198.19.1.0/24 via 198.18.0.2 dev vA table 100 metric 10
ev_ok "route: added in table 100 (the spec's fields)" "$M_RT" \
    "any(e['change'] == 'add' and d(e).get('dst') == '198.19.1.0/24' and d(e).get('table') == 100 and d(e).get('gw') == '198.18.0.2' and d(e).get('interface_name') == 'vA' and d(e).get('link_index') == $IFA and d(e).get('metric') == 10 and d(e).get('family') == 'inet' and d(e).get('protocol') == 3 and d(e).get('protocol_name') == 'boot' and d(e).get('type') == 'unicast' and n(e).get('dst') == '198.19.1.0/24' and 'old' not in e for e in ev)"
text_events "$M_RT"
like "$out" "^$TS route     add    198\\.19\\.1\\.0/24 via 198\\.18\\.0\\.2 dev vA table 100 metric 10\$" \
    "events: a route added: dst, gw, dev, table, metric"
nsip route replace 198.19.1.0/24 via 198.18.0.3 dev vA table 100 metric 10
ev_ok "route: replace is an update, old and new the gateway only" "$M_RT" \
    'any(e["change"] == "update" and o(e) == {"gw": "198.18.0.2"} and n(e) == {"gw": "198.18.0.3"} for e in ev)'
text_events "$M_RT"
like "$out" "^$TS route     update 198\\.19\\.1\\.0/24 table 100 metric 10: gw 198\\.18\\.0\\.2->198\\.18\\.0\\.3\$" \
    "events: gw 198.18.0.2->198.18.0.3"
nsip route add 198.18.200.0/24 via 198.18.0.2 dev vA table 100
nsip route add default via 198.18.0.2 dev vA table 100
seen "$M_RTALL" 'any(d(e).get("dst") == "default" and d(e).get("table") == 100 for e in ev)'
ev_now "route: outside --route-dst, and the default route, not recorded" "$M_RT" \
    'not any(d(e).get("dst") in ("198.18.200.0/24", "default") for e in ev)'
text_events "$M_RTALL"
like "$out" "^$TS route     add    default via 198\\.18\\.0\\.2 dev vA table 100\$" \
    "events: the default route of table 100"
nsip route del 198.19.1.0/24 table 100
ev_ok "route: deleted: old, no new" "$M_RT" \
    'any(e["change"] == "delete" and d(e).get("dst") == "198.19.1.0/24" and o(e).get("gw") == "198.18.0.3" and "new" not in e for e in ev)'
text_events "$M_RT"
like "$out" "^$TS route     delete 198\\.19\\.1\\.0/24 via 198\\.18\\.0\\.3 dev vA table 100 metric 10\$" \
    "events: a route deleted"
is "$(printf '%s\n' "$out" | sed 1d | awk '{ print $3 }' | tr '\n' ' ')" \
    'add update delete ' "events: add, update, delete, oldest first"

nsip route add 198.19.2.0/24 via 198.18.0.2 dev vA proto static
nsip route add 198.19.3.0/24 via 198.18.0.2 dev vA
ev_ok "route: main, proto static: recorded" "$M_RTMAIN" \
    'any(e["change"] == "add" and d(e).get("dst") == "198.19.2.0/24" and d(e).get("table") == 254 and d(e).get("protocol") == 4 for e in ev)'
seen "$M_RTALL" 'any(d(e).get("dst") == "198.19.3.0/24" for e in ev)'
ev_now "route: main, proto boot: not recorded (--protocol static)" "$M_RTMAIN" \
    'not any(d(e).get("dst") == "198.19.3.0/24" for e in ev)'
ev_now "route: main not recorded by the monitor of table 100" "$M_RT" \
    'not any(d(e).get("table") == 254 for e in ev)'
text_events "$M_RTMAIN"
like "$out" "^$TS route     add    198\\.19\\.2\\.0/24 via 198\\.18\\.0\\.2 dev vA\$" \
    "events: a route of main (no table word)"

nsip -6 route add 2001:db8:9::/48 via 2001:db8:1::2 dev vA table 100
ev_ok "route: IPv6 in table 100 (--family inet6)" "$M_RT6" \
    'any(e["change"] == "add" and d(e).get("dst") == "2001:db8:9::/48" and d(e).get("family") == "inet6" and d(e).get("gw") == "2001:db8:1::2" for e in ev)'
ev_now "route: no IPv4 route in the IPv6 monitor" "$M_RT6" \
    'all(d(e).get("family") == "inet6" for e in ev if e["change"] != "resync")'

nsip addr add 198.18.1.7/24 dev vA
ev_ok "route: the kernel's local route, with --include-kernel" "$M_LOC" \
    'any(e["change"] == "add" and d(e).get("dst") == "198.18.1.7/32" and d(e).get("table") == 255 and d(e).get("type") == "local" for e in ev)'
ev_now "route: no kernel route without --include-kernel" "$M_LOCX" 'ev == []'
ev_now "route: no kernel route in the sentinel either" "$M_RTALL" \
    'not any(d(e).get("table") == 255 or d(e).get("type") in ("local", "broadcast") for e in ev)'
text_events "$M_LOC"
like "$out" "^$TS route     add    local 198\\.18\\.1\\.7/32 dev vA table 255\$" \
    "events: a local route (its type first)"

# --- 7. monitor list and show (19)

ctl monitor list
expect_rc 0 "monitor list: exit 0"
is "$(printf '%s\n' "$out" | head -n 1 | tr -s ' ')" \
    'ID TYPE INTERFACE PREFIX TABLE ROUTE_DST ENABLED WEBHOOK NAME EVENTS' \
    "monitor list: Lopa's columns, then NAME and EVENTS"
like "$out" "^$M_RT +route +- +- +100 +198\\.19\\.0\\.0/16 +true +- +rt100 +[1-9][0-9]*\$" \
    "monitor list: the route monitor's row"
like "$out" "^$M_IF +interface +vC +- +- +- +true +- +if-vC +[1-9][0-9]*\$" \
    "monitor list: the interface monitor's row"
like "$out" "^$M_IDX +interface +#$IFC +- +- +- +true +- +- +[1-9][0-9]*\$" \
    "monitor list: a filter by index as #N"
like "$out" "^$M_IP +ip +- +198\\.18\\.1\\.0/24 +- +- +true +- +- +[1-9][0-9]*\$" \
    "monitor list: the prefix"
like "$out" "^$M_DIS +ip +- +- +- +- +false +- +- +0\$" \
    "monitor list: disabled, no events"
like "$out" "^$M_WH +interface +vB +- +- +- +true +set +- +[0-9]+\$" \
    "monitor list: WEBHOOK set"
is "$(printf '%s\n' "$out" | sed 1d | wc -l)" 14 "monitor list: 14 monitors"
ctl -j monitor list
printf '%s\n' "$out" >"$SNAP"
is "$(sget "sorted(m['id'] for m in j) == sorted('$M_IPANY $M_RTALL $M_IF $M_IP $M_IP6 $M_IPB $M_DIS $M_RTMAIN $M_RT6 $M_LOC $M_LOCX $M_RT $M_WH $M_IDX'.split())")" \
    true "monitor list -j: every monitor"
if grep -qF -- "$SECRET" "$SNAP" "$LOPAD_LOG"; then
	not_ok "the webhook secret is shown nowhere (list -j, log)"
else
	ok "the webhook secret is shown nowhere (list -j, log)"
fi
snap "$M_WH"
is "$(sget '[j["webhook_url"], "webhook_secret" in j]')" \
    '["http://127.0.0.1:9/m", false]' "show -j: the webhook's URL, no secret"

ctl monitor show "$M_IF"
expect_rc 0 "monitor show: exit 0"
is "$(printf '%s\n' "$out" | sed -n '1,5p')" "id        $M_IF
name      if-vC
type      interface
enabled   true
filter    interface_name=vC" "monitor show: id, name, type, enabled, filter"
like "$out" "^labels    (test=lopactl run=$$|run=$$ test=lopactl)\$" \
    "monitor show: the labels"
like "$out" '^events    [1-9][0-9]* total, [1-9][0-9]* kept, last 20' \
    "monitor show: the counts of events, the last one's time"
like "$out" "^$TS interface update vC: " "monitor show: its last events"
ctl monitor show "$M_RT"
is "$(printf '%s\n' "$out" | sed -n '/^AT /,$p' | sed 1d | wc -l)" 3 \
    "monitor show: the events it has (3 of 10 at most)"
snap "$M_IF"
is "$(sget '[j["id"], j["type"], j["filter"], j["labels"]["test"], j["events_total"] >= 4, j["events_total"] == j["events_kept"], "last_event_at" in j]')" \
    "[\"$M_IF\", \"interface\", {\"interface_name\": \"vC\"}, \"lopactl\", true, true, true]" \
    "monitor show -j: the monitor, its counts"

# --- 8. monitor update (21)

snap "$M_IP"
before=$(sget 'j["events_total"]')
ctl monitor update "$M_IP" --disable
expect_rc 0 "update --disable: exit 0"
is "$out" "monitor $M_IP updated" "update: monitor ID updated"
snap "$M_IP"
is "$(sget '[j["enabled"], j["filter"]]')" \
    '[false, {"family": "inet", "prefix": "198.18.1.0/24"}]' \
    "update --disable: enabled false, the filter kept"
nsip addr add 198.18.1.5/24 dev vA
seen "$M_IPANY" 'any(d(e).get("address") == "198.18.1.5" for e in ev)'
ev_now "disabled: the change is not recorded" "$M_IP" \
    'not any(d(e).get("address") == "198.18.1.5" for e in ev)'
snap "$M_IP"
is "$(sget 'j["events_total"]')" "$before" "disabled: events_total unchanged"
ctl monitor update "$M_IP" --enable
expect_rc 0 "update --enable: exit 0"
nsip addr del 198.18.1.5/24 dev vA
ev_ok "enabled again: the deletion is recorded" "$M_IP" \
    'any(e["change"] == "delete" and d(e).get("address") == "198.18.1.5" for e in ev)'
ctl monitor update "$M_IPB" --enabled=false
snap "$M_IPB"
is "$rc/$(sget 'j["enabled"]')" 0/false "update --enabled=false (Lopa's): disabled"
ctl monitor update "$M_IPB" --enabled true
snap "$M_IPB"
is "$rc/$(sget 'j["enabled"]')" 0/true "update --enabled true: enabled"

ctl monitor update "$M_RT" --table 200
expect_rc 0 "update --table 200: exit 0"
snap "$M_RT"
is "$(sget 'j["filter"]')" '{"route_table": 200}' \
    "update: the filter replaced whole (route_dst gone)"
nsip route add 198.18.201.0/24 via 198.18.0.2 dev vA table 200
ev_ok "update: table 200, any destination, recorded" "$M_RT" \
    'any(e["change"] == "add" and d(e).get("dst") == "198.18.201.0/24" and d(e).get("table") == 200 for e in ev)'
ctl monitor update "$M_RT" --name rt200 --buffer 3 --label k=v
expect_rc 0 "update --name --buffer --label: exit 0"
snap "$M_RT"
is "$(sget '[j["name"], j["event_buffer_size"], j["labels"]]')" \
    '["rt200", 3, {"k": "v"}]' "update: name, buffer, labels"
for i in 2 3 4 5; do
	nsip route add "198.18.20$i.0/24" via 198.18.0.2 dev vA table 200
done
ev_ok "a buffer of 3: the newest 3 events kept" "$M_RT" \
    '[d(e).get("dst") for e in ev] == ["198.18.203.0/24", "198.18.204.0/24", "198.18.205.0/24"]'
snap "$M_RT"
is "$(sget '[j["events_kept"], j["events_total"] >= 8]')" '[3, true]' \
    "a buffer of 3: events_kept 3, events_total counts them all"
ctl monitor update "$M_IPB" --no-filter
snap "$M_IPB"
is "$rc/$(sget 'j.get("filter") in (None, {})')" 0/true "update --no-filter: no filter"
ctl monitor show "$M_IPB"
like "$out" '^filter    none: every change$' "show: no filter"
ctl monitor update "$M_LOCX" --include-kernel
snap "$M_LOCX"
is "$rc/$(sget 'j["include_kernel"]')" 0/true "update --include-kernel"
ctl monitor update "$M_LOCX" --no-include-kernel
snap "$M_LOCX"
is "$rc/$(sget 'j["include_kernel"]')" 0/false "update --no-include-kernel"
ctl monitor update "$M_WH" --no-webhook
snap "$M_WH"
is "$rc/$(sget 'j.get("webhook_url", "")')" 0/ \
    "update --no-webhook (an empty webhook_url): no webhook"

# --- 9. monitor alone: the live stream (8)

bg mon monitor
MON_PID=$BG_PID
MON=$LOPAD_DIR/mon.out
wait_until 10000 200 warm "$MON" "^$TS task %s finished\$" ||
    diag "monitor: no line for a count task: $(cat "$MON" "$LOPAD_DIR/mon.err")"
nsip link set vE mtu 1300
wait_until 5000 50 grep -q " monitor $M_IDX " "$MON" ||
    diag "monitor: no line of $M_IDX"
kill -INT "$MON_PID"
bg_end "$MON_PID"
is "$rc" 0 "monitor, SIGINT: exit 0"
like "$(cat "$MON")" "^$TS monitor $M_IDX interface update vE: mtu 1400->1300\$" \
    "monitor: a line per monitor event: time, monitor id, type, change, detail"
is "$(cat "$LOPAD_DIR/mon.err")" "" "monitor: nothing on stderr"
unlike "$(cat "$MON")" " monitor $M_IF " \
    "monitor: no line of the monitor of vC (vE is not vC)"

bg evj -j events
EVJ_PID=$BG_PID
EVJ=$LOPAD_DIR/evj.out
wait_until 10000 200 warm "$EVJ" '"status":"finished","task_id":"%s"' ||
    diag "events -j: no line for a count task: $(cat "$EVJ" "$LOPAD_DIR/evj.err")"
nsip link set vE mtu 1280
wait_until 5000 50 grep -q "\"monitor_id\": *\"$M_IDX\"" "$EVJ" ||
    diag "events -j: no event of $M_IDX"
kill -INT "$EVJ_PID"
bg_end "$EVJ_PID"
is "$rc" 0 "events -j, SIGINT: exit 0"
is "$(python3 - "$EVJ" "$M_IDX" <<'EOF'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
mine = [d for d in docs if d.get("monitor_id") == sys.argv[2]]
print(json.dumps([len(mine), [[d["type"], d["change"], d["old"], d["new"]]
                              for d in mine]]))
EOF
)" "[1, [[\"interface\", \"update\", {\"mtu\": 1300}, {\"mtu\": 1280}]]]" \
    "events -j: the monitor's event, a JSON document a line"

bg mon2 monitor
MON2_PID=$BG_PID
wait_until 10000 200 warm "$LOPAD_DIR/mon2.out" "^$TS task %s finished\$" ||
    diag "monitor: no line for a count task"
nsip route add 198.19.4.0/24 via 198.18.0.2 dev vA proto static
wait_until 5000 50 grep -q " monitor $M_RTMAIN " "$LOPAD_DIR/mon2.out" ||
    diag "monitor: no line of $M_RTMAIN"
kill -INT "$MON2_PID"
bg_end "$MON2_PID"
is "$rc" 0 "monitor (again), SIGINT: exit 0"
like "$(cat "$LOPAD_DIR/mon2.out")" "^$TS monitor $M_RTMAIN route add 198\\.19\\.4\\.0/24 via 198\\.18\\.0\\.2 dev vA\$" \
    "monitor: a route's line"

# --- 10. The API's refusals (10)

api_refuses "show of an unknown monitor: exit 2, the daemon's detail" 2 \
    '^lopactl: .' monitor show nosuch-999
api_refuses "events of an unknown monitor: exit 2" 2 '^lopactl: .' \
    monitor events nosuch-999
api_refuses "update of an unknown monitor: exit 2" 2 '^lopactl: .' \
    monitor update nosuch-999 --enable
api_refuses "delete of an unknown monitor: exit 2" 2 '^lopactl: .' \
    monitor delete nosuch-999
ctl -j monitor show nosuch-999
printf '%s\n' "$out" >"$SNAP"
is "$rc/$(sget 'j["status"]')" 2/404 "show -j of an unknown monitor: the problem on stdout, 404"
api_refuses "a duplicate name: exit 2, the field named" 2 \
    '^lopactl: .*\(field name\)$' monitor add --type ip --name if-vC
timeout -k 2 20 "$LOPACTL" -s "$LOPAD_RSOCK" monitor add --type ip \
    >"$OUT" 2>"$ERR"
rc=$?
is "$rc" 3 "add on the read-only socket: exit 3"
like "$(cat "$ERR")" '^lopactl: hint: .* is read-only for you' \
    "add on the read-only socket: the hint"
timeout -k 2 20 "$LOPACTL" -s "$LOPAD_RSOCK" monitor list >"$OUT" 2>"$ERR"
is "$?" 0 "monitor list on the read-only socket: exit 0"
timeout -k 2 20 "$LOPACTL" -s "$LOPAD_RSOCK" monitor events "$M_IF" \
    >"$OUT" 2>"$ERR"
is "$?" 0 "monitor events on the read-only socket: exit 0"

# --- 11. monitor delete (6)

ctl monitor delete "$M_IPB"
expect_rc 0 "delete: exit 0"
is "$out" "monitor $M_IPB deleted" "delete: monitor ID deleted"
ctl monitor show "$M_IPB"
is "$rc" 2 "show of a deleted monitor: exit 2"
ctl monitor list
unlike "$out" "^$M_IPB " "list: the deleted monitor is gone"
ctl -j monitor delete "$M_IP6"
is "$rc/$out" 0/ "delete -j: exit 0, nothing on stdout (204)"
ctl -j monitor list
printf '%s\n' "$out" >"$SNAP"
is "$(sget 'len(j)')" 12 "list -j: 12 monitors left"

# --- 12. Changes the kernel does not report, or reports of another
# device (4)

add M_V6 --type route --family inet6 --route-dst 2001:db8:6::/64
add M_150 --type route --table 150
nsip link add vF type veth peer name vG
nsip -6 addr add 2001:db8:6::1/64 dev vF nodad
nsip -6 addr add 2001:db8:6::2/64 dev vG nodad
nsip addr add 198.18.6.1/24 dev vF
nsip link set vF up
nsip link set vG up
ev_ok "route: one IPv6 prefix on two devices: an add for each" "$M_V6" \
    'sorted(d(e).get("interface_name") for e in ev if e["change"] == "add") == ["vF", "vG"]'
ev_now "route: no update moves an IPv6 route to another device" "$M_V6" \
    'not any(e["change"] == "update" and "link_index" in n(e) for e in ev)'
nsip route add 198.19.6.0/24 via 198.18.6.2 dev vF table 150
seen "$M_150" 'any(d(e).get("dst") == "198.19.6.0/24" for e in ev)'
nsip link set vF down
ev_ok "route: vF down: its IPv4 route in table 150 deleted" "$M_150" \
    'any(e["change"] == "delete" and d(e).get("dst") == "198.19.6.0/24" for e in ev)'
nsip link set vF up
nsip route add 198.19.6.0/24 via 198.18.6.2 dev vF table 150
ev_ok "route: the same route added again after down and up: recorded" "$M_150" \
    'len([e for e in ev if e["change"] == "add" and d(e).get("dst") == "198.19.6.0/24"]) == 2'

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
