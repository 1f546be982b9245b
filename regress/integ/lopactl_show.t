#!/bin/bash
#
# lopactl show interfaces and show routes (TAP): lopad runs in a network
# namespace of the test's own (NS) where the test makes veth pairs,
# addresses and routes with ip(8) (198.18.0.0/15 and 2001:db8::/32
# only), then compares what lopactl shows with what ip(8) and
# /proc/net/dev say inside NS.  Covered:
#  - usage errors, before any request (the socket given does not exist,
#    so a request would exit 3): exit 2, nothing on stdout;
#  - show interfaces: the header; a line per interface of NS with its
#    index, state (lo's unknown one as up), MTU, MAC and addresses (IPv4
#    first) as ip -br link / ip -br addr give them; an MTU changed shows
#    at once (lopad dumps the links for each request); a name or a glob;
#    an unknown name: nothing on stdout, a message, exit 0 (-j: []);
#  - the counters: they move with a ping across vA, and each is between
#    /proc/net/dev's before and after the command (the traffic of the
#    check itself); -j: multicast and collisions too;
#  - -j show interfaces: the daemon's objects (as curl gets them);
#  - show routes: the main table without the kernel's routes, --kernel,
#    --table 100|local|all|0|default, --family, each against ip route
#    show (sets of lines, a multipath route with its nexthop lines);
#    the brief's example line; -j (the filters apply; --table all
#    --kernel is the daemon's whole answer);
#  - the read-only socket is enough;
#  - a lopad with monitor.enabled false: 503, lopactl prints the detail
#    and exits 3 (-j: the problem document on stdout too).
# vA's peer vB lives in a second namespace (PEER): with both ends in NS,
# traffic between their addresses would go through lo, not the pair.
# Every wait is bounded.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 90

need_root
lopad_init

OUT=$LOPAD_DIR/client/out
ERR=$LOPAD_DIR/client/err
NOSOCK=$LOPAD_DIR/client/nosock
EXP=$LOPAD_DIR/client/expected
GOT=$LOPAD_DIR/client/got
HEAD='NAME INDEX STATE'
CELLS='RX_BYTES RX_PKTS RX_ERRS RX_DROP TX_BYTES TX_PKTS TX_ERRS TX_DROP'

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

# nsip ARGS...: ip(8) inside NS; a failure is shown.
nsip() {
	ip -n "$NS" "$@" || diag "ip -n $NS $*: failed"
}

# jq_ok DESC FILE EXPR: the python expression EXPR (may span lines)
# holds of the JSON in FILE (as j).
jq_ok() {
	if python3 - "$2" "$3" <<'EOF'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
except Exception as e:
    print("# %s" % e)
    sys.exit(1)
EOF
	then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	diag "not true: $3"
	diag "JSON: $(head -c 2000 "$2")"
	return 1
}

# --- interfaces: what ip(8) says ----------------------------------------

# ip_state NAME: the state lopactl should show: ip -br link's, lowercase,
# LOWERLAYERDOWN as lopad names it; UNKNOWN as up or down by the flags.
ip_state() {
	local st flags

	read -r _ st flags < <(ip -n "$NS" -br link show dev "$1")
	st=$(printf '%s' "$st" | tr 'A-Z' 'a-z')
	case $st in
	unknown)
		case $flags in
		*[\<,]UP[,\>]*) st=up ;;
		*) st=down ;;
		esac ;;
	lowerlayerdown)
		st=lower-layer-down ;;
	esac
	echo "$st"
}

# ip_mac NAME, ip_mtu NAME, ip_index NAME
ip_mac() {
	ip -n "$NS" -o link show dev "$1" |
	    sed -n 's,.* link/[a-z]* \([0-9a-f:]*\).*,\1,p'
}
ip_mtu() {
	ip -n "$NS" -o link show dev "$1" | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}
ip_index() {
	ip -n "$NS" -o link show dev "$1" | cut -d: -f1
}

# ip_addrs NAME: the interface's CIDRs, sorted, comma-separated; "-".
ip_addrs() {
	local a

	a=$(ip -n "$NS" -br addr show dev "$1" | cut -d' ' -f2- |
	    tr -s ' ' '\n' | sed '/^$/d' | grep -v '^[A-Z]' | sort |
	    paste -sd, -)
	echo "${a:--}"
}

