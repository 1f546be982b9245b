# lopa: network quality measurement daemon.
#
#   make            build lopad and lopactl into build/
#   make run        install deps, build, start lopad -d with built-in defaults
#   make check      install deps, build with -Werror, run every test (prove)
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       apt-get the Debian -dev packages that are missing
#   make lint       mandoc -Tlint on man/
#   make fuzz       libFuzzer targets, bounded time (FUZZ_SECONDS)
#   make bench      benchmarks (not tests)

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
UNITDIR		?= /lib/systemd/system
DESTDIR		?=

CC		?= cc
O		?= build
CFLAGS		?= -O2 -g
PKGS		 = libevent libbsd-overlay yaml-0.1 libnl-3.0 libnl-route-3.0 \
		   libcurl jansson libseccomp libcrypto
WARNFLAGS	 = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
		   -Wpointer-arith -Wmissing-prototypes -Wstrict-prototypes \
		   -Wformat=2
PKG_CFLAGS	 = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# lopad loads libcurl and libcrypto in its control process only (dlopen).
LOPAD_PKGS	 = $(filter-out libcurl libcrypto,$(PKGS))
LOPAD_LIBS	 = $(shell pkg-config --libs $(LOPAD_PKGS) 2>/dev/null) \
		   $(shell pkg-config --libs libbsd-ctor 2>/dev/null) -lm
CPPFLAGS	+= -D_GNU_SOURCE -Icommon -Ilopad -Ilopactl
ALL_CFLAGS	 = $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARNFLAGS) -MMD -MP
LIBS		 = $(PKG_LIBS) $(shell pkg-config --libs libbsd-ctor 2>/dev/null) -lm

VERSION		 = 0.1.0
REVISION	:= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

COMMON_SRCS	 = common/imsg.c common/imsgev.c common/log.c \
		   common/duration.c common/addr.c common/version.c
LOPAD_SRCS	 = lopad/lopad.c lopad/proc.c lopad/sandbox.c lopad/privfd.c \
		   lopad/config.c lopad/engine.c lopad/sender.c \
		   lopad/reflector.c lopad/netlink.c lopad/control.c \
		   lopad/problem.c lopad/task.c lopad/stats.c lopad/icmp_codec.c \
		   lopad/task_json.c lopad/probe_udp.c lopad/twamp_codec.c \
		   lopad/stamp_tlv.c lopad/twamp_ctl_codec.c lopad/twamp_stats.c \
		   lopad/alert.c lopad/webhook.c lopad/state.c lopad/rtnl.c \
		   lopad/monitor.c lopad/engine_mon.c lopad/metrics.c \
		   lopad/export.c
LOPACTL_SRCS	 = lopactl/lopactl.c lopactl/parser.c lopactl/output.c \
		   lopactl/http.c lopactl/probe.c lopactl/sse.c lopactl/fmt.c \
		   common/duration.c

# Unit tests: regress/unit/test_NAME.c plus the sources listed here.
UNIT_TESTS	 = imsg duration config problem parser stats icmp_codec \
		   task_json sse probe_udp twamp_codec stamp_tlv twamp_ctl_codec \
		   twamp_stats twamp_client alert webhook state rtnl monitor \
		   metrics export
UNIT_imsg	 = common/imsg.c common/imsgev.c
UNIT_duration	 = common/duration.c
UNIT_config	 = lopad/config.c common/addr.c common/duration.c common/log.c \
		   lopad/task_json.c lopad/task.c lopad/problem.c lopad/alert.c \
		   lopad/monitor.c lopad/rtnl.c
UNIT_problem	 = lopad/problem.c common/log.c
UNIT_parser	 = lopactl/parser.c lopactl/fmt.c common/duration.c
UNIT_sse	 = lopactl/sse.c lopactl/fmt.c
UNIT_stats	 = lopad/stats.c
UNIT_icmp_codec	 = lopad/icmp_codec.c
UNIT_twamp_codec = lopad/twamp_codec.c
UNIT_stamp_tlv	 = lopad/stamp_tlv.c
UNIT_twamp_ctl_codec = lopad/twamp_ctl_codec.c
UNIT_twamp_stats = lopad/twamp_stats.c lopad/stats.c
UNIT_twamp_client = lopad/twamp_ctl_codec.c
UNIT_probe_udp	 = lopad/probe_udp.c
UNIT_alert	 = lopad/alert.c common/duration.c
UNIT_webhook	 = lopad/webhook.c common/addr.c common/log.c
UNIT_state	 = lopad/state.c lopad/task_json.c lopad/task.c lopad/monitor.c lopad/rtnl.c \
		   lopad/problem.c lopad/alert.c common/duration.c
