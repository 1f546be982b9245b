#!/bin/bash
#
# The state file (TAP).  lopad runs in a network namespace of the test's
# own and measures its loopback.
#  - three continuous tasks (ping; ping with thresholds, webhook_url and
#    webhook_secret; udp against lopad's own reflector) and a count task:
#    the file (mode 0600, YAML whose task lines are JSON) holds the three
#    continuous ones, within a second, with next_id above every id given;
#    webhook_secret is in the file, never in the API.  After SIGTERM they
#    stay saved and come back with the same ids, running, with the same
#    params; the count task does not; a new id is at or above the next_id
#    written before the restart (the next block);
#  - 1100 count tasks cross an id block: ids strictly increasing, the
#    file's next_id stays above them; kill -9 of the parent and every
#    child right after one more task: the saved tasks come back, a new id
#    is at or above the next_id on disk and was never given before;
#  - stop one restored task, delete another, delete a new one, one fails:
#    the file shrinks within a second; after a restart none comes back;
#  - a state file of garbage, and one with an invalid task line: set
#    aside as PATH.bad-<UTC time> with its content, logged, no task
#    restored, ids from the clock's Unix seconds;
#  - the state file's directory is a regular file, or a read-only mount:
#    lopad starts, restores what it can read, measures, and logs that it
#    cannot write the file.
#  - TODO (bugs): a .bad- file of the same second is replaced (the
#    earlier file set aside is lost); a state directory that does not
#    exist and cannot be created (read-only mount) stops lopad from
#    starting.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 62

need_root
lopad_init
netns_new NS

CONT='"mode":"continuous","interval":"100ms","window":"1s","timeout":"500ms"'
SECRET=persist-$$-$RANDOM-secret
ALLIDS=$LOPAD_DIR/all.ids	# every id handed out, one a line
: >"$ALLIDS"

# state_get EXPR [FILE]: evaluate EXPR on the state file, read as YAML
# (s) and its task lines ("- {...}") parsed as JSON (t); like json_get.
state_get() {
	python3 -c '
import json, sys, yaml
try:
    with open(sys.argv[2], "rb") as f:
        txt = f.read().decode()
    s = yaml.safe_load(txt)
    t = [json.loads(l[2:]) for l in txt.splitlines() if l.startswith("- ")]
    v = eval(sys.argv[1], {"s": s, "t": t})
except Exception as e:
    print("state_get: %s" % e, file=sys.stderr)
    sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1" "${2:-$LOPAD_STATE}"
}

# state_keys [FILE]: the keys of the saved tasks, sorted, on one line.
state_keys() {
	state_get '" ".join(str(k) for k in sorted(x["key"] for x in t))' \
	    "$@" 2>/dev/null
}

state_next() {
	state_get 's["next_id"]' 2>/dev/null
}

