# twirl: make, make test, make bench, make install, make uninstall, make clean
#
# CC and CFLAGS are the user's; the warnings and the language level are
# added to them. SANITIZE=1 builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer; the flags are remembered in build/flags, so
# switching rebuilds everything and never mixes the two.

VERSION := $(shell sed -n 's/^\#define TWIRL_VERSION "\(.*\)"/\1/p' lib/twirl.h)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share

CC ?= cc
CFLAGS ?= -O2 -g
AR ?= ar
WARN = -std=c11 -Wall -Wextra -Wpedantic -Werror
ifeq ($(SANITIZE),1)
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
endif
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN) -iquote lib
ALL_LDFLAGS = $(LDFLAGS) $(SAN)
LDLIBS = -lpthread

# libtwirl.a is the installed core (lib/*.c); the programs' own modules
# (lib/weblog, lib/fib, lib/redis, lib/util) go into build/libprog.a,
# linked into the programs and tests, never installed.
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:lib/%.c=build/lib/%.o)
PROG_LIB_SRC = $(wildcard lib/weblog/*.c lib/fib/*.c lib/redis/*.c lib/util/*.c)
PROG_LIB_OBJ = $(PROG_LIB_SRC:lib/%.c=build/lib/%.o) build/lib/weblog/dashboard.o
PROGS = $(patsubst %.c,%,$(wildcard bin/*.c))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT = $(UNIT_SRC:tests/unit/%.c=build/tests/%)
# Each fuzz target, linked with tests/fuzz/replay.c instead of libFuzzer:
# make test feeds it its seeds and every input that ever crashed it.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
REPLAY = $(FUZZ_SRC:tests/fuzz/%.c=build/tests/replay_%)
BENCH = build/bench/reactor
LIB = lib/libtwirl.a
PROG_LIB = build/libprog.a
LIBS = $(PROG_LIB) $(LIB)

all: $(LIB) $(PROGS)

# Rebuild everything when the compiler or its flags change.
build/flags: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

build/lib/%.o: lib/%.c build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The dashboard's page, as an array of bytes compiled into weblog-serve.
build/lib/weblog/dashboard.c: lib/weblog/dashboard.html
	@mkdir -p $(@D)
	{ echo '/* Made by make from lib/weblog/dashboard.html. */'; \
	  echo '#include "weblog/dashboard.h"'; \
	  echo 'const unsigned char tw_dashboard[] = {'; \
	  od -An -v -tx1 $< | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; \
	  echo 'const size_t tw_dashboard_len = sizeof(tw_dashboard);'; \
	} >$@.tmp && mv $@.tmp $@

build/lib/weblog/dashboard.o: build/lib/weblog/dashboard.c build/flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# A writer of realistic access-log lines, for make demo and make screenshot.
build/loggen: contrib/loggen.c build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ contrib/loggen.c

# make demo: weblog-serve live on a growing log, the dashboard on
# http://127.0.0.1:8080/, the hits in the terminal until Ctrl-C.
demo: all build/loggen
	@contrib/demo

# make screenshot: docs/dashboard.png, the dashboard at 1,000 hits a second
# in headless Chromium, and its frame times.
screenshot: all build/loggen
	@tests/deps chromium chromium-driver python3-selenium
	@mkdir -p docs
	/usr/bin/python3 contrib/screenshot.py . docs/dashboard.png 1000

$(LIB): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(PROG_LIB): $(PROG_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(PROG_LIB_OBJ)

bin/%: bin/%.c $(LIBS) build/flags
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF build/$(@F).d $(ALL_LDFLAGS) \
		-o $@ $< $(LIBS) $(LDLIBS)

build/tests/%: tests/unit/%.c tests/unit/tap.h $(LIBS) build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

build/bench/%: bench/%.c $(LIB) build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

build/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay.c $(LIBS) build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DFUZZ_NAME='"$*"' $(ALL_LDFLAGS) -o $@ \
		tests/fuzz/replay.c $< $(LIBS) $(LDLIBS)

# What the suites use, as Debian packages: tests/deps finds them or, as
# root, installs them; as another user it exits at once with the one
# command that does. It runs before anything is built, so a build with
# CC=clang finds clang installed.
TEST_DEPS = bats mandoc netcat-openbsd python3 zsh fish pkg-config \
	iproute2 systemd binutils redis-server \
	chromium chromium-driver python3-selenium \
	$(if $(findstring clang,$(notdir $(firstword $(CC)))),clang)

test:
	@tests/deps $(TEST_DEPS)
	@$(MAKE) --no-print-directory all $(UNIT) $(REPLAY)
	@tests/run $(UNIT) $(REPLAY)

# Faults, hostile peers, churn and valgrind: minutes, so not in make test.
test-long:
	@tests/deps $(TEST_DEPS) valgrind
	@$(MAKE) --no-print-directory all
	@tests/long/run

valgrind:
	@tests/deps $(TEST_DEPS) valgrind
	@$(MAKE) --no-print-directory all
	@tests/long/run tests/long/valgrind.bats

bench-reactor: $(BENCH)
	$(BENCH)

# A custom nginx format next to the built-in "combined" (bench/logfmt.c).
build/bench/logfmt: bench/logfmt.c $(LIBS) build/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

bench-logfmt: build/bench/logfmt
	build/bench/logfmt

# Fuzzing (clang's libFuzzer): every tests/fuzz/fuzz_NAME.c, built with the
# library's sources, runs FUZZ_SECONDS on a scratch corpus seeded from
# tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME; crashes land in
# build/fuzz/. Ends with "N passed, N failed", one count per target.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -iquote lib
FUZZ_LIB_FLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -iquote lib
FUZZ = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# The library is compiled once for every target (instrumented, no main),
# and kept: make would delete the objects as intermediate files.
FUZZ_OBJ = $(LIB_SRC:lib/%.c=build/fuzz/lib/%.o) \
	$(PROG_LIB_SRC:lib/%.c=build/fuzz/lib/%.o) \
	build/fuzz/lib/weblog/dashboard.o
.SECONDARY: $(FUZZ_OBJ)

build/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_LIB_FLAGS) -MMD -MP -c -o $@ $<