# sorted_cell CELL: the addresses of an ADDRESSES cell, sorted.
sorted_cell() {
	printf '%s\n' "$1" | tr ',' '\n' | sort | paste -sd, -
}

# ifline NAME: the line of NAME in $out (show interfaces).
ifline() {
	printf '%s\n' "$out" | awk -v n="$1" '$1 == n'
}

# devstats NAME: the eight counters of /proc/net/dev in NS that the
# text shows (RX bytes packets errs drop, TX the same).
devstats() {
	ip netns exec "$NS" cat /proc/net/dev | sed 's/:/ /' |
	    awk -v n="$1" '$1 == n { print $2, $3, $4, $5, $10, $11, $12, $13 }'
}

# between LOW MID HIGH: word by word, LOW <= MID <= HIGH.
between() {
	local -a l=($1) m=($2) h=($3)
	local i

	[ "${#l[@]}" -eq 8 ] && [ "${#m[@]}" -eq 8 ] && [ "${#h[@]}" -eq 8 ] ||
	    return 1
	for ((i = 0; i < 8; i++)); do
		[ "${l[$i]}" -le "${m[$i]}" ] && [ "${m[$i]}" -le "${h[$i]}" ] ||
		    return 1
	done
	return 0
}

# --- routes: what ip(8) says ---------------------------------------------

# norm: route lines (stdin) as a sorted set, a route's nexthop lines
# joined to it with " | ", blanks squeezed.
norm() {
	sed -e 's/[[:space:]]*$//' | awk '
	/^[ \t]/ { sub(/^[ \t]+/, ""); line = line " | " $0; next }
	{ if (line != "") print line; line = $0 }
	END { if (line != "") print line }' | tr -s ' ' | sort
}

# ip_routes ARGS...: ip route show ARGS for IPv4 and IPv6, normalized.
ip_routes() {
	{
		ip -n "$NS" -4 route show "$@"
		ip -n "$NS" -6 route show "$@"
	} | norm
}

# same_routes DESC EXPECTED SED ARGS...: lopactl show routes ARGS,
# without what the sed expression SED removes ("table 100" that ip(8)
# leaves out when asked for the table), normalized, is EXPECTED.  Waits
# up to 5 s for the daemon to learn what changed.
routes_equal() {
	local want=$1 sedx=$2

	shift 2
	timeout -k 2 10 "$LOPACTL" -s "$LOPAD_SOCK" show routes "$@" \
	    >"$OUT" 2>"$ERR" || return 1
	sed -e "$sedx" "$OUT" | norm >"$GOT"
	printf '%s\n' "$want" | sed '/^$/d' >"$EXP"
	cmp -s "$EXP" "$GOT"
}
same_routes() {
	local desc=$1 want=$2 sedx=$3

	shift 3
	if wait_until 5000 100 routes_equal "$want" "$sedx" "$@"; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc"
	diag "lopactl show routes $*: differs from ip route (< ip, > lopactl):"
	diff "$EXP" "$GOT" | diag -
	return 1
}

# === usage errors ==========================================================

usage_error "show: a subcommand is needed" \
    'missing argument after "show"; valid: interfaces, routes' show
usage_error "show links: unknown" 'unknown argument "links"' show links
usage_error "show interfaces: one name at most" \
    'unexpected argument "vB" after "vA"' show interfaces vA vB
usage_error "show routes --table: a number or a name" \
    'invalid argument "mian" to --table: expected main, local, default or all' \
    show routes --table mian
usage_error "show routes --family: inet or inet6" \
    'invalid argument "ip4" to --family' show routes --family ip4
usage_error "show routes --kernel: once" '--kernel given twice' \
    show routes --kernel --kernel
usage_error "show routes takes no interface" 'unknown argument "vA"' \
    show routes vA
timeout -k 2 10 "$LOPACTL" -h >"$OUT" 2>&1
like "$(cat "$OUT")" '^	show interfaces NAME$' \
    "usage lists show interfaces NAME"
like "$(cat "$OUT")" \
    'show routes \[--table TABLE\] \[--family inet\|inet6\] \[--kernel\]' \
    "usage lists show routes and its options"

# === the namespace ============================================================

netns_new NS
netns_new PEER
lopad_start "$NS" || give_up "lopad did not start"

