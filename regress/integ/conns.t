#!/bin/bash
#
# Misbehaving HTTP clients (TAP): 1000 idle connections, garbage bytes,
# a request cut off halfway, accept() failing with EMFILE, the idle
# timeout and the connection cap.  The daemon must keep answering others
# and must not spin (CPU time of the control process while idle).

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

plan 21

ulimit -Sn 8192 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null

lopad_init
client=$LOPAD_DIR/client.py
cat >"$client" <<'EOF'
# client.py MODE HOST PORT [ARGS]: misbehaving HTTP clients.
import socket, sys, time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

def conn(timeout=5):
    s = socket.create_connection((host, port), timeout=timeout)
    return s

def outcome(s, timeout=5):
    # "400 ..." for an HTTP answer, "closed" for EOF, "timeout", "reset".
    s.settimeout(timeout)
    try:
        data = s.recv(4096)
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return "reset"
    if not data:
        return "closed"
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    return parts[1] if len(parts) > 1 else line

if mode == "hold":
    # hold N SECONDS: open N idle connections, print how many, keep them
    # until killed or SECONDS passed.
    n, secs = int(sys.argv[4]), float(sys.argv[5])
    socks = []
    for i in range(n):
        try:
            socks.append(conn())
        except OSError as e:
            print("connect %d: %s" % (i, e), file=sys.stderr)
            break
    print(len(socks), flush=True)
    time.sleep(secs)
elif mode == "garbage":
    s = conn()
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\xff"
              b"garbage \x00\x01\x02 not http\r\n\r\n")
    print(outcome(s))
elif mode == "half":
    s = conn()
    s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: lopad\r\nX-Half: ab")
    time.sleep(0.2)
    s.close()
    print("sent")
elif mode == "idle":
    # idle LIMIT: connect, send nothing, report when the server closes.
    limit = float(sys.argv[4])
    s = conn()
    t0 = time.monotonic()
    r = outcome(s, limit)
    print("%s %d" % (r, (time.monotonic() - t0) * 1000))
EOF

# hold N SECONDS: start a holder in the background; HOLDER is its pid,
# its count goes to $LOPAD_DIR/held.
hold() {
	: >"$LOPAD_DIR/held"
	python3 "$client" hold 127.0.0.1 "$LOPAD_HTTP_PORT" "$1" "$2" \
	    >"$LOPAD_DIR/held" 2>"$LOPAD_DIR/held.err" &
	HOLDER=$!
	cleanup_push "kill $HOLDER"
	wait_until 20000 50 test -s "$LOPAD_DIR/held"
}

unhold() {
	kill "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
}

nfds() {
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}

fds_ge() {
	[ "$(nfds "$1")" -ge "$2" ]
}

fds_le() {
	[ "$(nfds "$1")" -le "$2" ]
}

# timed CMD...: run CMD, set T_MS to its duration; returns its status.
timed() {
	local t0 rc

	t0=$(now_ms)
	"$@" >/dev/null 2>&1
	rc=$?
	T_MS=$(($(now_ms) - t0))
	return "$rc"
}

tcp_status() {
	[ "$(api tcp GET /api/v1/status)" = 200 ]
}

# idle_ticks PID SECONDS: CPU ticks PID uses over SECONDS.
idle_ticks() {
	local a b

	a=$(proc_cputicks "$1")
	sleep "$2"
	b=$(proc_cputicks "$1")
	echo $((b - a))
}

if lopad_start; then
	ok "lopad starts"
else
	not_ok "lopad starts"
	give_up "lopad did not start"
fi
ctl=$(lopad_role_pid control)
base=$(nfds "$ctl")
diag "control pid $ctl has $base fds"

# -- 1000 idle connections ----------------------------------------------

hold 1000 60
is "$(cat "$LOPAD_DIR/held")" 1000 "1000 idle TCP connections are open"
[ -s "$LOPAD_DIR/held.err" ] && diag_file "$LOPAD_DIR/held.err" 3
wait_until 5000 100 fds_ge "$ctl" "$((base + 1000))"
diag "control has $(nfds "$ctl") fds"
timed tcp_status
rc=$?
if [ "$rc" -eq 0 ] && [ "$T_MS" -lt 2000 ]; then
	ok "GET /api/v1/status over TCP answers in $T_MS ms while they wait"
