#!/bin/bash
#
# Supervision (TAP): kill -9 of any child ends the daemon (non-zero, within
# 1 s, sockets removed, the log names the child and the signal); SIGTERM
# and SIGINT end it cleanly, also when sent to the whole process group; a stale socket file is replaced at start; a
# second lopad on the same sockets refuses to start and leaves the first
# alone.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

roles="engine sender reflector netlink control"

plan 50

# sockets_gone: neither control socket exists.
sockets_gone() {
	[ ! -e "$LOPAD_SOCK" ] && [ ! -e "$LOPAD_RSOCK" ]
}

for r in $roles; do
	if ! lopad_start; then
		for i in 1 2 3 4 5 6; do
			not_ok "kill -9 $r: lopad did not start"
		done
		lopad_stop
		continue
	fi
	p=$(lopad_role_pid "$r")
	if [ -z "$p" ]; then
		for i in 1 2 3 4 5 6; do
			not_ok "kill -9 $r: no child titled 'lopad: $r'"
		done
		lopad_stop
		continue
	fi
	kill -KILL "$p"
	lopad_wait_exit 1500
	exited=$?
	if [ "$exited" -eq 0 ]; then
		ok "kill -9 $r: the parent exits (after $LOPAD_EXIT_MS ms)"
	else
		not_ok "kill -9 $r: the parent exits (still running after 1.5 s)"
	fi
	cmp_le "$LOPAD_EXIT_MS" 1000 "kill -9 $r: within 1 s"
	if [ "$exited" -eq 0 ] && [ "$LOPAD_EXIT" -ne 0 ]; then
		ok "kill -9 $r: exit status non-zero ($LOPAD_EXIT)"
	else
		not_ok "kill -9 $r: exit status non-zero (${LOPAD_EXIT:-running})"
	fi
	sockets_gone
	result $? "kill -9 $r: control sockets removed"
	log_like "$r terminated; signal 9" \
	    "kill -9 $r: the log says '$r terminated; signal 9'"
	lopad_children_gone 2000
	result $? "kill -9 $r: the other children are gone"
	lopad_stop
done

# SIGTERM and SIGINT: clean, exit 0.
for sig in TERM INT; do
	if ! lopad_start; then
		for i in 1 2 3; do
			not_ok "SIG$sig: lopad did not start"
		done
		continue
	fi
	kill -"$sig" "$LOPAD_PID"
	lopad_wait_exit 5000
	is "${LOPAD_EXIT:-running}" 0 "SIG$sig: lopad exits 0"
	sockets_gone
	result $? "SIG$sig: control sockets removed"
	lopad_children_gone 2000
	result $? "SIG$sig: no child left"
	lopad_stop
done

# SIGTERM to the whole process group (timeout(1), a service manager
# without KillMode=mixed): the children leave the signal to the parent,
# which still ends cleanly.
lopad_init
lopad_config "$LOPAD_CONF"
: >"$LOPAD_LOG"
setsid "$LOPAD" -d -v -f "$LOPAD_CONF" </dev/null >>"$LOPAD_LOG" 2>&1 &
LOPAD_PID=$!
LOPAD_PIDS+=("$LOPAD_PID")
if lopad_wait_ready; then
	kill -TERM -- "-$LOPAD_PID"
	lopad_wait_exit 5000
	is "${LOPAD_EXIT:-running}" 0 "SIGTERM to the process group: exit 0"
	if grep -q 'terminated;' "$LOPAD_LOG"; then
		not_ok "SIGTERM to the process group: no child reported dead"
		diag_file "$LOPAD_LOG" 6
	else
		ok "SIGTERM to the process group: no child reported dead"
	fi
else
	not_ok "SIGTERM to the process group: lopad did not start"
	not_ok "SIGTERM to the process group: no child reported dead"
fi
lopad_stop

# stale_socket PATH: a UNIX socket file nobody listens on any more.
stale_socket() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.close()
' "$1"
}

lopad_init
stale_socket "$LOPAD_SOCK"
stale_socket "$LOPAD_RSOCK"
if [ -S "$LOPAD_SOCK" ] && [ -S "$LOPAD_RSOCK" ]; then
	ok "stale socket files exist before the start"
else
	not_ok "stale socket files exist before the start"
fi
if lopad_start; then
	ok "lopad starts over stale sockets"
else
	not_ok "lopad starts over stale sockets"
fi
is "$(api rw GET /api/v1/status)" 200 "the replaced read-write socket answers"
is "$(api ro GET /api/v1/status)" 200 "the replaced read-only socket answers"

# A second lopad on the same sockets (its own HTTP port and state file).
first=$LOPAD_PID
lopad_port port2 || bail "no free port"
lopad_config "$LOPAD_DIR/second.conf" "http:
  listen: [\"127.0.0.1:$port2\"]
state_file: $LOPAD_DIR/state2.yaml"
lopad_exec 3 "$LOPAD_DIR/second.conf"
rc=$?
out=$(cat "$LOPAD_DIR/exec.out")
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
	ok "a second lopad on the same sockets refuses to start (exit $rc)"
else
	not_ok "a second lopad on the same sockets refuses to start (exit $rc)"
fi
like "$out" "$LOPAD_SOCK.*(running|in use|answer)" \
    "its message names the socket and says that a daemon answers there"
diag "$out"
proc_alive "$first"
result $? "the first lopad keeps running"
[ -S "$LOPAD_SOCK" ] && [ -S "$LOPAD_RSOCK" ]
result $? "its sockets are still there"
is "$(api rw GET /api/v1/status)" 200 "and still answer"
is "$(json_get "$API_BODY" '[p["pid"] for p in j["processes"]
    if p["role"] == "parent"][0]')" "$first" "answered by the first lopad"

# Not a socket at all: refused, the file left alone.
lopad_stop
is "$LOPAD_EXIT" 0 "the first lopad exits 0"
echo "not a socket" >"$LOPAD_SOCK"
lopad_config "$LOPAD_CONF"
lopad_exec 3 "$LOPAD_CONF"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
    [ "$(cat "$LOPAD_SOCK" 2>/dev/null)" = "not a socket" ]; then
	ok "a regular file on the socket path: refused, file kept"
else
	not_ok "a regular file on the socket path: refused, file kept (exit $rc)"
fi
diag "$(cat "$LOPAD_DIR/exec.out")"
rm -f "$LOPAD_SOCK"

done_testing