# vA (NS) - vB (PEER); vC - vD both in NS, vD down (so vC's lower
# layer is down).
nsip link add vA type veth peer name vB netns "$PEER"
nsip link add vC type veth peer name vD
nsip link set vA mtu 1400 up
ip -n "$PEER" link set vB mtu 1400 up
nsip link set vC up
nsip addr add 198.18.1.1/24 dev vA
nsip addr add 198.18.1.10/24 dev vA
nsip -6 addr add 2001:db8:1::1/64 dev vA nodad
nsip addr add 198.18.2.1/24 dev vC
ip -n "$PEER" addr add 198.18.1.2/24 dev vB
ip -n "$PEER" -6 addr add 2001:db8:1::2/64 dev vB nodad
ip netns exec "$PEER" sysctl -qw net.ipv6.conf.all.accept_dad=0

nsip route add default via 198.18.1.2
nsip route add blackhole 198.18.99.0/24
nsip route add 198.18.100.0/24 proto static metric 20 \
    nexthop via 198.18.1.2 dev vA weight 1 \
    nexthop via 198.18.2.2 dev vC weight 2
nsip -6 route add 2001:db8:9::/48 via 2001:db8:1::2 dev vA metric 100
nsip -6 route add 2001:db8:200::/48 \
    nexthop via 2001:db8:1::2 dev vA nexthop via fe80::1 dev vC
nsip route add 10.0.0.0/8 via 198.18.1.2 dev vA table 100 proto static \
    metric 10
nsip -6 route add 2001:db8:100::/48 via 2001:db8:1::2 dev vA table 100
nsip route add 198.18.200.0/24 dev vA scope link table 200

IDX_A=$(ip_index vA)
IDX_C=$(ip_index vC)

# === show interfaces ======================================================

# The addresses come from lopad's state: wait until it has them all.
has_addrs() {
	timeout -k 2 10 "$LOPACTL" -s "$LOPAD_SOCK" show interfaces vA \
	    >"$OUT" 2>/dev/null &&
	    grep -q '198\.18\.1\.10/24' "$OUT" && grep -q '2001:db8:1::1/64' "$OUT"
}
wait_until 5000 100 has_addrs || diag "lopad did not learn vA's addresses"

ctl show interfaces
expect_rc 0 "show interfaces: exit 0"
is "$(printf '%s\n' "$out" | head -n 1 | tr -s ' ')" \
    "NAME INDEX STATE MTU MAC ADDRESSES $CELLS" "show interfaces: the header"
is "$(printf '%s\n' "$out" | sed 1d | awk '{ print $1 }' | sort | paste -sd' ' -)" \
    "$(ip -n "$NS" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
    sort | paste -sd' ' -)" "show interfaces: a line per interface of the namespace"
is "$(printf '%s\n' "$out" | awk '{ print NF }' | sort -u | paste -sd' ' -)" \
    "14" "show interfaces: 14 columns on every line"
ALL=$out
for n in lo vA vC vD; do
	out=$ALL
	read -r name idx state mtu mac addrs rest <<<"$(ifline "$n")"
	is "$idx $state $mtu $mac" \
	    "$(ip_index "$n") $(ip_state "$n") $(ip_mtu "$n") $(ip_mac "$n")" \
	    "show interfaces $n: index, state, MTU and MAC as ip link's"
	if [ "$addrs" = - ]; then
		is "$addrs" "$(ip_addrs "$n")" "show interfaces $n: no address"
	else
		is "$(sorted_cell "$addrs")" "$(ip_addrs "$n")" \
		    "show interfaces $n: the addresses of ip addr"
	fi
done
out=$ALL
like "$(ifline vA)" "^vA +$IDX_A +up +1400 " "vA: up, MTU 1400"
like "$(ifline lo)" '^lo +1 +up +65536 00:00:00:00:00:00 127\.0\.0\.1/8,::1/128 ' \
    "lo: its unknown operational state shown as up, its addresses"
like "$(ifline vD)" '^vD +[0-9]+ +down +1500 [0-9a-f:]{17} - ' \
    "vD: down, no address"
like "$(ifline vC)" '^vC +[0-9]+ +lower-layer-down +1500 [0-9a-f:]{17} 198\.18\.2\.1/24 ' \
    "vC: lower-layer-down (its peer is down)"
