#!/bin/bash
#
# Every role's sandbox forbids execve (TAP): `lopad -T ROLE` drops
# privileges as that role's child does, then calls execve, and must be
# killed by SIGSYS (exit status 128 + 31 from the shell).  Under strace,
# the filter is seen installed and execve is the last call made.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"

roles="engine sender reflector netlink control"

plan 12

lopad_init
lopad_config "$LOPAD_CONF"
ulimit -c 0
cd "$LOPAD_DIR" || bail "cd $LOPAD_DIR"

for r in $roles; do
	# (The group keeps bash's "Bad system call" notice off stderr.)
	{ timeout -k 2 10 "$LOPAD" -T "$r" -f "$LOPAD_CONF" \
	    >"$LOPAD_DIR/T.$r.out" 2>&1; rc=$?; } 2>/dev/null
	if is "$rc" 159 "$r: lopad -T $r is killed by SIGSYS (status 159)"; then
		:
	else
		diag_file "$LOPAD_DIR/T.$r.out"
	fi
done

# strace: the seccomp filter goes in, then execve is the fatal call.
for r in $roles; do
	{ timeout -k 2 20 strace -f -qq -o "$LOPAD_DIR/strace.$r" \
	    "$LOPAD" -T "$r" -f "$LOPAD_CONF" >/dev/null 2>&1; } 2>/dev/null
	tr=$LOPAD_DIR/strace.$r
	sc=$(grep -nE 'seccomp\(|PR_SET_SECCOMP' "$tr" | tail -n 1 | cut -d: -f1)
	ex=$(grep -n 'execve("/' "$tr" | tail -n 1 | cut -d: -f1)
	last=$(grep -v '+++ killed by' "$tr" | tail -n 1)
	if [ -n "$sc" ] && [ -n "$ex" ] && [ "$sc" -lt "$ex" ] &&
	    grep -q 'killed by SIGSYS' "$tr" &&
	    printf '%s\n' "$last" | grep -q 'execve('; then
		ok "$r: the filter is installed, then execve is killed"
	else
		not_ok "$r: the filter is installed, then execve is killed"
		diag_file "$tr" 8
	fi
	[ "$r" = control ] && { diag "control, last lines under strace:";
	    tail -n 4 "$tr" | diag -; }
done

timeout 10 "$LOPAD" -T nosuchrole -f "$LOPAD_CONF" >/dev/null 2>&1
is "$?" 2 "lopad -T with an unknown role exits 2"

timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$LOPAD" -T engine -f "$LOPAD_CONF" >"$LOPAD_DIR/T.nonroot" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 159 ]; then
	ok "lopad -T refuses to run without root (status $rc)"
else
	not_ok "lopad -T refuses to run without root (status $rc)"
	diag_file "$LOPAD_DIR/T.nonroot"
fi

done_testing
