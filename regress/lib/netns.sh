# Network namespaces and veth pairs for integration tests (bash; source
# it after tap.sh).  Only 198.18.0.0/15 and 2001:db8::/32 addresses.
#
#	netns_new VAR			create a namespace with lo up; its
#					name ("lt<pid>-<n>") goes into VAR
#	netns_veth NS1 ADDRS1 NS2 ADDRS2	a veth pair between NS1 and
#		NS2 ("" = the host), each end with the addresses given as
#		"198.18.0.1/24 2001:db8::1/64" (IPv6 with nodad); the end
#		names go into NETNS_IF1 and NETNS_IF2
#	netns_run NS CMD...		run CMD inside NS ("" = the host)
#
# Everything created is deleted at exit (namespaces after the daemons
# started later, since cleanup runs newest first).

NETNS_LIST=()
NETNS_HOSTIFS=()
netns_n=0
netns_nif=0
netns_pushed=0

netns_cleanup_once() {
	[ "$netns_pushed" = 1 ] && return 0
	netns_pushed=1
	cleanup_push netns_cleanup
}

netns_new() {
	local name

	need_root
	netns_n=$((netns_n + 1))
	name=lt$$-$netns_n
	ip netns add "$name" || bail "ip netns add $name failed"
	NETNS_LIST+=("$name")
	netns_cleanup_once
	ip -n "$name" link set lo up || bail "lo up in $name failed"
	# No duplicate address detection, link-local included: otherwise
	# IPv6 neighbour discovery waits a second or two for it.
	ip netns exec "$name" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 ||
	    bail "sysctl in $name failed"
	printf -v "$1" '%s' "$name"
}

# netns_run NS CMD...
netns_run() {
	local ns=$1

	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

# netns_veth NS1 ADDRS1 NS2 ADDRS2
netns_veth() {
	local ns1=$1 a1=$2 ns2=$3 a2=$4 base i1 i2

	netns_nif=$((netns_nif + 1))
	# Interface names are at most 15 bytes: "v" + pid + n + a|b.
	base=v$(($$ % 100000))x$netns_nif
	i1=${base}a
	i2=${base}b
	ip link add "$i1" type veth peer name "$i2" ||
	    bail "ip link add $i1 failed"
	if [ -z "$ns1" ] || [ -z "$ns2" ]; then
		NETNS_HOSTIFS+=("$i1")
		netns_cleanup_once
	fi
	netns_if_setup "$ns1" "$i1" "$a1"
	netns_if_setup "$ns2" "$i2" "$a2"
	NETNS_IF1=$i1
	NETNS_IF2=$i2
}

netns_if_setup() {
	local ns=$1 ifname=$2 addrs=$3 a
	local -a n=()

	if [ -n "$ns" ]; then
		ip link set "$ifname" netns "$ns" ||
		    bail "moving $ifname to $ns failed"
		n=(-n "$ns")
	fi
	for a in $addrs; do
		case $a in
		*:*)	ip "${n[@]}" -6 addr add "$a" dev "$ifname" nodad ;;
		*)	ip "${n[@]}" addr add "$a" dev "$ifname" ;;
		esac || bail "address $a on $ifname failed"
	done
	ip "${n[@]}" link set "$ifname" up || bail "$ifname up failed"
}

netns_cleanup() {
	local ns ifname p

	for ifname in "${NETNS_HOSTIFS[@]}"; do
		ip link del "$ifname" 2>/dev/null
	done
	for ns in "${NETNS_LIST[@]}"; do
		# Whatever a test left running in it must not keep it alive.
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	NETNS_LIST=()
	NETNS_HOSTIFS=()
}