# state_is KEYS: the file holds exactly these tasks (no python: cheap
# enough to poll every 10 ms).
state_is() {
	local l k=()

	[ -r "$LOPAD_STATE" ] || return 1
	while IFS= read -r l; do
		[[ $l =~ ^-\ .*\"key\":([0-9]+)[,}] ]] &&
		    k+=("${BASH_REMATCH[1]}")
	done <"$LOPAD_STATE"
	[ "$(printf '%s\n' "${k[@]}" | sort -n | tr '\n' ' ' |
	    sed 's/ $//')" = "$1" ]
}

# keys ID...: their keys (the n of "<node>-<n>"), sorted, on one line.
keys() {
	local id

	for id; do
		echo "${id##*-}"
	done | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# list_keys: the keys of the tasks GET /api/v1/tasks lists.
list_keys() {
	api rw GET /api/v1/tasks >/dev/null
	json_get "$API_BODY" '" ".join(str(k) for k in
	    sorted(int(x["id"].rsplit("-", 1)[1]) for x in j))' 2>/dev/null
}

# create TYPE BODY: task_create, the id recorded (TASK_ID "" on refusal).
create() {
	if task_create "$1" "$2"; then
		echo "$TASK_ID" >>"$ALLIDS"
	else
		diag "create $1 $2: $API_CODE $(cat "$API_BODY")"
	fi
}

# params ID: its params object (sorted JSON), "" when it has none.
params() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	json_get "$API_BODY" 'j["params"]' 2>/dev/null
}

status_of() {
	api rw GET "/api/v1/tasks/$1" >/dev/null
	json_get "$API_BODY" 'j["status"]' 2>/dev/null || echo "$API_CODE"
}

# all_running ID...
all_running() {
	local id

	for id; do
		[ "$(status_of "$id")" = running ] || return 1
	done
}

# max_key: the largest key handed out so far.
max_key() {
	sed 's/.*-//' "$ALLIDS" | sort -n | tail -n 1
}

# restart: SIGTERM, start again; gives up when it does not come back.
restart() {
	lopad_stop
	is "$LOPAD_EXIT" 0 "$1: lopad exits 0 on SIGTERM"
	lopad_start "$NS" || give_up "lopad did not start again ($1)"
}

# 1. Three continuous tasks and a count task; SIGTERM; start again.

lopad_start "$NS" || give_up "lopad did not start"
is "$(state_get '[s["tasks"], s["version"], s["next_id"] > 0]')" \
    '[[], 1, true]' "at start: a state file with no tasks and a next_id"

codes=
create ping "{\"target\":\"127.0.0.1\",$CONT,\"name\":\"persist-a\"}"
codes+="$API_CODE "
A=$TASK_ID
create ping "{\"target\":\"127.0.0.1\",$CONT,\"name\":\"persist-b\",\"webhook_url\":\"http://127.0.0.1:9/hook\",\"webhook_secret\":\"$SECRET\",\"thresholds\":{\"loss\":{\"above\":0.5,\"clear\":0.1,\"for\":3,\"min_samples\":10},\"rtt_avg\":{\"above\":\"2s\"}}}"
codes+="$API_CODE "
B=$TASK_ID
create udp "{\"target\":\"127.0.0.1:$LOPAD_REFL_PORT\",$CONT,\"name\":\"persist-c\"}"
codes+="$API_CODE "
C=$TASK_ID
create ping '{"target":"127.0.0.1","count":3,"interval":"20ms","timeout":"1s","name":"persist-count"}'
codes+="$API_CODE"
K=$TASK_ID
is "$codes" "201 201 201 201" "three continuous tasks and a count task: 201"
NODE=${A%-*}
like "$A $B $C $K" "^($NODE-[0-9]+ ){3}$NODE-[0-9]+\$" \
    "ids are <node>-<n> ($A $B $C $K)"

start=$(now_ms)
wait_until 3000 10 state_is "$(keys "$A" "$B" "$C")"
took=$(($(now_ms) - start))
is "$(state_keys)" "$(keys "$A" "$B" "$C")" \
    "the file holds the three continuous tasks, not the count task"
cmp_le "$took" 1000 "written within a second of the creation ($took ms)"
is "$(stat -c '%a %u' "$LOPAD_STATE")" "600 0" "the file: mode 0600, root's"
is "$(state_get '(s["tasks"] == t and len(t) == 3 and
    all(isinstance(x.get("key"), int) and x.get("mode") == "continuous"
    for x in t) and isinstance(s["next_id"], int))' 2>&1) $(ls -a "$LOPAD_DIR" |
    grep -c 'state\.yaml\.')" "true 0" \
    "the file is YAML, each task line a JSON object with its key; no temporary file left"
is "$(state_get "[x.get('webhook_secret') for x in t]")" \
    "[null, \"$SECRET\", null]" "webhook_secret is in the file (B's only)"
N1=$(state_next)
if [ -n "$N1" ] && [ "$N1" -gt "$(max_key)" ]; then
	ok "next_id ($N1) is above every id given ($(max_key))"
else
	not_ok "next_id (${N1:-none}) is above every id given ($(max_key))"
fi

api rw GET "/api/v1/tasks/$B" >/dev/null
is "$(json_get "$API_BODY" '[sorted(j["params"]["thresholds"]),
    j["params"].get("alert_callback_url", j["params"].get("webhook_url")),
    "webhook_secret" in j["params"]]')" \
    '[["loss", "rtt_avg"], "http://127.0.0.1:9/hook", false]' \
    "B's params: thresholds and the webhook URL, not the secret"
