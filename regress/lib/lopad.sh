# Start and stop a real lopad for an integration test (bash; source it
# after tap.sh).
#
#	lopad_start [NETNS] [EXTRA_YAML]	write a temp config, start
#		build/lopad -d -v -f CONF (inside NETNS when given), wait until
#		/-/ready answers; returns non-zero (log shown) when it did not
#	lopad_stop				SIGTERM, bounded wait, SIGKILL;
#		returns the daemon's exit status (also in LOPAD_EXIT)
#
# After lopad_init (called by lopad_start) these are set:
#	LOPAD_DIR	temp dir (0755), removed at exit
#	LOPAD_CONF	$LOPAD_DIR/lopad.conf; LOPAD_LOG its stderr
#	LOPAD_SOCK, LOPAD_RSOCK	control sockets in LOPAD_DIR
#	LOPAD_HTTP_PORT, LOPAD_HTTP_ADDR ("127.0.0.1:PORT"), LOPAD_URL
#	LOPAD_CHROOT	root-owned empty dir for the children
#	LOPAD_STATE	state file
#	LOPAD_PID	the parent (set by lopad_spawn/lopad_start)
#	LOPAD_NS	the namespace it runs in ("" for the host)
#
# EXTRA_YAML is appended to the generated config; a top-level key in it
# (user, chroot, control, http, reflector, state_file, ...) replaces the
# generated section of that name, so e.g.
#	lopad_start "" "http:
#	  listen: [\"$LOPAD_HTTP_ADDR\"]
#	  loopback_write: true"
# LOPAD_ENV=(VAR=value ...) adds environment variables for the next start.
# LOPA_KEEP=1 in the environment keeps the temp dir (logs) after the test.
# LOPAD=path and LOPACTL=path select other binaries.
#
# Also here: lopad_children, lopad_role_pid ROLE, proc_title, proc_status
# PID FIELD, proc_cputicks, proc_alive; lopad_wait_exit; lopad_log_wait and
# log_like; api WHERE METHOD PATH (curl over rw/ro socket or TCP, as
# another user with as_nobody/as_user); api_header; json_get FILE EXPR;
# lopactl_run; lopad_exec (foreground run, for start-up refusals);
# lopad_port VAR.

LOPAD=${LOPAD:-$LOPA_ROOT/build/lopad}
LOPACTL=${LOPACTL:-$LOPA_ROOT/build/lopactl}
LOPAD_USER=${LOPAD_USER:-_lopad}
LOPAD_DIR=
LOPAD_PID=
LOPAD_NS=
LOPAD_EXIT=
LOPAD_PIDS=()
LOPAD_CHILDREN=()
LOPAD_ENV=()
LOPAD_PORTS=()
lopad_nlog=0

# The caller's environment must not change the daemon under test.
unset NOTIFY_SOCKET LOPA_HTTP_ADDR LOPA_LOG_LEVEL LOPA_REFLECTOR_ENABLED \
    LOPA_REFLECTOR_ADDR LOPA_REFLECTOR_TWAMP_ADDR LOPA_REFLECTOR_TWAMP_STATEFUL \
    LOPA_MONITOR_ENABLED \
    LOPA_MONITOR_EVENT_BUFFER_SIZE LOPA_DAEMON_ADDR LOPA_TOKEN

