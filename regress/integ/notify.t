#!/bin/bash
#
# systemd readiness (TAP): with NOTIFY_SOCKET set, lopad stays in the
# foreground and sends READY=1 only once all five children are ready and
# sandboxed; a reload is bracketed by RELOADING=1 and READY=1; SIGTERM
# sends STOPPING=1.  A small python3 listener plays systemd and records
# each datagram with the children's Seccomp state at that moment.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

plan 7

lopad_init
lopad_config "$LOPAD_CONF"
notify=$LOPAD_DIR/notify.sock
record=$LOPAD_DIR/notify.log

# The listener checks, when READY=1 arrives, how many children of the
# sender's parent run with a seccomp filter (Seccomp: 2).
python3 - "$notify" "$record" <<'PY' &
import os, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(30)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
with open(out, "w", buffering=1) as f:
    end = time.time() + 30
    while time.time() < end:
        try:
            msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            break
        pid = None
        for lvl, typ, data in anc:
            if lvl == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                pid = int.from_bytes(data[0:4], "little")
        sandboxed = 0
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                st = open(f"/proc/{p}/status").read()
            except OSError:
                continue
            if f"PPid:\t{pid}\n" in st and "Seccomp:\t2" in st:
                sandboxed += 1
        f.write(f"{msg.decode()} pid={pid} sandboxed={sandboxed}\n")
        if msg == b"STOPPING=1":
            break
PY
listener=$!
cleanup_push "kill $listener 2>/dev/null"
wait_until 3000 50 test -S "$notify" || bail "notify listener did not start"

# No -d: under systemd lopad must not detach even so.
NOTIFY_SOCKET=$notify "$LOPAD" -v -f "$LOPAD_CONF" </dev/null \
    >>"$LOPAD_LOG" 2>&1 &
LOPAD_PID=$!
LOPAD_PIDS+=("$LOPAD_PID")
lopad_wait_ready || give_up "lopad did not start"
wait_until 3000 50 grep -q READY=1 "$record"

first=$(head -n 1 "$record")
like "$first" '^READY=1 ' "the first notification is READY=1 ($first)"
like "$first" "pid=$LOPAD_PID " "it comes from the parent (pid $LOPAD_PID)"
like "$first" 'sandboxed=5$' "all five children were sandboxed when it came"
is "$(readlink /proc/$LOPAD_PID/exe)" "$(readlink -f "$LOPAD")" \
    "with NOTIFY_SOCKET and no -d lopad does not detach (same pid)"

kill -HUP "$LOPAD_PID"
wait_until 3000 50 sh -c "grep -c READY=1 '$record' | grep -qx 2"
like "$(sed -n 2,3p "$record" | cut -d' ' -f1 | tr '\n' ' ')" \
    '^RELOADING=1 READY=1 $' "a reload sends RELOADING=1, then READY=1"

lopad_stop
is "$LOPAD_EXIT" 0 "SIGTERM: exit 0"
wait_until 3000 50 grep -q STOPPING=1 "$record"
like "$(tail -n 1 "$record")" '^STOPPING=1 ' "SIGTERM sends STOPPING=1"

done_testing