PA=$(params "$A")
PB=$(params "$B")
PC=$(params "$C")

restart "SIGTERM with three continuous tasks"
is "$(state_keys)" "$(keys "$A" "$B" "$C")" \
    "tasks ended by the shutdown stay saved"
log_like "state file $LOPAD_STATE: 3 tasks" "the log says 3 tasks were read"
is "$(list_keys)" "$(keys "$A" "$B" "$C")" \
    "after the restart: the same three ids ($A $B $C), the count task gone"
wait_until 5000 50 all_running "$A" "$B" "$C"
result $? "all three running"
is "$(params "$A") | $(params "$B") | $(params "$C")" "$PA | $PB | $PC" \
    "their params are unchanged (thresholds and webhook_url included)"
is "$(api rw GET "/api/v1/tasks/$K")" 404 "the count task $K: 404"
api rw GET "/api/v1/tasks/$B" >/dev/null
cp "$API_BODY" "$LOPAD_DIR/b.json"
api rw GET /api/v1/tasks >/dev/null
is "$(cat "$LOPAD_DIR/b.json" "$API_BODY" "$LOPAD_LOG" "$LOPAD_LOG".* |
    grep -c -- "$SECRET")" 0 \
    "webhook_secret is in neither GET, the list nor the log"
is "$(state_get "[x.get('webhook_secret') for x in t if x['key'] == ${B##*-}]")" \
    "[\"$SECRET\"]" "and still in the file"

create ping "{\"target\":\"127.0.0.1\",$CONT,\"name\":\"persist-d\"}"
D=$TASK_ID
if [ -n "$D" ] && [ "${D##*-}" -ge "$N1" ]; then
	ok "a new id ($D) is from the next block (>= next_id $N1 before the restart)"
else
	not_ok "a new id (${D:-none}) is from the next block (>= next_id $N1 before the restart)"
fi
PD=$(params "$D")

# 2. Across an id block, then kill -9.

wait_until 3000 10 state_is "$(keys "$A" "$B" "$C" "$D")"
result $? "the new task $D is saved"

# 1100 count tasks, over one connection (more than half a block).
python3 - "$LOPAD_SOCK" 1100 >"$LOPAD_DIR/bulk.ids" 2>"$LOPAD_DIR/bulk.err" <<'EOF'
import http.client, json, socket, sys

class Unix(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("lopad", timeout=5)
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(self.path)

c = Unix(sys.argv[1])
body = '{"target":"127.0.0.1","count":1,"interval":"20ms","timeout":"1s"}'
for i in range(int(sys.argv[2])):
    c.request("POST", "/api/v1/tasks/ping", body,
        {"Content-Type": "application/json"})
    r = c.getresponse()
    b = r.read()
    if r.status != 201:
        print("%d %s" % (r.status, b[:200]), file=sys.stderr)
        continue
    print(json.loads(b)["id"], flush=True)
EOF
cat "$LOPAD_DIR/bulk.ids" >>"$ALLIDS"
head -n 3 "$LOPAD_DIR/bulk.err" | diag -
is "$(python3 -c '
import sys
k = [int(l.rsplit("-", 1)[1]) for l in open(sys.argv[1])]
print(len(k), all(b > a for a, b in zip(k, k[1:])), k[-1] - k[0] >= 1000 if k else False)
' "$LOPAD_DIR/bulk.ids" 2>&1)" "1100 True True" \
    "1100 count tasks: 201, ids strictly increasing over more than a block"
N2=$(state_next)
if [ -n "$N2" ] && [ "$N2" -gt "$(max_key)" ]; then
	ok "next_id on disk ($N2) stays above every id given ($(max_key))"
else
	not_ok "next_id on disk (${N2:-none}) stays above every id given ($(max_key))"
fi

# One more continuous task, and kill -9 at once (it may not be saved).
create ping "{\"target\":\"127.0.0.1\",$CONT,\"name\":\"persist-late\"}"
L=$TASK_ID
kids=($(lopad_children))
LOPAD_CHILDREN=("${kids[@]}")
{
	kill -KILL "$LOPAD_PID" "${kids[@]}"
	lopad_wait_exit 2000
} 2>/dev/null	# not bash's "Killed"
dead=$?
lopad_children_gone 2000
gone=$?
if [ "$dead" -eq 0 ] && [ "$gone" -eq 0 ] && [ "${#kids[@]}" -eq 5 ]; then
	ok "kill -9 of the parent and its ${#kids[@]} children"
else
	not_ok "kill -9 of the parent and its ${#kids[@]} children"
fi
LOPAD_PID=
NK=$(state_next)
diag "after kill -9: next_id $NK, saved $(state_keys)"

lopad_start "$NS" || give_up "lopad did not start after kill -9"
ok "lopad starts after kill -9"
back=$(list_keys)
lback=0
case " $back " in
*" ${L##*-} "*)	lback=1 ;;
esac
if [ "$lback" = 1 ]; then
	SAVED="$(keys "$A" "$B" "$C" "$D" "$L")"
	diag "the task created just before kill -9 ($L) was saved too"
else
	SAVED="$(keys "$A" "$B" "$C" "$D")"
	diag "the task created just before kill -9 ($L) was not saved"
fi
is "$back" "$SAVED" "the saved tasks are back ($A $B $C $D), no count task"
wait_until 5000 50 all_running "$A" "$B" "$C" "$D"
result $? "all running"
is "$(params "$A") | $(params "$B") | $(params "$C") | $(params "$D")" \
    "$PA | $PB | $PC | $PD" "their params are unchanged"
create ping "{\"target\":\"127.0.0.1\",$CONT,\"name\":\"persist-e\"}"
E=$TASK_ID
if [ -n "$E" ] && [ "${E##*-}" -ge "$NK" ] &&
    [ "$(grep -c -- "-${E##*-}\$" "$ALLIDS")" = 1 ]; then
	ok "a new id after kill -9 ($E) is >= next_id on disk ($NK) and was never given before"
else
	not_ok "a new id after kill -9 (${E:-none}) is >= next_id on disk ($NK) and was never given before"
fi

# 3. Stop one, delete one, delete a new one, one fails.

is "$(api rw POST "/api/v1/tasks/$A/stop")" 202 "stop $A (restored): 202"
is "$(api rw DELETE "/api/v1/tasks/$C")" 204 "delete $C (restored): 204"
create ping "{\"target\":\"127.0.0.1\",$CONT,\"name\":\"persist-f\"}"
F=$TASK_ID
wait_until 3000 10 grep -Eq "\"key\":${F##*-}[,}]" "$LOPAD_STATE" ||
    diag "$F was not saved"
is "$(api rw DELETE "/api/v1/tasks/$F")" 204 "delete $F (new, saved): 204"
create ping "{\"target\":\"127.0.0.1\",$CONT,\"name\":\"persist-g\",\"source_ip\":\"192.0.2.77\"}"
G=$TASK_ID
wait_until 3000 50 eval '[ "$(status_of "$G")" = failed ]'
is "$(status_of "$G")" failed "$G (source_ip not local) fails"
SAVED="$(keys "$B" "$D" "$E" $([ "$lback" = 1 ] && echo "$L"))"
start=$(now_ms)
wait_until 3000 10 state_is "$SAVED"
took=$(($(now_ms) - start))
is "$(state_keys)" "$SAVED" \
    "the file drops the stopped, deleted and failed tasks"
cmp_le "$took" 1000 "within a second ($took ms)"
cp "$LOPAD_STATE" "$LOPAD_DIR/good.yaml"

restart "after stop and delete"
is "$(list_keys)" "$SAVED" "after the restart: none of them comes back"
is "$(api rw GET "/api/v1/tasks/$A") $(api rw GET "/api/v1/tasks/$C") $(api rw GET "/api/v1/tasks/$F") $(api rw GET "/api/v1/tasks/$G")" \
    "404 404 404 404" "stopped $A, deleted $C and $F, failed $G: 404"

# 4. A state file that cannot be parsed.

lopad_stop
printf 'next_id: {{{ this is not\n\001\002\377 a state file\n- {"key": \n' \
    >"$LOPAD_STATE"
cp "$LOPAD_STATE" "$LOPAD_DIR/garbage"
T0=$(date +%s)
lopad_start "$NS" || give_up "lopad did not start with a garbage state file"
T1=$(date +%s)
ok "lopad starts with a garbage state file"
re="state file $LOPAD_STATE: .*; set aside as $LOPAD_STATE\\.bad-[0-9]{8}T[0-9]{6}Z"
log_like "$re" "the log: 'state file PATH: WHY; set aside as PATH.bad-<time>'"
grep -E -- "$re" "$LOPAD_LOG" | head -n 1 | diag -
BAD=$(grep -Eo -- "set aside as $LOPAD_STATE\\.bad-[0-9]{8}T[0-9]{6}Z" \
    "$LOPAD_LOG" | head -n 1 | sed 's/^set aside as //')
if [ -n "$BAD" ] && cmp -s "$BAD" "$LOPAD_DIR/garbage"; then
	ok "kept as $(basename "$BAD") with its content unchanged"
else
	not_ok "kept as PATH.bad-<time> with its content unchanged"
	ls -la "$LOPAD_DIR" | diag -
fi
stamp=${BAD##*.bad-}
st=$(date -u -d "${stamp:0:4}-${stamp:4:2}-${stamp:6:2} ${stamp:9:2}:${stamp:11:2}:${stamp:13:2}" +%s 2>/dev/null)
if [ -n "$st" ] && [ "$st" -ge "$T0" ] && [ "$st" -le "$T1" ]; then
	ok "its name has the UTC time of the start ($stamp)"
else
	not_ok "its name has the UTC time of the start (${stamp:-none}, start $T0..$T1)"
fi
is "$(list_keys)" "" "no task restored"
create ping '{"target":"127.0.0.1","count":2,"interval":"20ms","timeout":"1s"}'
H=$TASK_ID
if [ -n "$H" ] && [ "${H##*-}" -ge "$T0" ] && [ "${H##*-}" -le "$T1" ]; then
	ok "ids start from the clock's Unix seconds ($H, start $T0..$T1)"
else
	not_ok "ids start from the clock's Unix seconds (${H:-none}, start $T0..$T1)"
fi
is "$(state_get "[s['tasks'], s['next_id'] > ${H##*-}]")" '[[], true]' \
    "a new state file: no tasks, next_id above $H"

# An invalid task line (after a valid one) in a file that is otherwise
# good; set-aside files of the seconds around are there already.
lopad_stop
mkdir -p "$LOPAD_DIR/kept"
mv "$LOPAD_STATE".bad-* "$LOPAD_DIR/kept/"
{
	grep -v -e '^- ' -e '^monitors:' "$LOPAD_DIR/good.yaml"
	grep -E "\"key\":${B##*-}[,}]" "$LOPAD_DIR/good.yaml"
	echo '- {"type":"ping","mode":"continuous","target":"127.0.0.1","interval":-5,"window":1000000000,"key":77}'
} >"$LOPAD_STATE"
cp "$LOPAD_STATE" "$LOPAD_DIR/invalid"
bad_line=$(grep -n '"key":77' "$LOPAD_STATE" | cut -d: -f1)
now=$(date +%s)
for ((s = now - 2; s <= now + 12; s++)); do
	echo "set aside before, $s" >"$LOPAD_STATE.bad-$(date -u -d "@$s" +%Y%m%dT%H%M%SZ)"
done
T0=$(date +%s)
lopad_start "$NS" || give_up "lopad did not start with an invalid task line"
ok "lopad starts with an invalid task line in the file"
log_like "state file $LOPAD_STATE: $LOPAD_STATE:$bad_line: .*; set aside as $LOPAD_STATE\\.bad-" \
    "the log names the line ($bad_line)"
found=0
for f in "$LOPAD_STATE".bad-*; do
	cmp -s "$f" "$LOPAD_DIR/invalid" && found=1
done
result $((1 - found)) "the file is kept under a .bad- name, content unchanged"
is "$(list_keys) $(api rw GET "/api/v1/tasks/$B")" " 404" \
    "no task restored, not even the valid one ($B)"
lost=
for ((s = now - 2; s <= now + 12; s++)); do
	f=$LOPAD_STATE.bad-$(date -u -d "@$s" +%Y%m%dT%H%M%SZ)
	[ "$(cat "$f" 2>/dev/null)" = "set aside before, $s" ] ||
	    lost+=" $(basename "$f")"
done
is "$lost" "" "files set aside before (same second) are not replaced"

# 5. An unwritable state directory.

lopad_stop
echo "a regular file" >"$LOPAD_DIR/plain"
lopad_start "$NS" "state_file: $LOPAD_DIR/plain/state.yaml" ||
    give_up "lopad did not start with state_file under a regular file"
ok "state_file under a regular file: lopad starts"
log_like "state file $LOPAD_DIR/plain/state.yaml: cannot write" \
    "it logs that it cannot write the state file"
create ping '{"target":"127.0.0.1","count":5,"interval":"20ms","timeout":"1s"}'
if [ -n "$TASK_ID" ] && task_wait "$TASK_ID" 5000; then
	is "$(task_get '[j["status"], j["total"]["received"]]')" \
	    '["finished", 5]' "it measures: a count task receives 5 of 5"
else
	not_ok "it measures: a count task receives 5 of 5"
fi
create ping "{\"target\":\"127.0.0.1\",$CONT}"
wait_until 5000 50 eval '[ -n "$TASK_ID" ] && [ "$(status_of "$TASK_ID")" = running ]'
result $? "a continuous task runs"
is "$(cat "$LOPAD_DIR/plain")" "a regular file" "the regular file is untouched"

# A read-only bind mount: a good file there is read, not written.
lopad_stop
RO=$LOPAD_DIR/ro
mkdir "$RO"
cp "$LOPAD_DIR/good.yaml" "$RO/state.yaml"
chmod 600 "$RO/state.yaml"
if mount --bind "$RO" "$RO" 2>/dev/null; then
	cleanup_push "umount -l $RO"
	mount -o remount,ro,bind "$RO" 2>/dev/null
fi
if ! touch "$RO/probe" 2>/dev/null; then
	lopad_start "$NS" "state_file: $RO/state.yaml" ||
	    diag "lopad did not start with a read-only state file"
	proc_alive "$LOPAD_PID"
	result $? "state file on a read-only mount: lopad starts"
	log_like "state file $RO/state.yaml: cannot write" \
	    "it logs that it cannot write the state file"
	is "$(list_keys)" "$SAVED" "it restores the tasks of the file"
	create ping "{\"target\":\"127.0.0.1\",$CONT}"
	wait_until 5000 50 eval '[ -n "$TASK_ID" ] && [ "$(status_of "$TASK_ID")" = running ]'
	result $? "a new continuous task runs"
	cmp -s "$RO/state.yaml" "$LOPAD_DIR/good.yaml"
	result $? "the file is unchanged"

	# The directory does not exist and cannot be created.
	lopad_stop
	lopad_start "$NS" "state_file: $RO/sub/state.yaml"
	alive=1
	proc_alive "$LOPAD_PID" && alive=0
	result $alive "state directory missing on a read-only mount: lopad starts"
	if [ "$alive" = 0 ]; then
		log_like "state file $RO/sub/state.yaml: cannot write" \
		    "it logs that it cannot write the state file"
	else
		like "$(cat "$LOPAD_LOG")" "state file $RO/sub/state.yaml: cannot write" \
		    "it logs that it cannot write the state file"
	fi
else
	rm -f "$RO/probe"
	for d in "lopad starts" "logs that it cannot write" "restores" \
	    "a new task runs" "file unchanged" "missing directory: starts" \
	    "missing directory: logs"; do
		skip "read-only mount: $d" "no read-only bind mount here"
	done
fi
lopad_stop

done_testing
