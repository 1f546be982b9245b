#!/bin/bash
#
# Golden-file test of `lopad -n` and `lopad -nv` (TAP).
#
# For every regress/golden/NAME.conf (and the case "missing", which has no
# file on purpose):
#   NAME.n.out   expected output of `lopad -n -f NAME.conf`: stdout, then
#                stderr, then a line "exit STATUS"
#   NAME.nv.out  the same for `lopad -nv -f NAME.conf`
#   NAME.env     optional VAR=value lines: the only environment lopad gets
# For a case that passes, the -nv output is fed back to lopad -nv and must
# come out unchanged; for a case that fails, -nv must print nothing on
# stdout.  etc/lopad.conf must pass -n and show exactly the defaults.
#
# "@DIR@" in a .conf stands for a scratch directory that holds the token
# files (tokens: tokens.txt with mode 0600, tokens.644: the same with 0644,
# tokens-bad: tokens-bad.txt with mode 0600); outputs show it as @DIR@.
# lopad runs in that directory with `env -i`, so neither the caller's
# LOPA_* variables nor the host matter.
#
# REGEN=1 regress/integ/config.t rewrites the expected outputs from the
# current binary: read the diff before committing it.
# LOPAD=path selects another binary (default build/lopad).

set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
golden=$root/regress/golden
LOPAD=${LOPAD:-$root/build/lopad}
REGEN=${REGEN:-0}
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

if [ ! -f "$LOPAD" ] || [ ! -x "$LOPAD" ]; then
	echo "Bail out! $LOPAD not found: run make first"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lopad-config.XXXXXX") || {
	echo "Bail out! mktemp failed"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT

install -m 600 "$golden/tokens.txt" "$tmp/tokens"
install -m 644 "$golden/tokens.txt" "$tmp/tokens.644"
install -m 600 "$golden/tokens-bad.txt" "$tmp/tokens-bad"

cases=()
for f in "$golden"/*.conf; do
	cases+=("$(basename "$f" .conf)")
done
cases+=(missing)

n=0
failed=0
echo "1..$((${#cases[@]} * 3 + 2))"

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# run CONF ENVFILE FLAGS...: lopad in $tmp; raw stdout in $tmp/stdout,
# the comparable output (stdout, stderr, exit status, @DIR@) in $tmp/out.
run() {
	local conf=$1 envfile=$2 rc
	local -a envs=()

	shift 2
	if [ -n "$envfile" ] && [ -f "$envfile" ]; then
		mapfile -t envs <"$envfile"
	fi
	(cd "$tmp" && exec env -i PATH="$PATH" "${envs[@]}" "$LOPAD" "$@" \
	    -f "$conf") >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	{
		cat "$tmp/stdout" "$tmp/stderr"
		echo "exit $rc"
	} | sed "s|$tmp|@DIR@|g" >"$tmp/out"
	return $rc
}

# check DESC EXPECTED: compare $tmp/out with the expected file.
check() {
	local desc=$1 want=$2

	if [ "$REGEN" = 1 ]; then
		cp "$tmp/out" "$want"
	fi
	if [ ! -f "$want" ]; then
		not_ok "$desc (no $(basename "$want"); REGEN=1 makes it)"
	elif cmp -s "$tmp/out" "$want"; then
		ok "$desc"
	else
		not_ok "$desc"
		diff -u "$want" "$tmp/out" | sed 's/^/# /'
	fi
}

for c in "${cases[@]}"; do
	rm -f "$tmp/$c.conf"
	if [ -f "$golden/$c.conf" ]; then
		sed "s|@DIR@|$tmp|g" "$golden/$c.conf" >"$tmp/$c.conf"
	fi
	env=$golden/$c.env

	run "$c.conf" "$env" -n
	check "$c: lopad -n" "$golden/$c.n.out"

	if run "$c.conf" "$env" -nv; then
		check "$c: lopad -nv" "$golden/$c.nv.out"
		# The normalised output parses again to itself.
		cp "$tmp/stdout" "$tmp/$c.nv.yaml"
		if run "$c.nv.yaml" "$env" -nv &&
		    cmp -s "$tmp/stdout" "$tmp/$c.nv.yaml"; then
			ok "$c: -nv output parses to the same -nv output"
		else
			not_ok "$c: -nv output parses to the same -nv output"
			diff -u "$tmp/$c.nv.yaml" "$tmp/out" | sed 's/^/# /'
		fi
	else
		cp "$tmp/stdout" "$tmp/nv.stdout"
		check "$c: lopad -nv" "$golden/$c.nv.out"
		if [ -s "$tmp/nv.stdout" ]; then
			not_ok "$c: -nv prints no configuration on errors"
		else
			ok "$c: -nv prints no configuration on errors"
		fi
	fi
done

# The example configuration passes and documents the defaults.
cp "$root/etc/lopad.conf" "$tmp/example.conf"
if run example.conf "" -n && [ "$(cat "$tmp/stdout")" = \
    "configuration OK" ]; then
	ok "etc/lopad.conf passes lopad -n"
else
	not_ok "etc/lopad.conf passes lopad -n"
	sed 's/^/# /' "$tmp/out"
fi
run example.conf "" -nv
if cmp -s "$tmp/out" "$golden/empty.nv.out"; then
	ok "etc/lopad.conf sets every key to its default"
else
	not_ok "etc/lopad.conf sets every key to its default"
	diff -u "$golden/empty.nv.out" "$tmp/out" | sed 's/^/# /'
fi

[ "$failed" -eq 0 ]