read -r _ _ _ _ _ addrs _ <<<"$(ifline vA)"
like "$addrs" '^198\.18\.1\.(1|10)/24,198\.18\.1\.(1|10)/24,[0-9a-f:]+/64,[0-9a-f:]+/64$' \
    "vA: the IPv4 addresses first"

# Fresh: an MTU changed shows at once, without waiting for events.
nsip link set vA mtu 1300
ctl show interfaces vA
like "$(ifline vA)" "^vA +$IDX_A +up +1300 " \
    "show interfaces vA: a new MTU at once (a fresh dump)"
nsip link set vA mtu 1400

# A name, a glob.
ctl show interfaces vA
expect_rc 0 "show interfaces vA: exit 0"
is "$(printf '%s\n' "$out" | sed 1d | awk '{ print $1 }' | paste -sd' ' -)" \
    "vA" "show interfaces vA: the header and vA's line"
ctl show interfaces 'v[AC]'
is "$(printf '%s\n' "$out" | sed 1d | awk '{ print $1 }' | sort | paste -sd' ' -)" \
    "vA vC" "show interfaces 'v[AC]': a glob"
ctl show interfaces 'v*'
is "$(printf '%s\n' "$out" | sed 1d | awk '{ print $1 }' | sort | paste -sd' ' -)" \
    "vA vC vD" "show interfaces 'v*'"

# An unknown name: nothing, a message, exit 0.
ctl show interfaces nosuch0
expect_rc 0 "show interfaces nosuch0: exit 0"
is "$out" "" "show interfaces nosuch0: nothing on stdout"
like "$err" '^lopactl: no interface matches "nosuch0"$' \
    "show interfaces nosuch0: a message on stderr"
ctl -j show interfaces nosuch0
expect_rc 0 "-j show interfaces nosuch0: exit 0"
is "$out" "[]" "-j show interfaces nosuch0: an empty array"

# --- counters ---
ctl -j show interfaces vA
cp "$OUT" "$LOPAD_DIR/client/before.json"
if timeout -k 2 10 ip netns exec "$NS" ping -c 3 -i 0.2 -W 1 198.18.1.2 \
    >/dev/null 2>&1; then
	ok "ping across vA to the peer namespace"
else
	not_ok "ping across vA to the peer namespace"
fi
ctl -j show interfaces vA
cp "$OUT" "$LOPAD_DIR/client/after.json"
if python3 - "$LOPAD_DIR/client/before.json" \
    "$LOPAD_DIR/client/after.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))[0]["counters"]
a = json.load(open(sys.argv[2]))[0]["counters"]
ok = (a["tx_packets"] - b["tx_packets"] >= 3 and
      a["rx_packets"] - b["rx_packets"] >= 3 and
      a["tx_bytes"] - b["tx_bytes"] >= 3 * 98 and
      a["rx_bytes"] - b["rx_bytes"] >= 3 * 98)
if not ok:
    print("# before %s\n# after %s" % (b, a))
sys.exit(0 if ok else 1)
EOF
then
	ok "-j show interfaces vA: the counters moved with the 3 pings"
else
	not_ok "-j show interfaces vA: the counters moved with the 3 pings"
fi

# Each counter between /proc/net/dev's before and after the command.
for n in lo vA vC vD; do
	before=$(devstats "$n")
	ctl show interfaces "$n"
	after=$(devstats "$n")
	shown=$(ifline "$n" | awk '{ print $7, $8, $9, $10, $11, $12, $13, $14 }')
	if between "$before" "$shown" "$after"; then
		ok "show interfaces $n: the counters of /proc/net/dev"
	else
		not_ok "show interfaces $n: the counters of /proc/net/dev"
		diag "before: $before"
		diag "shown:  $shown"
		diag "after:  $after"
	fi
done
like "$(ctl show interfaces vA; ifline vA)" \
    "^vA .* [1-9][0-9]* +[1-9][0-9]* +0 +0 +[1-9][0-9]* +[1-9][0-9]* +0 +0$" \
    "show interfaces vA: bytes and packets both ways, no error, no drop"
before=$(ip netns exec "$NS" cat /proc/net/dev | sed 's/:/ /' |
    awk '$1 == "vA" { print $9, $15 }')
ctl -j show interfaces vA
jq_ok "-j show interfaces vA: multicast and collisions of /proc/net/dev" \
    "$OUT" "[j[0]['counters']['multicast'], j[0]['counters']['collisions']]
    >= [int(x) for x in '$before'.split()]
    and j[0]['counters']['collisions'] == 0"

