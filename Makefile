# krenalis: krenalisd, krctl and krtop.
#
#   make                 build everything (with the libraries installed:
#                        a missing one is named, with a hint to make deps)
#   make deps            install the missing Debian packages that the build
#                        and the tests need (apt-get, through sudo if needed)
#   make run             install what the build needs, build and start
#                        krenalisd -d on ./var
#   make test            make deps, then build with -Werror and run every test
#   make SANITIZE=1 test the same under AddressSanitizer and UBSan
#                        (objects of a CC=clang build go to build/*-clang)
#   make SANITIZE=thread CC=clang test
#                        the same under ThreadSanitizer
#   make fuzz            build the libFuzzer targets of tests/fuzz with clang
#                        and run each for FUZZ_SECONDS (60) on its corpus
#   make install DESTDIR= PREFIX=/usr/local
#                        programs in SBINDIR and BINDIR, manual pages, a
#                        sample krenalisd.conf in DOCDIR (and in SYSCONFDIR
#                        when it has none), the systemd unit in UNITDIR
#   make V=1             show full command lines

PREFIX ?=	/usr/local
DESTDIR ?=
BINDIR ?=	$(PREFIX)/bin
SBINDIR ?=	$(PREFIX)/sbin
MANDIR ?=	$(PREFIX)/share/man
DOCDIR ?=	$(PREFIX)/share/doc/krenalis
UNITDIR ?=	$(PREFIX)/lib/systemd/system
# krenalisd reads /etc/krenalisd.conf, whatever the prefix.
SYSCONFDIR ?=	/etc

CC ?=		cc
PKGS =		libmicrohttpd jansson sqlite3 libcurl ncursesw zlib libpq

# The dependencies are dealt with before anything else is evaluated, so
# that pkg-config is asked for flags only once the libraries are there:
# make deps, run and test install what is missing; the other goals (but
# clean) stop at once on a missing library.
ifneq ($(filter deps run test check fuzz,$(MAKECMDGOALS)),)
ifneq ($(shell sh .ci/deps $(if $(filter deps test check,$(MAKECMDGOALS)),test) \
    $(if $(or $(filter fuzz,$(MAKECMDGOALS)),$(findstring clang,$(CC))),clang) \
    >&2; echo $$?),0)
$(error installing the build dependencies failed)
endif
else ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),all)),)
ifeq ($(shell command -v pkg-config 2>/dev/null),)
$(error krenalis: missing pkg-config; run 'make deps')
endif
MISSING :=	$(shell for p in $(PKGS); do \
		    pkg-config --exists $$p || echo $$p; done)
ifneq ($(MISSING),)
$(error krenalis: missing $(MISSING) (pkg-config); run 'make deps')
endif
endif

WARN =		-Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual \
		-Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla \
		-Wno-unused-parameter
CFLAGS ?=	-O2 -g
CPPFLAGS +=	-D_GNU_SOURCE -Icommon $(shell pkg-config --cflags $(PKGS))
ifneq ($(filter test check,$(MAKECMDGOALS)),)
WERROR =	-Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS =	-fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined
BUILD =		build/asan
else ifeq ($(SANITIZE),thread)
SANFLAGS =	-fsanitize=thread -fno-omit-frame-pointer
BUILD =		build/tsan
else
BUILD =		build/normal
endif
# gcc and clang have their own sanitizer runtimes: never mix their objects.
# Two warnings of clang only are false alarms here: { NULL } ending a table
# row, and a macro's string continuing a literal in an initializer.
ifneq ($(findstring clang,$(notdir $(CC))),)
BUILD :=	$(BUILD)-clang
WARN +=		-Wno-missing-field-initializers -Wno-string-concatenation
endif
ifdef KRENALIS_TEST_HOOKS
CPPFLAGS +=	-DKRENALIS_TEST_HOOKS
endif
ALL_CFLAGS =	$(CFLAGS) $(WARN) $(WERROR) $(SANFLAGS) -pthread -MMD -MP
LDFLAGS +=	$(SANFLAGS) -pthread

LIBS_D =	$(shell pkg-config --libs libmicrohttpd jansson sqlite3 zlib \
		    libpq libcurl) -lm
LIBS_CTL =	$(shell pkg-config --libs jansson libcurl)
LIBS_TOP =	$(shell pkg-config --libs jansson ncursesw)
LIBS_COMMON =	$(shell pkg-config --libs jansson)