lopad_init() {
	[ -n "$LOPAD_DIR" ] && return 0
	need_root
	[ -f "$LOPAD" ] && [ -x "$LOPAD" ] ||
	    bail "$LOPAD not found: run make first"
	LOPAD_DIR=$(mktemp -d /tmp/lopa-integ.XXXXXX) || bail "mktemp failed"
	cleanup_push lopad_cleanup
	# Traversable, so that unprivileged clients reach the sockets.
	chmod 755 "$LOPAD_DIR"
	LOPAD_CHROOT=$LOPAD_DIR/empty
	mkdir -m 755 "$LOPAD_CHROOT"
	LOPAD_CONF=$LOPAD_DIR/lopad.conf
	LOPAD_LOG=$LOPAD_DIR/lopad.log
	LOPAD_SOCK=$LOPAD_DIR/lopad.sock
	LOPAD_RSOCK=$LOPAD_DIR/lopad.rsock
	LOPAD_STATE=$LOPAD_DIR/state.yaml
	# api's output, writable by unprivileged clients too.
	mkdir -m 1777 "$LOPAD_DIR/client"
	API_BODY=$LOPAD_DIR/client/body
	API_HEADERS=$LOPAD_DIR/client/headers
	lopad_port LOPAD_HTTP_PORT || bail "no free TCP port"
	LOPAD_HTTP_ADDR=127.0.0.1:$LOPAD_HTTP_PORT
	LOPAD_URL=http://$LOPAD_HTTP_ADDR
	lopad_port LOPAD_REFL_PORT || bail "no free port"
	lopad_port LOPAD_TWAMP_PORT || bail "no free port"
	lopad_ensure_user
}

# The unprivileged user of the children (as `make install` creates it).
lopad_ensure_user() {
	id -u "$LOPAD_USER" >/dev/null 2>&1 && return 0
	useradd --system --no-create-home --home-dir /var/lib/lopad \
	    --shell /usr/sbin/nologin "$LOPAD_USER" ||
	    bail "cannot create user $LOPAD_USER"
	diag "created system user $LOPAD_USER"
}

# lopad_port VAR: set VAR to a TCP and UDP port free on 127.0.0.1, below
# the ephemeral range and not handed out before in this test.
lopad_port() {
	local i p q used

	for ((i = 0; i < 100; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		used=0
		for q in "${LOPAD_PORTS[@]}"; do
			[ "$q" = "$p" ] && used=1
		done
		[ "$used" = 1 ] && continue
		if python3 -c '
import socket, sys
p = int(sys.argv[1])
for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, t)
    s.bind(("127.0.0.1", p))
    s.close()
' "$p" 2>/dev/null; then
			LOPAD_PORTS+=("$p")
			printf -v "$1" '%s' "$p"
			return 0
		fi
	done
	return 1
}

# lopad_config FILE [EXTRA_YAML]
lopad_config() {
	local file=$1 extra=${2:-} k

	lopad_init
	{
		for k in user chroot control http reflector state_file; do
			if printf '%s\n' "$extra" | grep -q "^$k:"; then
				continue
			fi
			case $k in
			user)
				echo "user: $LOPAD_USER" ;;
			chroot)
				echo "chroot: $LOPAD_CHROOT" ;;
			control)
				echo "control:"
				echo "  socket: $LOPAD_SOCK"
				echo "  rsocket: $LOPAD_RSOCK" ;;
			http)
				echo "http:"
				echo "  listen: [\"$LOPAD_HTTP_ADDR\"]" ;;
			reflector)
				echo "reflector:"
				echo "  addr: \"127.0.0.1:$LOPAD_REFL_PORT\""
				echo "  twamp_addr: \"127.0.0.1:$LOPAD_TWAMP_PORT\"" ;;
			state_file)
				echo "state_file: $LOPAD_STATE" ;;
			esac
		done
		[ -n "$extra" ] && printf '%s\n' "$extra"
	} >"$file"
}

# lopad_spawn NETNS CONF: start lopad -d -v in the background; sets
# LOPAD_PID and LOPAD_NS.  The log goes to LOPAD_LOG (the previous one is
# kept as LOPAD_LOG.N).
lopad_spawn() {
	local ns=$1 conf=$2

	lopad_init
	if [ -e "$LOPAD_LOG" ]; then
		lopad_nlog=$((lopad_nlog + 1))
		mv "$LOPAD_LOG" "$LOPAD_LOG.$lopad_nlog"
	fi
	: >"$LOPAD_LOG"
	# Simple commands are exec'd by bash and ip(8) exec's its command,
	# so $! is lopad itself.
	if [ -n "$ns" ]; then
		ip netns exec "$ns" env "${LOPAD_ENV[@]}" "$LOPAD" -d -v \
		    -f "$conf" </dev/null >>"$LOPAD_LOG" 2>&1 &
	else
		env "${LOPAD_ENV[@]}" "$LOPAD" -d -v -f "$conf" \
		    </dev/null >>"$LOPAD_LOG" 2>&1 &
	fi
	LOPAD_PID=$!
	LOPAD_NS=$ns
	LOPAD_EXIT=
	LOPAD_PIDS+=("$LOPAD_PID")
}

