# rear-testrescue: build, test, install.
VERSION := $(shell cat VERSION)

PREFIX  ?= /usr
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
# ReaR itself always lives in /usr/share/rear, whatever PREFIX says.
REARDIR ?= /usr/share/rear
SYSCONFDIR ?= /etc
# Private programs and data of the package, outside /usr/share/rear as the helper is.
LIBDIR  ?= $(PREFIX)/lib/rear-testrescue
DATADIR ?= $(PREFIX)/share/rear-testrescue
# Where systemd looks for the units of packages (Debian 12: /lib/systemd/system).
SYSTEMDUNITDIR ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /usr/lib/systemd/system)
# udev's rules of packages, whatever PREFIX says.
UDEVRULESDIR ?= /usr/lib/udev/rules.d

CC      ?= gcc
PKGS    := mount blkid libcap libseccomp libelf libarchive
CFLAGS  ?= -O2 -g
# What the code needs, kept apart from CFLAGS so that a packager's CFLAGS add to it.
# -pthread: the limits' cgroups are made in a thread of their own (helper/limits.h).
BUILD_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread -Wall -Wextra -Werror -DRESCUE_SPAWN_VERSION='"$(VERSION)"' \
                $(shell pkg-config --cflags $(PKGS))
# libarchive: its header only; bootfiles-iso.c loads it when an ISO is read (why: there).
BUILD_LIBS   := -pthread $(shell pkg-config --libs $(filter-out libarchive,$(PKGS)))