build/fuzz/lib/weblog/dashboard.o: build/lib/weblog/dashboard.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_LIB_FLAGS) -c -o $@ build/lib/weblog/dashboard.c

build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_OBJ) -lpthread

# libclang-rt-dev: tests/deps names libFuzzer's runtime for clang's version.
fuzz:
	@tests/deps $(if $(findstring clang,$(notdir $(firstword $(FUZZ_CC)))),clang) \
		libclang-rt-dev
	@$(MAKE) --no-print-directory $(FUZZ)
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ)

# twirl against Twisted, a thread-per-client server, Redis, GoAccess and
# websocketd: bench/RESULTS.md
bench:
	@tests/deps python3 python3-twisted redis-server goaccess websocketd
	@$(MAKE) --no-print-directory all build/bench/loadgen build/bench/floor \
		bench-reactor
	bench/run

# The installed headers, named one by one: the core that twirl(3)
# documents, and nothing of the programs' own modules.
HEADERS = lib/addr.h lib/bytes.h lib/conn.h lib/deferred.h lib/lines.h \
	lib/reactor.h lib/resolve.h lib/sdnotify.h lib/signals.h lib/thread.h \
	lib/timer.h lib/twirl.h
MANPAGES = $(wildcard man/*.[1-9])
BASHCOMP = $(wildcard completions/*.bash)
ZSHCOMP = $(wildcard completions/_*)
FISHCOMP = $(wildcard completions/*.fish)
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

# twirl.pc names its directories relative to ${prefix} where it can, so
# pkg-config --define-variable=prefix=... can move them.
PC_DIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR)/twirl $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(DESTDIR)$(PKGCONFIGDIR)
	for p in $(PROGS); do cp $$p $(DESTDIR)$(BINDIR)/; done
	cp $(LIB) $(DESTDIR)$(LIBDIR)/
	cp $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/twirl/
	sed -e 's|@PREFIX@|$(PREFIX)|' \
		-e 's|@LIBDIR@|$(call PC_DIR,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(call PC_DIR,$(INCLUDEDIR))|' \
		-e 's|@VERSION@|$(VERSION)|' lib/twirl.pc.in \
		>$(DESTDIR)$(PKGCONFIGDIR)/twirl.pc
	for m in $(MANPAGES); do s=$${m##*.}; \
		mkdir -p $(DESTDIR)$(MANDIR)/man$$s && \
		cp $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for f in $(BASHCOMP); do b=$${f##*/}; \
		cp $$f $(DESTDIR)$(BASHCOMPDIR)/$${b%.bash}; done
	for f in $(ZSHCOMP); do cp $$f $(DESTDIR)$(ZSHCOMPDIR)/; done
	for f in $(FISHCOMP); do cp $$f $(DESTDIR)$(FISHCOMPDIR)/; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$${p#bin/}; done
	rm -f $(DESTDIR)$(LIBDIR)/libtwirl.a $(DESTDIR)$(PKGCONFIGDIR)/twirl.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/twirl
	for m in $(MANPAGES); do s=$${m##*.}; \
		rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done
	for f in $(BASHCOMP); do b=$${f##*/}; \
		rm -f $(DESTDIR)$(BASHCOMPDIR)/$${b%.bash}; done
	for f in $(ZSHCOMP); do rm -f $(DESTDIR)$(ZSHCOMPDIR)/$${f##*/}; done
	for f in $(FISHCOMP); do rm -f $(DESTDIR)$(FISHCOMPDIR)/$${f##*/}; done

clean:
	rm -rf build $(LIB) $(PROGS)

FORCE:
.PHONY: all demo screenshot test test-long valgrind bench bench-reactor bench-logfmt fuzz install uninstall clean FORCE

-include $(wildcard build/*.d build/lib/*.d build/lib/*/*.d build/tests/*.d \
	build/bench/*.d build/fuzz/lib/*.d build/fuzz/lib/*/*.d)