UNIT_rtnl	 = lopad/rtnl.c
UNIT_monitor	 = lopad/monitor.c lopad/rtnl.c lopad/task_json.c lopad/task.c \
		   lopad/problem.c lopad/alert.c common/duration.c
UNIT_metrics	 = lopad/metrics.c lopad/task.c lopad/alert.c \
		   common/duration.c
UNIT_export	 = lopad/export.c lopad/metrics.c lopad/task_json.c \
		   lopad/task.c lopad/problem.c lopad/alert.c common/duration.c
UNIT_task_json	 = lopad/task_json.c lopad/task.c lopad/problem.c \
		   lopad/alert.c common/duration.c

# libFuzzer targets: regress/fuzz/fuzz_NAME.c plus these sources.
FUZZ_TARGETS	 = imsg config duration icmp_codec task_json probe_udp \
		   twamp_codec stamp_tlv twamp_ctl_codec sse rtnl monitor \
		   metrics
FUZZ_metrics	 = lopad/metrics.c lopad/task.c lopad/alert.c common/duration.c
FUZZ_imsg	 = common/imsg.c
FUZZ_config	 = lopad/config.c common/addr.c common/duration.c common/log.c \
		   lopad/task_json.c lopad/task.c lopad/problem.c lopad/alert.c \
		   lopad/monitor.c lopad/rtnl.c
FUZZ_duration	 = common/duration.c
FUZZ_icmp_codec	 = lopad/icmp_codec.c
FUZZ_twamp_codec = lopad/twamp_codec.c
FUZZ_stamp_tlv	 = lopad/stamp_tlv.c
FUZZ_twamp_ctl_codec = lopad/twamp_ctl_codec.c
FUZZ_sse	 = lopactl/sse.c
FUZZ_rtnl	 = lopad/rtnl.c
FUZZ_monitor	 = lopad/monitor.c lopad/rtnl.c lopad/task_json.c lopad/task.c \
		   lopad/problem.c lopad/alert.c common/duration.c
FUZZ_probe_udp	 = lopad/probe_udp.c
FUZZ_task_json	 = lopad/task_json.c lopad/task.c lopad/problem.c \
		   lopad/alert.c common/duration.c
FUZZ_SECONDS	?= 20

# Objects live under $(O)/obj so that the lopad/ and lopactl/ object
# directories do not collide with the binaries $(O)/lopad and $(O)/lopactl.
OBJ		 = $(O)/obj
LOPAD		 = $(O)/lopad
LOPACTL		 = $(O)/lopactl
UNIT_BINS	 = $(UNIT_TESTS:%=$(O)/regress/unit/test_%)

all: $(LOPAD) $(LOPACTL)

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The revision is compiled into one small object, rebuilt every time.
$(OBJ)/common/version.o: FORCE
$(OBJ)/common/version.o: CPPFLAGS += -DLOPA_REVISION=\"$(REVISION)\"
FORCE:

$(LOPAD): $(COMMON_SRCS:%.c=$(OBJ)/%.o) $(LOPAD_SRCS:%.c=$(OBJ)/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LOPAD_LIBS)

$(LOPACTL): $(sort $(LOPACTL_SRCS:%.c=$(OBJ)/%.o))
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

.SECONDEXPANSION:
$(O)/regress/unit/test_%: $(OBJ)/regress/unit/test_%.o \
    $$(addprefix $(OBJ)/,$$(addsuffix .o,$$(basename $$(UNIT_$$*))))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

unit: $(UNIT_BINS)

# Unit tests again under AddressSanitizer and UBSan, in their own tree.
asan:
	$(MAKE) O=build-asan CC=clang \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" unit

# Each target runs FUZZ_SECONDS on a scratch copy of its seed corpus.
fuzz: deps
	@mkdir -p build-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=fuzz-%)

fuzz-%:
	@clang -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) \
	    $(PKG_CFLAGS) -o build-fuzz/fuzz_$* regress/fuzz/fuzz_$*.c \
	    $(FUZZ_$*) $(LIBS)
	@rm -rf build-fuzz/corpus-$*; mkdir -p build-fuzz/corpus-$*
	@cp regress/fuzz/corpus/$*/* build-fuzz/corpus-$*/ 2>/dev/null || true
	@echo "fuzz_$*: $(FUZZ_SECONDS) s"
	@build-fuzz/fuzz_$* -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=build-fuzz/ build-fuzz/corpus-$* \
	    2>build-fuzz/fuzz_$*.log || { tail -40 build-fuzz/fuzz_$*.log; exit 1; }
	@tail -1 build-fuzz/fuzz_$*.log

