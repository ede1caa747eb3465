# iorec toolkit - top-level Makefile.
#
#   make                 build everything into build/
#   make check           install missing deps, build, run every test
#   make bench           run every benchmark (make bench-<part> for one)
#   make demo            install missing deps, build, record + analyze the sample
#   make install PREFIX=/usr/local
#   make fuzz            build libFuzzer targets with clang (build/fuzz/)
#   make clean
#
# Each area keeps its own rules in a fragment (format/format.mk,
# record/record.mk, ...) that appends to the variables below.

BUILD ?= build
PREFIX ?= /usr/local
CC ?= cc
V ?= 0

PKGS := libzstd libarchive ncursesw libbpf hdf5 zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

OPT ?= -O2
CFLAGS_WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS_ALL := -std=c11 -D_GNU_SOURCE -g $(OPT) -fPIC $(CFLAGS_WARN) \
	-I. -Iformat $(PKG_CFLAGS) $(EXTRA_CFLAGS)
ifeq ($(SAN),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_ALL += -fsanitize=address,undefined
endif
LDLIBS_ALL := $(PKG_LIBS) -lelf -lm -lpthread -lrt

# Filled by the fragments.
BINS :=            # installed programs -> build/bin
TOOL_BINS :=       # test and benchmark programs -> build/bin, not installed
LIBS_LINK :=       # static libraries, most dependent first
CHECK_PROGS :=     # Check unit-test programs -> build/tests
FUZZ_TARGETS :=    # names of tests/fuzz/fuzz_<name>.c
BENCH_TARGETS :=   # bench-<part> targets, in order
INSTALL_LIBS :=    # shared objects -> PREFIX/lib/iorec
EXTRA_ALL :=       # other build outputs

.PHONY: all check bench demo install clean fuzz deps test-bins fuzz-replays
.SECONDARY:
all:

include format/format.mk
-include record/record.mk
-include record/ebpf/ebpf.mk
-include record/preload/preload.mk
-include analyze/analyze.mk
-include tui/tui.mk
include tests/tests.mk

all: $(BINS) $(TOOL_BINS) $(EXTRA_ALL) $(INSTALL_LIBS)

# Generic compile rule with header dependencies.
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  CC      $<";) $(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Programs: a fragment says BINS (or TOOL_BINS) += $(BUILD)/bin/NAME and MAIN_NAME := the
# objects only NAME has (its main); every program links every project
# library (LIBS_LINK, expanded after all fragments are read).
.SECONDEXPANSION:
$(BUILD)/bin/%: $$(MAIN_$$*) $$(LIBS_LINK)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@";) $(CC) $(LDFLAGS_ALL) -o $@ $(MAIN_$*) $(LIBS_LINK) $(LDLIBS_ALL)

deps:
	@scripts/install-deps.sh --if-missing

check: deps
	@$(MAKE) --no-print-directory all test-bins
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN=1 OPT=-O1 fuzz-replays
	@BUILD=$(abspath $(BUILD)) SRC=$(CURDIR) tests/run-tests.sh

bench: all
	@set -e; for t in $(BENCH_TARGETS); do $(MAKE) --no-print-directory $$t; done

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(abspath $(BUILD)) scripts/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/iorec $(DESTDIR)$(PREFIX)/include
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(INSTALL_LIBS),install -m 0755 $(INSTALL_LIBS) $(DESTDIR)$(PREFIX)/lib/iorec/)
	install -m 0644 format/iotrace.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 $(BUILD)/libiotrace.a $(DESTDIR)$(PREFIX)/lib/

clean:
	rm -rf $(BUILD)
