# rear-testrescue: build, test, install.
VERSION := $(shell cat VERSION)

PREFIX  ?= /usr
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
# ReaR itself always lives in /usr/share/rear, whatever PREFIX says.
REARDIR ?= /usr/share/rear
SYSCONFDIR ?= /etc

CC      ?= gcc
PKGS    := mount libcap libseccomp
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -DRESCUE_SPAWN_VERSION='"$(VERSION)"' \
           $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS))

HELPER_SRCS := $(wildcard helper/*.c)
HELPER_OBJS := $(HELPER_SRCS:.c=.o)
# Everything but main.c is linked into the unit tests.
LIB_OBJS    := $(filter-out helper/main.o,$(HELPER_OBJS))
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:.c=)

.PHONY: all check unit bench install uninstall clean dist

all: helper/rescue-spawn

helper/rescue-spawn: $(HELPER_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

helper/%.o: helper/%.c $(wildcard helper/*.h) VERSION
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

tests/unit/test_%: tests/unit/test_%.c tests/unit/unit.h $(LIB_OBJS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Ihelper -o $@ $< $(LIB_OBJS) $(LDLIBS)

unit: $(UNIT_BINS)

check: all unit
	tests/run-tests

bench: all
	tests/bench/run-bench

install: all
	install -D -m 0755 helper/rescue-spawn $(DESTDIR)$(SBINDIR)/rescue-spawn
	cd usr/share/rear && find . -type f | while read -r f; do \
	    install -D -m 0644 "$$f" "$(DESTDIR)$(REARDIR)/$$f" || exit 1; done
	install -D -m 0644 etc/rear/testrescue.conf $(DESTDIR)$(SYSCONFDIR)/rear/testrescue.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/rescue-spawn $(DESTDIR)$(SYSCONFDIR)/rear/testrescue.conf
	cd usr/share/rear && find . -type f | while read -r f; do rm -f "$(DESTDIR)$(REARDIR)/$$f"; done

clean:
	rm -f helper/*.o helper/rescue-spawn $(UNIT_BINS)