# netns_delayline DELAY_US LOG
#	Three namespaces: NETNS_A (198.18.0.1, 2001:db8:a::1) and NETNS_B
#	(198.18.1.2, secondary 198.18.1.3, 2001:db8:b::2), joined through NETNS_M,
#	which sends every packet between them through a TUN device held by
#	regress/tools/delayline (DELAY_US each way; 0 for none; NETNS_DL_FLAGS
#	are its extra flags, e.g. "-b -a 198.18.1.3" to delay one address
#	only, polling).  Each packet's real hold time goes to LOG ("<dst> <ns>
#	<src>" per line).  The delay line's PID is in NETNS_DL_PID.
netns_delayline() {
	local d=$1 log=$2 tool=${DELAYLINE:-build/regress/tools/delayline}
	local a m b ifa ifb i

	[ -x "$tool" ] || bail "$tool missing (make tools)"
	netns_new a
	netns_new m
	netns_new b
	netns_veth "$a" "198.18.0.1/24 2001:db8:a::1/64" \
	    "$m" "198.18.0.254/24 2001:db8:a::fe/64"
	ifa=$NETNS_IF2
	netns_veth "$b" "198.18.1.2/24 198.18.1.3/24 2001:db8:b::2/64" \
	    "$m" "198.18.1.254/24 2001:db8:b::fe/64"
	ifb=$NETNS_IF2
	ip -n "$a" route add default via 198.18.0.254
	ip -n "$a" -6 route add default via 2001:db8:a::fe
	ip -n "$b" route add default via 198.18.1.254
	ip -n "$b" -6 route add default via 2001:db8:b::fe
	netns_run "$m" sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.rp_filter=0 \
	    net.ipv4.conf.default.rp_filter=0
	# A persistent TUN device: the delay line can be restarted (with
	# another delay) without losing the routes through it.
	ip -n "$m" tuntap add dev dl0 mode tun || bail "tuntap add failed"
	NETNS_M=$m
	netns_run "$m" sysctl -qw net.ipv4.conf.dl0.rp_filter=0
	ip -n "$m" link set dl0 up
	netns_delayline_start "$d" "$log"
	# Only traffic between A and B crosses the delay line (not ND).
	ip -n "$m" rule add iif "$ifa" to 198.18.1.0/24 lookup 100
	ip -n "$m" rule add iif "$ifb" to 198.18.0.0/24 lookup 100
	ip -n "$m" -6 rule add iif "$ifa" to 2001:db8:b::/64 lookup 100
	ip -n "$m" -6 rule add iif "$ifb" to 2001:db8:a::/64 lookup 100
	ip -n "$m" route add default dev dl0 table 100
	ip -n "$m" -6 route add default dev dl0 table 100
	NETNS_A=$a
	NETNS_B=$b
}

# netns_delayline_start DELAY_US LOG: (re)start the delay line on dl0.
netns_delayline_start() {
	local d=$1 log=$2 tool=${DELAYLINE:-build/regress/tools/delayline}

	if [ -n "${NETNS_DL_PID:-}" ]; then
		kill "$NETNS_DL_PID" 2>/dev/null
		wait "$NETNS_DL_PID" 2>/dev/null
	fi
	: >"$log"
	# Not through a function: $! must be the delay line itself.
	echo "$d" >"$log.ctl"
	ip netns exec "$NETNS_M" "$tool" ${NETNS_DL_FLAGS:-} -c "$log.ctl" \
	    -i dl0 -d "$d" -l "$log" 2>/dev/null &
	NETNS_DL_PID=$!
	cleanup_push "kill $NETNS_DL_PID 2>/dev/null; wait $NETNS_DL_PID 2>/dev/null"
	# Attached once the device has a carrier.
	wait_until 5000 20 netns_dl_attached || bail "delayline did not attach"
}

# netns_delayline_set DELAY_US LOG: the running delay line holds the
# packets that come from now on DELAY_US (those held keep their delay).
netns_delayline_set() {
	echo "$1" >"$2.ctl.new" && mv "$2.ctl.new" "$2.ctl" &&
	    kill -HUP "$NETNS_DL_PID"
}

netns_dl_attached() {
	ip -n "$NETNS_M" link show dl0 2>/dev/null | grep -q LOWER_UP
}

# netns_hold_p50 LOG DST_PREFIX [SRC_PREFIX]: median hold time (ns) of the
# packets in LOG whose destination (and source) start with the prefixes.
netns_hold_p50() {
	awk -v p="$2" -v q="${3:-}" \
	    'index($1, p) == 1 && index($3, q) == 1 { print $2 }' "$1" | sort -n |
	    awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'
}
