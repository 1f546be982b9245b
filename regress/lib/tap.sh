# TAP helpers for the integration tests (bash; source it).
#
#	. "$(dirname "$0")/../lib/tap.sh"
#	plan 3
#	ok "daemon answers"		# or: not_ok "..."
#	check "status works" cmd args	# ok when the command succeeds
#	is "$got" "$want" "field x"
#	like "$got" 'regex' "log names the child"
#	diag "free text"
#	done_testing			# summary; exit 1 when anything failed
#
# Every test sources this first: it sets a sane PATH, finds the tree
# (LOPA_ROOT) and installs the EXIT trap that runs the cleanup stack
# (cleanup_push CMD), so daemons, namespaces and temp dirs go away also
# when a test fails or is interrupted.

set -u

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL

LOPA_ROOT=${LOPA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

tap_planned=0
tap_n=0
tap_failed=0
tap_done=0
tap_cleanup=()

# plan N: print the plan; call once, before the first result.
plan() {
	tap_planned=$1
	echo "1..$1"
}

# TAP_TODO=REASON: while set, results are TODO tests (a goal not yet met
# everywhere): printed with "# TODO REASON"; a failure does not fail the
# script.  Unset it right after.
TAP_TODO=

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*${TAP_TODO:+ # TODO $TAP_TODO}"
}

not_ok() {
	tap_n=$((tap_n + 1))
	[ -z "$TAP_TODO" ] && tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*${TAP_TODO:+ # TODO $TAP_TODO}"
}

# skip DESC REASON: counts as passed.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP ${2:-}"
}

# diag TEXT...: each line prefixed with "# " (also reads stdin with -).
diag() {
	if [ "$#" -eq 1 ] && [ "$1" = - ]; then
		sed 's/^/# /'
	else
		printf '%s\n' "$*" | sed 's/^/# /'
	fi
}

# diag_file FILE [LINES]: the last LINES (default 20) lines of a file.
diag_file() {
	[ -f "$1" ] || { diag "($1 does not exist)"; return 0; }
	diag "--- last lines of $1:"
	tail -n "${2:-20}" "$1" | diag -
}

# result COND DESC: ok when COND (a status, 0 = true) holds.
result() {
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		not_ok "$2"
	fi
	return "$1"
}

# check DESC CMD ARGS...: ok when the command exits 0; its output is
# shown as diagnostics when it fails.
check() {
	local desc=$1 out rc

	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command failed (exit $rc): $*"
		[ -n "$out" ] && printf '%s\n' "$out" | head -n 20 | diag -
	fi
	return "$rc"
}

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
		return 0
	fi
	not_ok "$3"
	diag "     got: '$1'"
	diag "expected: '$2'"
	return 1
}

# isnt GOT UNWANTED DESC
isnt() {
	if [ "$1" != "$2" ]; then
		ok "$3"
		return 0
	fi
	not_ok "$3"
	diag "     got: '$1'"
	diag "expected anything else"
	return 1
}

# like GOT ERE DESC: GOT (may be several lines) matches the extended regex.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
		return 0
	fi
	not_ok "$3"
	diag "         got: '$(printf '%s' "$1" | head -c 2000)'"
	diag "doesn't match: '$2'"
	return 1
}

# unlike GOT ERE DESC
unlike() {
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
		return 0
	fi
	not_ok "$3"
	diag "          got: '$(printf '%s' "$1" | head -c 2000)'"
	diag "should not match: '$2'"
	return 1
}

# cmp_le A B DESC: integer A <= B.
cmp_le() {
	if [ "$1" -le "$2" ] 2>/dev/null; then
		ok "$3"
		return 0
	fi
	not_ok "$3"
	diag "got $1, want <= $2"
	return 1
}

# bail REASON: abort the whole run (prove stops); cleanup still runs.
bail() {
	echo "Bail out! $*"
	tap_done=1
	exit 255
}

# give_up REASON: the remaining planned tests cannot run (e.g. the daemon
# did not start): report them as failed and end this script only.
give_up() {
	echo "# giving up: $*"
	while [ "$tap_n" -lt "$tap_planned" ]; do
		not_ok "not run: $*"
	done
	done_testing
}

# cleanup_push CMD: run CMD (eval'd) at exit, newest first.
cleanup_push() {
	tap_cleanup+=("$1")
}

tap_run_cleanup() {
	local i

	for ((i = ${#tap_cleanup[@]} - 1; i >= 0; i--)); do
		# fd 3: the test's stderr, for what cleanup must say.
		eval "${tap_cleanup[$i]}" 3>&2 >/dev/null 2>&1 || true
	done
	tap_cleanup=()
}

tap_exit() {
	local rc=$?

	trap - EXIT
	tap_run_cleanup
	if [ "$tap_done" -eq 0 ]; then
		echo "# test script exited early (status $rc) after $tap_n tests"
		[ "$rc" -eq 0 ] && rc=1
	fi
	exit "$rc"
}

trap tap_exit EXIT
trap 'echo "# interrupted"; exit 130' INT
trap 'echo "# terminated"; exit 143' TERM

# done_testing: the summary; exits 0 only when everything planned passed.
done_testing() {
	local rc=0

	tap_done=1
	if [ "$tap_n" -ne "$tap_planned" ]; then
		echo "# planned $tap_planned tests but ran $tap_n"
		rc=1
	fi
	if [ "$tap_failed" -ne 0 ]; then
		echo "# failed $tap_failed of $tap_n tests"
		rc=1
	else
		echo "# passed all $tap_n tests"
	fi
	exit "$rc"
}

# wait_until TIMEOUT_MS STEP_MS CMD...: poll CMD until it succeeds;
# returns 1 after TIMEOUT_MS.
wait_until() {
	local limit=$1 step=$2 start now

	shift 2
	start=$(now_ms)
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		now=$(now_ms)
		[ $((now - start)) -ge "$limit" ] && return 1
		sleep "$(printf '0.%03d' "$step")"
	done
}

# now_ms: monotonic-enough milliseconds (EPOCHREALTIME, no fork).
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}

	echo $((t / 1000))
}

# need_root: bail unless root.
need_root() {
	[ "$(id -u)" -eq 0 ] || bail "integration tests need root"
}
