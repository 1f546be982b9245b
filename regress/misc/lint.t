#!/bin/bash
# Documentation lint, as TAP:
# - every man page passes mandoc -Tlint -Wwarning (no output at all);
# - "lopad -h" and "lopactl -h" mention every option that the SYNOPSIS of
#   their man page lists (the arguments of its .Fl macros);
# - the README names the two set-up commands, make run and make check;
# - the rc script parses as POSIX sh; the systemd unit passes
#   systemd-analyze verify when that tool is there.
# A man page or binary that is missing is a failure, not a skip.
#
# Binaries: $LOPAD and $LOPACTL, else $LOPA_BUILDDIR/lopad and
# $LOPA_BUILDDIR/lopactl (default build/).

set -u
cd "$(dirname "$0")/../.." || exit 1

BUILD=${LOPA_BUILDDIR:-build}
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

# The pages the project must have, plus any other page in man/.
pages=(man/lopad.8 man/lopactl.8 man/lopad.conf.5)
for f in man/*.[1-9]; do
	[ -e "$f" ] || continue
	case " ${pages[*]} " in
	*" $f "*) ;;
	*) pages+=("$f") ;;
	esac
done
# program:page pairs whose options are compared.
progs=(lopad:man/lopad.8 lopactl:man/lopactl.8)

echo "1..$((${#pages[@]} + ${#progs[@]} + 4))"

n=0
failed=0
ok()
{
	n=$((n + 1))
	echo "ok $n - $*"
}
notok()
{
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}
# Indent diagnostics so that TAP parsers do not take them for results.
diag()
{
	sed 's/^/# /'
}

for page in "${pages[@]}"; do
	if [ ! -f "$page" ]; then
		notok "mandoc lint: $page: missing"
		continue
	fi
	if out=$(mandoc -Tlint -Wwarning "$page" 2>&1) && [ -z "$out" ]; then
		ok "mandoc lint: $page"
	else
		notok "mandoc lint: $page"
		printf '%s\n' "$out" | diag
	fi
done

# The options of a SYNOPSIS, one a line: "-x" for each letter of
# ".Fl xyz" (a cluster of single-letter flags), "--long" for ".Fl -long"
# or ".Fl \-long".  Words after Fl are flags until the next macro or
# delimiter.
synopsis_flags()
{
	awk '
	/^\.Sh / { insyn = ($2 == "SYNOPSIS"); next }
	!insyn || !/^\./ { next }
	{
		sub(/^\./, "")
		gsub(/\\-/, "-")	# the escapes a flag may be written with
		gsub(/\\&/, "")
		n = split($0, w, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			if (w[i] != "Fl")
				continue
			for (j = i + 1; j <= n; j++) {
				if (w[j] ~ /^[A-Z][a-z][a-z]?$/ || \
				    w[j] ~ /^[][|(),.;:?!]+$/ || w[j] == "")
					break
				if (w[j] ~ /^-/)
					print "-" w[j]
				else
					for (k = 1; k <= length(w[j]); k++)
						print "-" substr(w[j], k, 1)
			}
			i = j - 1
		}
	}' "$1" | sort -u
}

# The options a usage text mentions, same form: words starting with "-"
# (optionally after "[") are clusters, words starting with "--" are long.
usage_flags()
{
	tr -s ' \t|' '\n' | sed -n 's/^\[*\(--*[A-Za-z0-9][A-Za-z0-9-]*\).*/\1/p' |
	    awk '/^--/ { print; next }
	    { for (k = 2; k <= length($0); k++) print "-" substr($0, k, 1) }' |
	    sort -u
}

for pair in "${progs[@]}"; do
	prog=${pair%%:*}
	page=${pair#*:}
	case $prog in
	lopad) bin=${LOPAD:-$BUILD/lopad} ;;
	lopactl) bin=${LOPACTL:-$BUILD/lopactl} ;;
	esac
	if [ ! -f "$page" ]; then
		notok "$prog -h covers the SYNOPSIS of $page: $page missing"
		continue
	fi
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		notok "$prog -h covers the SYNOPSIS of $page: $bin missing"
		continue
	fi
	synopsis_flags "$page" > "$TMP/syn"
	if [ ! -s "$TMP/syn" ]; then
		notok "$prog -h covers the SYNOPSIS of $page: no .Fl found"
		continue
	fi
	# -h may exit non-zero (usage); only its text matters.
	timeout 10 "$bin" -h > "$TMP/usage" 2>&1 < /dev/null
	usage_flags < "$TMP/usage" > "$TMP/help"
	missing=$(comm -23 "$TMP/syn" "$TMP/help")
	if [ -z "$missing" ]; then
		ok "$prog -h covers the SYNOPSIS of $page: $(paste -sd' ' "$TMP/syn")"
	else
		notok "$prog -h covers the SYNOPSIS of $page"
		echo "missing from $bin -h: $(echo "$missing" | paste -sd' ')" | diag
		diag < "$TMP/usage"
	fi
done

for cmd in "make run" "make check"; do
	if [ ! -f README.md ]; then
		notok "README.md mentions $cmd: README.md missing"
	elif grep -qF "$cmd" README.md; then
		ok "README.md mentions $cmd"
	else
		notok "README.md mentions $cmd"
	fi
done

if [ ! -f etc/lopad.init ]; then
	notok "etc/lopad.init parses as POSIX sh: missing"
elif out=$(sh -n etc/lopad.init 2>&1) && [ -z "$out" ]; then
	ok "etc/lopad.init parses as POSIX sh"
else
	notok "etc/lopad.init parses as POSIX sh"
	printf '%s\n' "$out" | diag
fi

# systemd-analyze wants ExecStart= to exist: point @SBINDIR@ at a stand-in.
if [ ! -f etc/lopad.service ]; then
	notok "etc/lopad.service passes systemd-analyze verify: missing"
elif ! command -v systemd-analyze > /dev/null 2>&1; then
	ok "etc/lopad.service passes systemd-analyze verify # SKIP no systemd-analyze"
else
	mkdir -p "$TMP/sbin"
	cp /bin/true "$TMP/sbin/lopad"
	sed "s,@SBINDIR@,$TMP/sbin,g" etc/lopad.service > "$TMP/lopad.service"
	# Fails on its exit status or on any remark about this unit (unknown
	# keys are only warned about); remarks about the host are ignored.
	if out=$(timeout 30 systemd-analyze verify --man=no \
	    "$TMP/lopad.service" 2>&1) && ! grep -q lopad <<< "$out"; then
		ok "etc/lopad.service passes systemd-analyze verify"
	else
		notok "etc/lopad.service passes systemd-analyze verify"
		printf '%s\n' "$out" | diag
	fi
fi

[ "$failed" -eq 0 ]
