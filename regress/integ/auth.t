#!/bin/bash
#
# Who may do what (TAP): socket modes; root and the configured group are
# read-write on the read-write socket, others cannot even connect there
# and are read-only on the read-only socket; TCP is read-only unless
# http.loopback_write or a write token; read tokens are read-only, bad
# tokens get 401; a refused write is logged by control through the
# parent; a non-loopback listener needs tokens.

. "$(dirname "$0")/../lib/tap.sh"
. "$LOPA_ROOT/regress/lib/lopad.sh"
. "$LOPA_ROOT/regress/lib/netns.sh"

plan 45

# access WHERE: the "access" field of GET /api/v1/status ("CODE ACCESS").
access() {
	local code

	code=$(api "$1" GET /api/v1/status "${@:2}")
	echo "$code $(json_get "$API_BODY" 'j["access"]' 2>/dev/null)"
}

# reload WHERE [CURL_ARGS]: the status of POST /api/v1/reload (no body).
reload() {
	api "$1" POST /api/v1/reload "${@:2}"
}

# problem_is CODE DESC: the last answer is problem+json with that status.
problem_is() {
	local got

	got="$(api_header Content-Type | cut -d';' -f1) $(json_get "$API_BODY" \
	    'j["status"]' 2>/dev/null)"
	is "$got" "application/problem+json $1" "$2"
}

# -- default configuration: group is the user's primary group ----------

if lopad_start; then
	ok "lopad starts"
else
	not_ok "lopad starts"
	give_up "lopad did not start"
fi
grp=$(id -gn "$LOPAD_USER")

is "$(stat -c '%A %U' "$LOPAD_RSOCK")" "srw-rw-rw- root" \
    "read-only socket: srw-rw-rw- root"
is "$(stat -c '%A %U:%G' "$LOPAD_SOCK")" "srw-rw---- root:$grp" \
    "read-write socket: srw-rw---- root:$grp"

as_root
is "$(access rw)" "200 read-write" "root on the read-write socket: read-write"
is "$(reload rw)" 200 "root on the read-write socket: POST reload 200"
is "$(access ro)" "200 read-only" "root on the read-only socket: read-only"
is "$(reload ro)" 403 "root on the read-only socket: POST reload 403"

as_nobody
is "$(access ro)" "200 read-only" "nobody on the read-only socket: GET, read-only"
is "$(reload ro)" 403 "nobody on the read-only socket: POST reload 403"
problem_is 403 "the 403 is problem+json"
api rw GET /api/v1/status >/dev/null
is "$API_CODE curl=$API_CURL" "000 curl=7" \
    "nobody cannot connect to the read-write socket"
is "$(access tcp)" "200 read-only" "nobody over TCP: read-only"
as_root

if lopad_log_wait '^control: .*write refused' 5000; then
	ok "control's 'write refused' warning reaches the parent's log"
	grep -m 1 'write refused' "$LOPAD_LOG" | diag -
else
	not_ok "control's 'write refused' warning reaches the parent's log"
	diag_file "$LOPAD_LOG"
fi

is "$(access tcp)" "200 read-only" "TCP on loopback: read-only by default"
is "$(reload tcp)" 403 "TCP on loopback: POST reload 403"
problem_is 403 "the TCP 403 is problem+json"

lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# -- group: users --------------------------------------------------------

if lopad_start "" "group: users"; then
	ok "lopad starts with group: users"
else
	not_ok "lopad starts with group: users"
	give_up "lopad did not start with group: users"
fi
is "$(stat -c '%A %U:%G' "$LOPAD_SOCK")" "srw-rw---- root:users" \
    "read-write socket: srw-rw---- root:users"
as_user nobody users
is "$(access rw)" "200 read-write" "a member of users on the read-write socket: read-write"
is "$(reload rw)" 200 "a member of users: POST reload 200"
is "$(reload ro)" 403 "a member of users on the read-only socket: 403"
as_nobody
api rw GET /api/v1/status >/dev/null
is "$API_CODE curl=$API_CURL" "000 curl=7" \
    "nobody (not in users) cannot connect to the read-write socket"
as_root
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

# -- http.loopback_write ----------------------------------------------------