# lopad_start [NETNS] [EXTRA_YAML]
lopad_start() {
	local ns=${1:-} extra=${2:-}

	lopad_init
	lopad_config "$LOPAD_CONF" "$extra"
	lopad_spawn "$ns" "$LOPAD_CONF"
	lopad_wait_ready
}

# lopad_ready: /-/ready answers 200 on the read-only socket.
lopad_ready() {
	local code

	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
	    --unix-socket "$LOPAD_RSOCK" http://lopad/-/ready 2>/dev/null)
	[ "$code" = 200 ]
}

# lopad_wait_ready [TIMEOUT_MS]: wait (every 50 ms, 10 s by default)
# until the daemon is ready; fails early when it exits.
lopad_wait_ready() {
	local limit=${1:-10000} start exe

	start=$(now_ms)
	while :; do
		if ! proc_alive "$LOPAD_PID"; then
			wait "$LOPAD_PID" 2>/dev/null
			LOPAD_EXIT=$?
			diag "lopad (pid $LOPAD_PID) exited with status" \
			    "$LOPAD_EXIT before it was ready"
			diag_file "$LOPAD_LOG"
			return 1
		fi
		lopad_ready && break
		if [ $(($(now_ms) - start)) -ge "$limit" ]; then
			diag "lopad (pid $LOPAD_PID) not ready after $limit ms"
			diag_file "$LOPAD_LOG"
			return 1
		fi
		sleep 0.05
	done
	exe=$(readlink "/proc/$LOPAD_PID/exe" 2>/dev/null)
	if [ "$exe" != "$(readlink -f "$LOPAD")" ]; then
		diag "pid $LOPAD_PID is $exe, not $LOPAD"
		return 1
	fi
	LOPAD_CHILDREN=($(lopad_children))
	return 0
}

# lopad_wait_exit [TIMEOUT_MS]: poll every 20 ms until the parent is gone;
# sets LOPAD_EXIT_MS (time waited) and LOPAD_EXIT (status, "" if it is
# still running).
lopad_wait_exit() {
	local limit=${1:-5000} start now

	start=$(now_ms)
	LOPAD_EXIT=
	while proc_alive "$LOPAD_PID"; do
		now=$(now_ms)
		if [ $((now - start)) -ge "$limit" ]; then
			LOPAD_EXIT_MS=$((now - start))
			return 1
		fi
		sleep 0.02
	done
	LOPAD_EXIT_MS=$(($(now_ms) - start))
	wait "$LOPAD_PID" 2>/dev/null
	LOPAD_EXIT=$?
	return 0
}

# lopad_stop: SIGTERM, wait up to 5 s, then SIGKILL; reaps the children
# left over.  Returns the exit status.
lopad_stop() {
	[ -n "$LOPAD_PID" ] || return 0
	if proc_alive "$LOPAD_PID"; then
		kill -TERM "$LOPAD_PID" 2>/dev/null
		if ! lopad_wait_exit 5000; then
			diag "lopad (pid $LOPAD_PID) ignored SIGTERM for 5 s:" \
			    "SIGKILL"
			kill -KILL "$LOPAD_PID" 2>/dev/null
			lopad_wait_exit 2000
		fi
	elif [ -z "$LOPAD_EXIT" ]; then
		# It died on its own: show why.
		wait "$LOPAD_PID" 2>/dev/null
		LOPAD_EXIT=$?
		diag "lopad (pid $LOPAD_PID) had exited by itself, status" \
		    "$LOPAD_EXIT"
		diag_file "$LOPAD_LOG"
	fi
	lopad_kill_children
	LOPAD_PID=
	return "${LOPAD_EXIT:-1}"
}