# --- JSON ---
jq_ok "-j show interfaces vA: one object, vA's" "$OUT" \
    "len(j) == 1 and j[0]['name'] == 'vA' and j[0]['index'] == $IDX_A
    and j[0]['mtu'] == 1400 and j[0]['oper_state'] == 'up'
    and j[0]['kind'] == 'veth' and 'up' in j[0]['flags'].split('|')
    and j[0]['mac'] == '$(ip_mac vA)'"
jq_ok "-j show interfaces vA: its addresses" "$OUT" \
    "sorted((a['address'], a['prefix_len'], a['family'])
    for a in j[0]['addresses'] if a['scope'] == 'global') ==
    [('198.18.1.1', 24, 'inet'), ('198.18.1.10', 24, 'inet'),
    ('2001:db8:1::1', 64, 'inet6')] and all(a['interface_name'] == 'vA'
    and a['interface_index'] == $IDX_A for a in j[0]['addresses'])"
jq_ok "-j show interfaces vA: the ten counters" "$OUT" \
    "sorted(j[0]['counters']) == sorted(['rx_bytes', 'rx_packets',
    'rx_errors', 'rx_dropped', 'multicast', 'tx_bytes', 'tx_packets',
    'tx_errors', 'tx_dropped', 'collisions'])"
ctl -j show interfaces
cp "$OUT" "$LOPAD_DIR/client/all.json"
api rw GET /api/v1/interfaces >/dev/null
jq_ok "-j show interfaces: the daemon's objects (but the counters)" \
    "$LOPAD_DIR/client/all.json" "[{k: v for k, v in l.items()
    if k != 'counters'} for l in j] == [{k: v for k, v in l.items()
    if k != 'counters'} for l in json.load(open('$API_BODY'))]"

# === show routes ============================================================

MAIN=$(ip_routes table main)
same_routes "show routes: the main table, but the kernel's fe80::/64" \
    "$(printf '%s\n' "$MAIN" | grep -v '^fe80::/64 ')" ''
same_routes "show routes --kernel: the main table whole" "$MAIN" '' \
    --kernel
same_routes "show routes --family inet6" \
    "$(ip -n "$NS" -6 route show table main | norm | grep -v '^fe80::/64 ')" \
    '' --family inet6
same_routes "show routes --family ipv4 --kernel" \
    "$(ip -n "$NS" -4 route show table main | norm)" '' --family ipv4 --kernel
same_routes "show routes --table 100" "$(ip_routes table 100)" \
    's/ table 100 / /' --table 100
same_routes "show routes --table 100 --family inet" \
    "$(ip -n "$NS" -4 route show table 100 | norm)" 's/ table 100 / /' \
    --table 100 --family inet
same_routes "show routes --table local: the kernel's, without --kernel" \
    "$(ip_routes table local)" 's/ table local / /' --table local
ALLT=$(ip_routes table all)
same_routes "show routes --table all --kernel: every route" "$ALLT" '' \
    --table all --kernel
same_routes "show routes --table 0 --kernel: the same" "$ALLT" '' \
    --table 0 --kernel
same_routes "show routes --table all: every table, not the kernel's" \
    "$(printf '%s\n' "$ALLT" | grep -v -e ' table local' -e '^fe80::/64 ')" \
    '' --table all

ctl show routes --table 100
like "$out" '^10\.0\.0\.0/8 via 198\.18\.1\.2 dev vA table 100 proto static metric 10$' \
    "show routes --table 100: 10.0.0.0/8 via 198.18.1.2 dev vA table 100 proto static metric 10"
like "$out" '^2001:db8:100::/48 via 2001:db8:1::2 dev vA table 100 metric 1024 pref medium$' \
    "show routes --table 100: the IPv6 route"
ctl show routes
expect_rc 0 "show routes: exit 0"
is "$(printf '%s\n' "$out" | grep -A2 '^198\.18\.100\.0/24')" \
    "198.18.100.0/24 proto static metric 20
	nexthop via 198.18.1.2 dev vA weight 1
	nexthop via 198.18.2.2 dev vC weight 2 linkdown" \
    "show routes: a multipath route and its nexthop lines"