if lopad_start "" "http:
  listen: [\"$LOPAD_HTTP_ADDR\"]
  loopback_write: true"; then
	ok "lopad starts with http.loopback_write: true"
else
	not_ok "lopad starts with http.loopback_write: true"
	give_up "lopad did not start with loopback_write"
fi
is "$(access tcp)" "200 read-write" "TCP with loopback_write: read-write"
is "$(reload tcp)" 200 "TCP with loopback_write: POST reload 200"
lopad_stop

# -- tokens ---------------------------------------------------------------

wtok=w$$-5a0c7d1e9b3f4a2c8d6e0f1a2b3c4d5e
rtok=r$$-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b
tokfile=$LOPAD_DIR/tokens
printf '# test tokens\n\nwrite %s writer\nread %s reader\n' "$wtok" "$rtok" \
    >"$tokfile"
chmod 600 "$tokfile"

if lopad_start "" "http:
  listen: [\"$LOPAD_HTTP_ADDR\"]
  tokens: $tokfile"; then
	ok "lopad starts with a token file"
else
	not_ok "lopad starts with a token file"
	give_up "lopad did not start with tokens"
fi
is "$(access tcp -H "Authorization: Bearer $wtok")" "200 read-write" \
    "write token: read-write"
is "$(reload tcp -H "Authorization: Bearer $wtok")" 200 \
    "write token: POST reload 200"
is "$(access tcp -H "Authorization: Bearer $rtok")" "200 read-only" \
    "read token: read-only"
is "$(reload tcp -H "Authorization: Bearer $rtok")" 403 \
    "read token: POST reload 403"
code=$(api tcp GET /api/v1/status -H "Authorization: Bearer ${wtok}x")
is "$code" 401 "wrong token: 401"
like "$(api_header WWW-Authenticate)" '^Bearer' "401 has WWW-Authenticate: Bearer"
problem_is 401 "the 401 is problem+json"
is "$(access tcp)" "200 read-only" "no token on loopback: read-only"
lopad_stop

chmod 644 "$tokfile"
lopad_config "$LOPAD_DIR/tok644.conf" "http:
  listen: [\"$LOPAD_HTTP_ADDR\"]
  tokens: $tokfile"
lopad_exec 3 "$LOPAD_DIR/tok644.conf"
rc=$?
out=$(cat "$LOPAD_DIR/exec.out")
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
    printf '%s\n' "$out" | grep -q -- "$tokfile"; then
	ok "a token file readable by others: lopad refuses, naming the file"
else
	not_ok "a token file readable by others: lopad refuses, naming the file (exit $rc)"
fi
diag "$out"
chmod 600 "$tokfile"

# -- a listener that is not on loopback ------------------------------------

netns_new ns
netns_new cl
netns_veth "$ns" "198.18.0.1/24 2001:db8::1/64" "$cl" \
    "198.18.0.2/24 2001:db8::2/64"
nurl=http://198.18.0.1:$LOPAD_HTTP_PORT

lopad_config "$LOPAD_DIR/open.conf" "http:
  listen: [\"198.18.0.1:$LOPAD_HTTP_PORT\"]"
lopad_exec 3 "$LOPAD_DIR/open.conf" "$ns"
rc=$?
out=$(cat "$LOPAD_DIR/exec.out")
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
    printf '%s\n' "$out" | grep -qi 'loopback' &&
    printf '%s\n' "$out" | grep -qi 'token'; then
	ok "non-loopback listener without tokens: lopad refuses, saying why"
else
	not_ok "non-loopback listener without tokens: lopad refuses, saying why (exit $rc)"
fi
diag "$out"
if [ -e "$LOPAD_SOCK" ] || [ -e "$LOPAD_RSOCK" ]; then
	not_ok "and leaves no control socket behind"
else
	ok "and leaves no control socket behind"
fi

if lopad_start "$ns" "http:
  listen: [\"198.18.0.1:$LOPAD_HTTP_PORT\"]
  tokens: $tokfile"; then
	ok "non-loopback listener with tokens: lopad starts"
else
	not_ok "non-loopback listener with tokens: lopad starts"
	give_up "lopad did not start on 198.18.0.1"
fi
like "$(grep -i 'loopback' "$LOPAD_LOG")" '^parent: .*198\.18\.0\.1' \
    "it warns about the non-loopback listener"
grep -i 'loopback' "$LOPAD_LOG" | diag -
API_NS=$cl
is "$(access "$nurl" -H "Authorization: Bearer $rtok")" "200 read-only" \
    "from another host, read token: read-only"
is "$(reload "$nurl" -H "Authorization: Bearer $rtok")" 403 \
    "from another host, read token: POST reload 403"
is "$(reload "$nurl" -H "Authorization: Bearer $wtok")" 200 \
    "from another host, write token: POST reload 200"
diag "from another host without a token: GET status -> $(api "$nurl" GET \
    /api/v1/status)"
API_NS=
lopad_stop
is "$LOPAD_EXIT" 0 "lopad exits 0"

done_testing