HELPER_SRCS := $(wildcard helper/*.c)
HELPER_OBJS := $(HELPER_SRCS:.c=.o)
# Everything but main.c is linked into the unit tests.
LIB_OBJS    := $(filter-out helper/main.o,$(HELPER_OBJS))
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:.c=)

DIST    := rear-testrescue-$(VERSION)

# Sanitizers and fuzzing (build/): the helper's objects once more with ASan and UBSan
# (gcc) for the unit tests, and with clang's libFuzzer instrumentation for the fuzz targets.
# A fuzz target is a file tests/fuzz/fuzz_NAME.c (its seeds: a line in tests/fuzz/seeds.sh,
# its regression inputs: tests/fuzz/regressions/NAME/); nothing else to add.
SAN_FLAGS    := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_OBJS     := $(LIB_OBJS:helper/%.o=build/san/%.o)
SAN_UNIT     := $(UNIT_SRCS:tests/unit/%.c=build/san/%)
FUZZ_CC      ?= clang
# clang warns about libseccomp's own SCMP_A* macros.
FUZZ_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
                -Wno-missing-field-initializers
FUZZ_OBJS    := $(LIB_OBJS:helper/%.o=build/fuzz/%.o)
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
# make fuzz: seconds per target
FUZZ_SECONDS ?= 120

.PHONY: all check unit bench bench-testrecover install uninstall clean dist deb rpm run unit-san fuzz-build fuzz

all: helper/rescue-spawn

helper/rescue-spawn: $(HELPER_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BUILD_LIBS) $(LDLIBS)

helper/%.o: helper/%.c $(wildcard helper/*.h) VERSION
	$(CC) $(CPPFLAGS) $(BUILD_CFLAGS) $(CFLAGS) -c -o $@ $<

tests/unit/test_%: tests/unit/test_%.c tests/unit/unit.h $(LIB_OBJS)
	$(CC) $(CPPFLAGS) $(BUILD_CFLAGS) $(CFLAGS) -Ihelper -o $@ $< $(LIB_OBJS) $(BUILD_LIBS) $(LDLIBS)

unit: $(UNIT_BINS)

build/san/%.o: helper/%.c $(wildcard helper/*.h) VERSION
	@mkdir -p build/san
	$(CC) $(CPPFLAGS) $(BUILD_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

build/san/test_%: tests/unit/test_%.c tests/unit/unit.h $(SAN_OBJS)
	$(CC) $(CPPFLAGS) $(BUILD_CFLAGS) $(SAN_FLAGS) -Ihelper -o $@ $< $(SAN_OBJS) $(BUILD_LIBS) $(LDLIBS)

unit-san: $(SAN_UNIT)

build/fuzz/%.o: helper/%.c $(wildcard helper/*.h) VERSION
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(CPPFLAGS) $(BUILD_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(CPPFLAGS) $(BUILD_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -Ihelper -o $@ $< $(FUZZ_OBJS) $(BUILD_LIBS) $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Each target FUZZ_SECONDS long, from the seeds of the real images (tests/fuzz/run-fuzz).
fuzz: fuzz-build
	tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

check: all unit unit-san fuzz-build
	tests/run-tests

bench: all
	tests/bench/run-bench

bench-testrecover: all
	tests/bench/run-bench testrecover

install: all
	install -D -m 0755 helper/rescue-spawn $(DESTDIR)$(SBINDIR)/rescue-spawn
	cd usr/share/rear && find . -type f | while read -r f; do \
	    install -D -m 0644 "$$f" "$(DESTDIR)$(REARDIR)/$$f" || exit 1; done
	install -D -m 0644 etc/rear/testrescue.conf $(DESTDIR)$(SYSCONFDIR)/rear/testrescue.conf
	install -D -m 0644 etc/rear/testrecover.conf $(DESTDIR)$(SYSCONFDIR)/rear/testrecover.conf
	install -D -m 0644 etc/rear/testrescue-scheduled.conf $(DESTDIR)$(SYSCONFDIR)/rear/testrescue-scheduled.conf
	install -D -m 0755 usr/lib/rear-testrescue/scheduled-test $(DESTDIR)$(LIBDIR)/scheduled-test
	install -D -m 0644 usr/lib/systemd/system/rear-testrescue.timer $(DESTDIR)$(SYSTEMDUNITDIR)/rear-testrescue.timer
	# The service and the cron job run scheduled-test where LIBDIR put it.
	for f in usr/lib/systemd/system/rear-testrescue.service:$(SYSTEMDUNITDIR) etc/cron.d/rear-testrescue:$(SYSCONFDIR)/cron.d; do \
	    sed 's|/usr/lib/rear-testrescue/|$(LIBDIR)/|' "$${f%%:*}" >"$${f%%:*}.tmp" && \
	    install -D -m 0644 "$${f%%:*}.tmp" "$(DESTDIR)$${f#*:}/$$(basename $${f%%:*})" && rm -f "$${f%%:*}.tmp" || exit 1; done
	install -D -m 0644 usr/share/rear-testrescue/prometheus/rear-testrescue.rules.yml \
	    $(DESTDIR)$(DATADIR)/prometheus/rear-testrescue.rules.yml
	install -D -m 0644 packaging/udev/59-rescue-spawn-scratch.rules $(DESTDIR)$(UDEVRULESDIR)/59-rescue-spawn-scratch.rules
	for m in man/*.8; do \
	    sed 's/@VERSION@/$(VERSION)/' "$$m" >"$$m.tmp" && \
	    install -D -m 0644 "$$m.tmp" "$(DESTDIR)$(MANDIR)/man8/$$(basename $$m)" && rm -f "$$m.tmp" || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/rescue-spawn $(DESTDIR)$(SYSCONFDIR)/rear/testrescue.conf \
	      $(DESTDIR)$(SYSCONFDIR)/rear/testrecover.conf \
	      $(DESTDIR)$(SYSCONFDIR)/rear/testrescue-scheduled.conf $(DESTDIR)$(SYSCONFDIR)/cron.d/rear-testrescue \
	      $(DESTDIR)$(LIBDIR)/scheduled-test $(DESTDIR)$(DATADIR)/prometheus/rear-testrescue.rules.yml \
	      $(DESTDIR)$(SYSTEMDUNITDIR)/rear-testrescue.service $(DESTDIR)$(SYSTEMDUNITDIR)/rear-testrescue.timer \
	      $(DESTDIR)$(MANDIR)/man8/rescue-spawn.8 $(DESTDIR)$(MANDIR)/man8/rear-testrescue.8 \
	      $(DESTDIR)$(UDEVRULESDIR)/59-rescue-spawn-scratch.rules
	cd usr/share/rear && find . -type f | while read -r f; do rm -f "$(DESTDIR)$(REARDIR)/$$f"; done
	rmdir -p --ignore-fail-on-non-empty $(DESTDIR)$(REARDIR)/testrescue/default
	rmdir -p --ignore-fail-on-non-empty $(DESTDIR)$(REARDIR)/testrecover/default
	rmdir $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR) 2>/dev/null || true

clean:
	rm -f helper/*.o helper/rescue-spawn $(UNIT_BINS)
	rm -rf dist build

# The release tarball: the tracked files, plus debian/ and the RPM spec with the
# version of VERSION filled in, so that dpkg-buildpackage and rpmbuild -ta work on it.
dist:
	rm -rf dist/$(DIST) && mkdir -p dist/$(DIST)
	git ls-files -z | xargs -0 cp -a --parents -t dist/$(DIST)
	cp -a packaging/debian dist/$(DIST)/debian
	sed 's/@VERSION@/$(VERSION)/' packaging/debian/changelog.in >dist/$(DIST)/debian/changelog
	rm dist/$(DIST)/debian/changelog.in
	sed 's/@VERSION@/$(VERSION)/' packaging/rpm/rear-testrescue.spec.in >dist/$(DIST)/rear-testrescue.spec
	tar -C dist -czf dist/$(DIST).tar.gz $(DIST)
	rm -rf dist/$(DIST)
	@echo dist/$(DIST).tar.gz

deb: dist
	rm -rf dist/deb && mkdir -p dist/deb
	tar -C dist/deb -xzf dist/$(DIST).tar.gz
	cd dist/deb/$(DIST) && dpkg-buildpackage -us -uc -b
	@ls dist/deb/*.deb

rpm: dist
	rm -rf dist/rpm && mkdir -p dist/rpm
	rpmbuild -tb --define "_topdir $(CURDIR)/dist/rpm" --nodeps dist/$(DIST).tar.gz
	@find dist/rpm/RPMS -name '*.rpm'

# Install what is needed, build, install, and test this machine's newest rescue image.
run:
	packaging/run.sh