# lopad_kill_children: SIGKILL the recorded children that survived
# their parent (still titled "lopad: ...", so not a reused pid).
lopad_kill_children() {
	local p

	for p in "${LOPAD_CHILDREN[@]}"; do
		if proc_alive "$p" && proc_title "$p" | grep -q '^lopad: '; then
			kill -KILL "$p" 2>/dev/null
		fi
	done
}

# lopad_children_gone [TIMEOUT_MS]: every recorded child has exited.
lopad_children_gone() {
	local limit=${1:-2000} p start

	start=$(now_ms)
	for p in "${LOPAD_CHILDREN[@]}"; do
		while proc_alive "$p"; do
			[ $(($(now_ms) - start)) -ge "$limit" ] && return 1
			sleep 0.02
		done
	done
	return 0
}

lopad_cleanup() {
	local p kids=()

	for p in "${LOPAD_PIDS[@]}"; do
		proc_alive "$p" || continue
		kids+=($(pgrep -P "$p"))
		kill -TERM "$p" 2>/dev/null
		LOPAD_PID=$p
		lopad_wait_exit 3000 || kill -KILL "$p" 2>/dev/null
	done
	LOPAD_CHILDREN+=("${kids[@]}")
	lopad_kill_children
	if [ -n "$LOPAD_DIR" ] && [ -n "${LOPA_KEEP:-}" ]; then
		echo "# LOPA_KEEP: kept $LOPAD_DIR" >&3
	elif [ -n "$LOPAD_DIR" ]; then
		rm -rf "$LOPAD_DIR"
	fi
}

# proc_alive PID: exists and is not a zombie.
proc_alive() {
	local st

	[ -n "${1:-}" ] || return 1
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' \
	    "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# lopad_children [PID]: pids whose parent is PID (default LOPAD_PID).
lopad_children() {
	pgrep -P "${1:-$LOPAD_PID}" | sort -n
}

# proc_title PID: the command line as ps shows it (NULs as spaces,
# trailing blanks removed).
proc_title() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | sed 's/[[:space:]]*$//'
}

# lopad_role_pid ROLE: the child titled "lopad: ROLE".
lopad_role_pid() {
	local p

	for p in $(lopad_children); do
		if [ "$(proc_title "$p")" = "lopad: $1" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# proc_status PID FIELD: the value of FIELD in /proc/PID/status, blanks
# squeezed to one space.
proc_status() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null |
	    tr -s ' \t' '  ' | sed 's/ *$//'
}

# proc_cputicks PID: utime + stime (clock ticks).
proc_cputicks() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk '{ print $12 + $13 }'
}

# lopad_log_wait ERE [TIMEOUT_MS]: wait until the log has a matching line.
lopad_log_wait() {
	wait_until "${2:-5000}" 50 grep -Eq -- "$1" "$LOPAD_LOG"
}

# log_like ERE DESC: a test that LOPAD_LOG has a matching line (waits up
# to 2 s for it).
log_like() {
	if lopad_log_wait "$1" 2000; then
		ok "$2"
		return 0
	fi
	not_ok "$2"
	diag "no line matches '$1'"
	diag_file "$LOPAD_LOG" 12
	return 1
}

# api WHERE METHOD PATH [CURL_ARGS...]: one request; prints the HTTP
# status ("000" when there was no answer).  The body goes to $API_BODY,
# the headers to $API_HEADERS; API_CODE and API_CURL (curl's exit status)
# are set when api is not run in a subshell ("api ... >/dev/null").
# WHERE: rw (read-write socket), ro (read-only socket), tcp (LOPAD_URL),
# or a URL (http://...).  TCP requests run inside API_NS when it is set,
# else inside LOPAD_NS.  API_AS=(setpriv ...) runs curl as another user
# (see as_nobody), API_TIMEOUT bounds it (5 s).
API_AS=()
API_NS=
API_TIMEOUT=5
api() {
	local where=$1 method=$2 path=$3 code ns=${API_NS:-$LOPAD_NS}
	local -a pre=() how=()

	shift 3
	rm -f "$API_BODY" "$API_HEADERS"
	case $where in
	rw)	how=(--unix-socket "$LOPAD_SOCK" "http://lopad$path") ;;
	ro)	how=(--unix-socket "$LOPAD_RSOCK" "http://lopad$path") ;;
	tcp)	how=("$LOPAD_URL$path") ;;
	*)	how=("$where$path") ;;
	esac
	if [ "$where" != rw ] && [ "$where" != ro ] && [ -n "$ns" ]; then
		pre=(ip netns exec "$ns")
	fi
	code=$("${pre[@]}" "${API_AS[@]}" curl -s --max-time "$API_TIMEOUT" \
	    -X "$method" -o "$API_BODY" -D "$API_HEADERS" -w '%{http_code}' \
	    "$@" "${how[@]}" 2>/dev/null)
	API_CURL=$?
	[ -f "$API_BODY" ] || : >"$API_BODY"
	[ -f "$API_HEADERS" ] || : >"$API_HEADERS"
	API_CODE=${code:-000}
	echo "$API_CODE"
}

