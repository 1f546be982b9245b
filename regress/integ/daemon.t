#!/bin/bash
#
# The process picture of a running lopad (TAP): a root parent and five
# children with the right titles, each sandboxed (uid, gid, capabilities,
# no_new_privs, seccomp, chroot); /-/healthy and /-/ready; a clean stop;
# the same daemon inside a network namespace.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

roles="engine sender reflector netlink control"

plan 51

if lopad_start; then
	ok "lopad starts and /-/ready answers"
else
	not_ok "lopad starts and /-/ready answers"
	give_up "lopad did not start"
fi

diag "parent pid $LOPAD_PID, title '$(proc_title "$LOPAD_PID")'"
nkids=$(lopad_children | wc -l)
is "$nkids" 5 "the parent has five children"

for r in $roles; do
	p=$(lopad_role_pid "$r")
	if [ -n "$p" ]; then
		ok "a child is titled 'lopad: $r' (pid $p)"
	else
		not_ok "a child is titled 'lopad: $r'"
		for c in $(lopad_children); do
			diag "child $c: '$(proc_title "$c")'"
		done
	fi
done

# uid/gid: "real effective saved fs", none of them root.
no_zero() {
	local v

	[ -n "$1" ] || return 1
	for v in $1; do
		[ "$v" -ne 0 ] || return 1
	done
	return 0
}

for r in $roles; do
	p=$(lopad_role_pid "$r")
	if [ -z "$p" ]; then
		for i in 1 2 3 4 5 6; do
			not_ok "$r: no such child"
		done
		continue
	fi
	uid=$(proc_status "$p" Uid)
	no_zero "$uid"
	result $? "$r: Uid '$uid' has no 0"
	gid=$(proc_status "$p" Gid)
	groups=$(proc_status "$p" Groups)
	no_zero "$gid${groups:+ $groups}"
	result $? "$r: Gid '$gid' and Groups '$groups' have no 0"
	is "$(proc_status "$p" CapEff)" 0000000000000000 "$r: CapEff is 0"
	is "$(proc_status "$p" NoNewPrivs)" 1 "$r: NoNewPrivs is 1"
	is "$(proc_status "$p" Seccomp)" 2 "$r: Seccomp is 2 (filter)"
	is "$(readlink "/proc/$p/root")" "$LOPAD_CHROOT" \
	    "$r: root is the chroot directory"
done

is "$(proc_status "$LOPAD_PID" Uid)" "0 0 0 0" "the parent stays root"

code=$(api ro GET /-/healthy)
is "$code $(cat "$API_BODY")" "200 lopad is healthy" "GET /-/healthy"
code=$(api ro GET /-/ready)
is "$code $(cat "$API_BODY")" "200 lopad is ready" "GET /-/ready"
log_like '^parent: .*ready' "the parent logs that it is ready"

# A socket requested at run time: the netlink child asks the parent for
# its NETLINK_ROUTE socket, which arrives with a receive buffer beyond
# net.core.rmem_max (SO_RCVBUFFORCE, which the child could not set).
nlpid=$(lopad_role_pid netlink)
rmem=$(cat /proc/sys/net/core/rmem_max)
lopad_log_wait '^netlink: netlink socket [0-9]+, receive buffer' 2000
rcv=$(grep -oE '^netlink: netlink socket [0-9]+, receive buffer [0-9]+' \
    "$LOPAD_LOG" | grep -oE '[0-9]+$' | tail -n 1)
if [ -n "$rcv" ] && [ "$rcv" -gt "$rmem" ] &&
    ls -l "/proc/$nlpid/fd" | grep -q 'socket:'; then
	ok "netlink got its socket from the parent at run time ($rcv > rmem_max $rmem)"
else
	not_ok "netlink got its socket from the parent at run time"
	diag "receive buffer '$rcv', rmem_max $rmem"
fi

lopad_stop
is "$LOPAD_EXIT" 0 "SIGTERM: lopad exits 0"
lopad_children_gone 2000
result $? "no child outlives the parent"

# The same daemon inside a network namespace: the harness' netns path.
netns_new ns
if lopad_start "$ns"; then
	ok "lopad starts inside namespace $ns"
else
	not_ok "lopad starts inside namespace $ns"
	give_up "lopad did not start in a namespace"
fi
is "$(readlink "/proc/$LOPAD_PID/ns/net")" \
    "$(ip netns exec "$ns" readlink /proc/self/ns/net)" \
    "the parent runs in the namespace"
p=$(lopad_role_pid control)
is "$(readlink "/proc/${p:-0}/ns/net")" \
    "$(readlink "/proc/$LOPAD_PID/ns/net")" "control runs in the namespace"
code=$(api tcp GET /-/healthy)
is "$code" 200 "HTTP on $LOPAD_HTTP_ADDR answers inside the namespace"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "$LOPAD_URL/-/healthy")
is "${code:-000}" 000 "and not in the host's namespace"
is "$(proc_status "$(lopad_role_pid sender)" Seccomp)" 2 \
    "children are sandboxed inside the namespace too"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad in the namespace exits 0 on SIGTERM"

done_testing