is "$(printf '%s\n' "$out" | grep -A2 '^2001:db8:200::/48')" \
    "2001:db8:200::/48 metric 1024 pref medium
	nexthop via 2001:db8:1::2 dev vA weight 1
	nexthop via fe80::1 dev vC weight 1 linkdown" \
    "show routes: an IPv6 multipath route"
like "$out" '^default via 198\.18\.1\.2 dev vA$' "show routes: the default route"
like "$out" '^blackhole 198\.18\.99\.0/24$' "show routes: a blackhole route"
unlike "$out" 'table|^local |^broadcast |^fe80::/64' \
    "show routes: neither other tables nor the kernel's routes"
like "$(printf '%s\n' "$out" | sed -n 1p)" '\.' "show routes: IPv4 first"
ctl show routes --table default
expect_rc 0 "show routes --table default: exit 0"
is "$out$err" "" "show routes --table default: nothing (an empty table)"
ctl show routes --table all
like "$out" '^198\.18\.200\.0/24 dev vA table 200 scope link$' \
    "show routes --table all: table 200's route"

# --- JSON ---
ctl -j show routes
expect_rc 0 "-j show routes: exit 0"
jq_ok "-j show routes: main's routes, none of the kernel's" "$OUT" \
    "len(j) > 0 and all(r['table'] == 254 and r['kernel'] is False
    for r in j)"
n_text=$(timeout -k 2 10 "$LOPACTL" -s "$LOPAD_SOCK" show routes |
    grep -vc '^	')
jq_ok "-j show routes: as many routes as the text" "$OUT" \
    "len(j) == $n_text"
jq_ok "-j show routes: the multipath route's next hops" "$OUT" \
    "[(h['gw'], h['link_index'], h['weight']) for r in j
    if r['dst'] == '198.18.100.0/24' for h in r['nexthops']] ==
    [('198.18.1.2', $IDX_A, 1), ('198.18.2.2', $IDX_C, 2)]"
ctl -j show routes --table 100 --family inet6
jq_ok "-j show routes --table 100 --family inet6: the one route" "$OUT" \
    "[(r['dst'], r['gw'], r['interface_name'], r['table'], r['family'])
    for r in j] == [('2001:db8:100::/48', '2001:db8:1::2', 'vA', 100,
    'inet6')]"
ctl -j show routes --table all --kernel
api rw GET /api/v1/routes >/dev/null
jq_ok "-j show routes --table all --kernel: the daemon's answer whole" \
    "$OUT" "j == json.load(open('$API_BODY'))"
ctl -j show routes --table local
jq_ok "-j show routes --table local: the kernel's routes" "$OUT" \
    "len(j) > 0 and all(r['table'] == 255 and r['kernel'] is True
    for r in j)"

# === the read-only socket ======================================================

timeout -k 2 10 "$LOPACTL" -s "$LOPAD_RSOCK" show interfaces lo >"$OUT" 2>"$ERR"
rc=$?
expect_rc 0 "show interfaces on the read-only socket"
timeout -k 2 10 "$LOPACTL" -s "$LOPAD_RSOCK" show routes >"$OUT" 2>"$ERR"
rc=$?
expect_rc 0 "show routes on the read-only socket"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad stopped cleanly"

# === monitor.enabled false: 503 ================================================

lopad_start "$NS" "monitor:
  enabled: false" || give_up "lopad (monitor.enabled false) did not start"
code=$(api rw GET /api/v1/interfaces)
is "$code $(api_header Content-Type)" "503 application/problem+json" \
    "monitor off: GET /api/v1/interfaces is 503 problem+json"
ctl show interfaces
expect_rc 3 "monitor off: show interfaces exits 3"
is "$out" "" "monitor off: show interfaces prints nothing on stdout"
like "$err" '^lopactl: monitor\.enabled is false' \
    "monitor off: show interfaces prints the problem's detail"
ctl show routes --table all
expect_rc 3 "monitor off: show routes exits 3"
like "$err" '^lopactl: monitor\.enabled is false' \
    "monitor off: show routes prints the problem's detail"
ctl -j show interfaces vA
expect_rc 3 "monitor off: -j show interfaces exits 3"
jq_ok "monitor off: -j prints the problem document" "$OUT" \
    "j['status'] == 503 and 'monitor.enabled' in j['detail']"
like "$err" '^lopactl: monitor\.enabled is false' \
    "monitor off: -j prints the detail on stderr too"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad (monitor off) stopped cleanly"

done_testing