ifneq ($(V),1)
Q =		@
QCC =		@printf '  CC      %s\n' $@;
QLD =		@printf '  LD      %s\n' $@;
QAR =		@printf '  AR      %s\n' $@;
endif

COMMON_SRC =	$(wildcard common/*.c)
D_SRC =		$(wildcard krenalisd/*.c)
CTL_SRC =	$(wildcard krctl/*.c)
TOP_SRC =	$(wildcard krtop/*.c)
UNIT_SRC =	$(wildcard tests/unit/test_*.c)

obj =		$(patsubst %.c,$(BUILD)/%.o,$(1))
COMMON_LIB =	$(BUILD)/libcommon.a
D_LIB =		$(BUILD)/libkrenalisd.a
D_OBJ =		$(call obj,$(filter-out krenalisd/main.c,$(D_SRC)))
CTL_OBJ =	$(call obj,$(filter-out krctl/main.c,$(CTL_SRC)))
TOP_OBJ =	$(call obj,$(filter-out krtop/main.c,$(TOP_SRC)))
UNIT_BIN =	$(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

PROGS =		krenalisd/krenalisd krctl/krctl $(if $(TOP_SRC),krtop/krtop)
MANS =		$(wildcard man/*.[0-9])

all: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
	$(QAR)rm -f $@ && $(AR) rcs $@ $^

$(D_LIB): $(D_OBJ)
	$(QAR)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/bin/krenalisd: $(BUILD)/krenalisd/main.o $(D_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_D)

$(BUILD)/bin/krctl: $(BUILD)/krctl/main.o $(CTL_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CTL)

$(BUILD)/bin/krtop: $(BUILD)/krtop/main.o $(TOP_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TOP)

# The programs are linked in build/ and copied beside their sources, so that
# a normal and a sanitized build never mix objects.  The copy is renamed
# into place: a daemon running from the old file keeps its own.
krenalisd/krenalisd: $(BUILD)/bin/krenalisd FORCE
	$(Q)cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }
krctl/krctl: $(BUILD)/bin/krctl FORCE
	$(Q)cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }
krtop/krtop: $(BUILD)/bin/krtop FORCE
	$(Q)cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }
FORCE:

# Each unit test links the common library and every module of the daemon,
# krctl and krtop except their main.c.
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(D_LIB) $(CTL_OBJ) $(TOP_OBJ) \
    $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(LDFLAGS) -o $@ $< $(CTL_OBJ) $(TOP_OBJ) $(D_LIB) \
	    $(COMMON_LIB) $(LIBS_D) $(LIBS_CTL) $(LIBS_TOP)

test check: $(PROGS) $(UNIT_BIN)
	$(Q)UNIT_DIR=$(BUILD)/tests sh tests/run

run: $(PROGS)
	./krenalisd/krenalisd -d -D var

# .ci/deps ran while the Makefile was read.
deps:
	@:

bench: $(PROGS)
	$(Q)$(MAKE) -C tests/bench

# tests/fuzz builds its own objects, with clang, in build/fuzz.
fuzz:
	$(Q)$(MAKE) -C tests/fuzz

# The sample configuration goes to SYSCONFDIR only when there is none, so
# that a reinstall keeps the operator's settings.
install: $(PROGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(UNITDIR)
	install -m 755 krenalisd/krenalisd $(DESTDIR)$(SBINDIR)/krenalisd
	install -m 755 krctl/krctl $(DESTDIR)$(SBINDIR)/krctl
	$(if $(TOP_SRC),install -m 755 krtop/krtop $(DESTDIR)$(BINDIR)/krtop)
	for m in $(MANS); do \
		s=$${m##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done
	install -m 644 etc/krenalisd.conf $(DESTDIR)$(DOCDIR)/krenalisd.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/krenalisd.conf ] || \
	    install -m 644 etc/krenalisd.conf $(DESTDIR)$(SYSCONFDIR)/krenalisd.conf
	sed 's|@SBINDIR@|$(SBINDIR)|g' etc/krenalisd.service.in \
	    >$(DESTDIR)$(UNITDIR)/krenalisd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/krenalisd.service

clean:
	rm -rf build $(PROGS) krtop/krtop

# Keep the unit tests' objects: they are intermediate files otherwise.
.SECONDARY:

.PHONY: all deps test check run bench fuzz install clean FORCE

-include $(shell find build -name '*.d' 2>/dev/null)