# as_nobody / as_user UID GID: set API_AS to run clients unprivileged.
as_nobody() {
	as_user nobody nogroup
}

as_user() {
	API_AS=(setpriv --reuid="$1" --regid="$2" --clear-groups)
}

as_root() {
	API_AS=()
}

# api_header NAME: the value of a header of the last api call.
api_header() {
	tr -d '\r' <"$API_HEADERS" |
	    sed -n "s/^$1:[[:space:]]*//Ip" | tail -n 1
}

# json_get FILE EXPR: evaluate a python expression on the JSON in FILE
# (as j); strings print raw, other values as JSON; exit 1 on bad JSON.
json_get() {
	python3 -c '
import json, sys
try:
    with open(sys.argv[1]) as f:
        j = json.load(f)
    v = eval(sys.argv[2], {"j": j})
except Exception as e:
    print("json_get: %s" % e, file=sys.stderr)
    sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1" "$2"
}

# lopactl_run ARGS...: build/lopactl with a 10 s bound.
lopactl_run() {
	timeout -k 2 10 "$LOPACTL" "$@"
}

# lopad_exec TIMEOUT_S CONF [NETNS]: run lopad -d -f CONF in the
# foreground (for start-up refusals); output to $LOPAD_DIR/exec.out,
# returns its status (124 when it was still running after TIMEOUT_S).
lopad_exec() {
	local t=$1 conf=$2 ns=${3:-}
	local -a pre=()

	lopad_init
	[ -n "$ns" ] && pre=(ip netns exec "$ns")
	"${pre[@]}" timeout -k 2 "$t" env "${LOPAD_ENV[@]}" "$LOPAD" -d \
	    -f "$conf" </dev/null >"$LOPAD_DIR/exec.out" 2>&1
}

# task_create TYPE JSON: POST /api/v1/tasks/TYPE on the read-write socket;
# TASK_ID is the new id ("" when refused; API_CODE says why).
task_create() {
	TASK_ID=
	api rw POST "/api/v1/tasks/$1" -H 'Content-Type: application/json' \
	    --data-binary "$2" >/dev/null
	[ "$API_CODE" = 201 ] || return 1
	TASK_ID=$(json_get "$API_BODY" 'j["id"]')
}

# task_wait ID [LIMIT_MS]: poll GET /api/v1/tasks/ID every 100 ms until
# its status is final (60 s by default); the last answer is in
# TASK_JSON (a file).  Non-zero when it did not end in time.
task_wait() {
	local id=$1 limit=${2:-60000} start st

	TASK_JSON=$LOPAD_DIR/task-$id.json
	start=$(now_ms)
	while :; do
		api rw GET "/api/v1/tasks/$id" >/dev/null
		cp "$API_BODY" "$TASK_JSON"
		st=$(json_get "$TASK_JSON" 'j["status"]' 2>/dev/null)
		case $st in
		finished|stopped|failed) return 0 ;;
		esac
		[ $(($(now_ms) - start)) -ge "$limit" ] && return 1
		sleep 0.1
	done
}

# task_get EXPR: a value from TASK_JSON (json_get on j).
task_get() {
	json_get "$TASK_JSON" "$1"
}