else
	not_ok "GET /api/v1/status over TCP answers in < 2 s (status $rc, $T_MS ms)"
fi
timed lopactl_run -s "$LOPAD_SOCK" status
rc=$?
if [ "$rc" -eq 0 ] && [ "$T_MS" -lt 2000 ]; then
	ok "lopactl status over the socket answers in $T_MS ms"
else
	not_ok "lopactl status over the socket answers in < 2 s (exit $rc, $T_MS ms)"
fi
ticks=$(idle_ticks "$ctl" 2)
cmp_le "$ticks" 5 "control uses no CPU while they sit idle ($ticks ticks in 2 s)"

out=$(timeout 10 python3 "$client" garbage 127.0.0.1 "$LOPAD_HTTP_PORT" 2>&1)
like "$out" '^(400|closed|reset)$' "garbage bytes: 400 or closed ($out)"
timed tcp_status
result $? "the daemon still answers after the garbage"

out=$(timeout 10 python3 "$client" half 127.0.0.1 "$LOPAD_HTTP_PORT" 2>&1)
is "$out" sent "a client sends half a request and disconnects"
timed tcp_status
result $? "the daemon still answers after it"
timed lopactl_run -s "$LOPAD_SOCK" status
result $? "and over the socket"

unhold
wait_until 5000 100 fds_le "$ctl" "$((base + 10))"
cmp_le "$(nfds "$ctl")" "$((base + 10))" \
    "control closes the connections the clients closed"
is "$(proc_status "$ctl" Seccomp)" 2 "control survived all of it"

# -- accept() at EMFILE ----------------------------------------------------

# The test may lack CAP_SYS_RESOURCE: prlimit(2) as the process' own
# user needs none for lowering and restoring its soft limit.
lim=$(awk '/^Max open files/ { print $4 ":" $5 }' "/proc/$ctl/limits")
cap=$(($(nfds "$ctl") + 4))
as_ctl=(setpriv --reuid="$(stat -c %u "/proc/$ctl")" \
    --regid="$(stat -c %g "/proc/$ctl")" --clear-groups)
diag "control RLIMIT_NOFILE $lim, lowered to $cap"
if "${as_ctl[@]}" prlimit --pid "$ctl" --nofile="$cap:${lim#*:}"; then
	hold 50 30
	ticks=$(idle_ticks "$ctl" 2)
	cmp_le "$ticks" 10 \
	    "accept failing with EMFILE: no busy loop ($ticks ticks in 2 s)"
	unhold
	"${as_ctl[@]}" prlimit --pid "$ctl" --nofile="$lim"
else
	not_ok "accept failing with EMFILE: cannot lower the control's limit"
fi
wait_until 5000 100 tcp_status
result $? "after EMFILE the daemon answers again"
is "$(proc_status "$ctl" Seccomp)" 2 "control survived EMFILE"
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# -- idle timeout and connection cap ---------------------------------------

if lopad_start "" "http:
  listen: [\"$LOPAD_HTTP_ADDR\"]
  idle_timeout: 1s
  max_connections: 20"; then
	ok "lopad starts with idle_timeout 1s, max_connections 20"
else
	not_ok "lopad starts with idle_timeout 1s, max_connections 20"
	give_up "lopad did not start"
fi
ctl=$(lopad_role_pid control)
out=$(timeout 10 python3 "$client" idle 127.0.0.1 "$LOPAD_HTTP_PORT" 5 2>&1)
like "$out" '^(closed|reset|408) ' "an idle connection is closed ($out ms)"
ms=${out#* }
if [ "$ms" -ge 900 ] 2>/dev/null && [ "$ms" -le 3000 ]; then
	ok "after about idle_timeout (1 s)"
else
	not_ok "after about idle_timeout (1 s): $out"
fi

base=$(nfds "$ctl")
hold 50 30
sleep 0.5
n=$(nfds "$ctl")
cmp_le "$((n - base))" 20 "max_connections 20: at most 20 held ($((n - base)))"
unhold
wait_until 5000 100 tcp_status
result $? "the daemon answers once they are gone"

lopad_stop

done_testing