# Benchmarks: ratios against a reference measured in the same run.
$(O)/bench/imsg_bench: $(OBJ)/bench/imsg_bench.o $(OBJ)/common/imsg.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/bench/connect_loop: $(OBJ)/bench/connect_loop.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/bench/wake_loop: $(OBJ)/bench/wake_loop.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/bench/twamp_load: $(OBJ)/bench/twamp_load.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/bench/twamp_refl: $(OBJ)/bench/twamp_refl.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

bench: $(O)/bench/imsg_bench $(O)/bench/connect_loop $(O)/bench/wake_loop \
    $(O)/bench/twamp_load $(O)/bench/twamp_refl $(LOPAD)
	@echo "framing: imsg over bare send/recv on one SOCK_SEQPACKET pair"
	$(O)/bench/imsg_bench
	@echo "probes: lopad against ping, fping and a connect loop"
	CONNECT_LOOP=$(CURDIR)/$(O)/bench/connect_loop \
	    WAKE_LOOP=$(CURDIR)/$(O)/bench/wake_loop LOPAD=$(CURDIR)/$(LOPAD) \
	    bash bench/probe_bench.sh
	@echo "twamp: lopad's reflector against a minimal recvmmsg reflector"
	TWAMP_LOAD=$(CURDIR)/$(O)/bench/twamp_load \
	    TWAMP_REFL=$(CURDIR)/$(O)/bench/twamp_refl LOPAD=$(CURDIR)/$(LOPAD) \
	    bash bench/twamp_bench.sh

deps:
	@sh regress/lib/deps.sh build

test-deps: deps
	@sh regress/lib/deps.sh test

# Programs the integration tests run (regress/tools/).
REGRESS_TOOLS	 = delayline
TOOL_BINS	 = $(REGRESS_TOOLS:%=$(O)/regress/tools/%)

$(O)/regress/tools/%: regress/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) $(LDFLAGS) -o $@ $<

tools: $(TOOL_BINS)

check: test-deps
	$(MAKE) all unit tools
	$(MAKE) asan
	CMOCKA_MESSAGE_OUTPUT=TAP prove -v --timer -e '' $(UNIT_BINS) $(UNIT_TESTS:%=build-asan/regress/unit/test_%) \
	    regress/integ/*.t regress/misc/*.t

lint:
	mandoc -Tlint -Wwarning man/*.[58]

run: deps all
	@id -u _lopad >/dev/null 2>&1 || useradd --system --no-create-home \
	    --home-dir /var/lib/lopad --shell /usr/sbin/nologin _lopad
	@echo "starting lopad in the foreground with built-in defaults (Ctrl-C stops it)"
	@echo "try in another shell: $(CURDIR)/$(LOPACTL) status"
	exec $(LOPAD) -d

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/lopad $(DESTDIR)/var/lib/lopad \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/init.d
	install -m 755 $(LOPAD) $(DESTDIR)$(SBINDIR)/lopad
	install -m 755 $(LOPACTL) $(DESTDIR)$(BINDIR)/lopactl
	install -m 644 man/lopad.8 man/lopactl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/lopad.conf.5 $(DESTDIR)$(MANDIR)/man5/
	[ -e $(DESTDIR)$(SYSCONFDIR)/lopad/lopad.conf ] || \
	    install -m 640 etc/lopad.conf $(DESTDIR)$(SYSCONFDIR)/lopad/lopad.conf
	sed 's,@SBINDIR@,$(SBINDIR),g' etc/lopad.service > \
	    $(DESTDIR)$(UNITDIR)/lopad.service
	sed 's,@SBINDIR@,$(SBINDIR),g' etc/lopad.init > \
	    $(DESTDIR)$(SYSCONFDIR)/init.d/lopad
	chmod 755 $(DESTDIR)$(SYSCONFDIR)/init.d/lopad
	@if [ -z "$(DESTDIR)" ] && ! id -u _lopad >/dev/null 2>&1; then \
	    useradd --system --no-create-home --home-dir /var/lib/lopad \
	    --shell /usr/sbin/nologin _lopad; fi

clean:
	rm -rf build build-asan build-fuzz

.SECONDARY:
.PHONY: FORCE all unit tools asan bench fuzz deps test-deps check lint run install clean

-include $(shell find $(O) -name '*.d' 2>/dev/null)
