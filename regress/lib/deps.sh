#!/bin/sh
# Install the Debian packages lopa needs, only those that are missing.
#   deps.sh build   libraries and tools to build lopad and lopactl
#   deps.sh test    what the regress suite needs besides
set -e
build="gcc make pkg-config libevent-dev libbsd-dev libyaml-dev libnl-3-dev
libnl-route-3-dev libcurl4-openssl-dev libjansson-dev libseccomp-dev
libcmocka-dev libssl-dev"
test="clang libclang-rt-14-dev mandoc iproute2 nftables socat curl
util-linux procps perl psmisc strace python3 iputils-ping fping tshark openssl
prometheus python3-prometheus-client"
case "$1" in
build)	want=$build ;;
test)	want="$build $test" ;;
*)	echo "usage: deps.sh build|test" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# prometheus is there for promtool: its server must not start.  A
# policy-rc.d of our own forbids starting services while installing.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    { [ -n "$policy" ] && rm -f "$policy"; exit 1; }
[ -n "$policy" ] && rm -f "$policy"
exit 0
