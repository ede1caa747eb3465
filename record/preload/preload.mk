# record/preload/: libiorec-preload.so (the LD_PRELOAD interposer) and
# iorec's side of the preload source.
#
# The .so is never part of LIBS_LINK (iorec would interpose itself): it
# links its own objects plus libiotrace statically, with every symbol but
# the wrappers hidden (-fvisibility=hidden, --exclude-libs), and libzstd,
# libz dynamically. iorec links libiorec-preload-src.a: the source ops,
# shard merging, and the descriptor tables (for the unit tests).

PRELOAD_SO := $(BUILD)/lib/libiorec-preload.so
PRELOAD_SO_OBJS := $(addprefix $(BUILD)/obj/record/preload/, preload_wrap.o preload_rt.o preload_fd.o preload_spool.o)
PRELOAD_SRC_LIB := $(BUILD)/libiorec-preload-src.a
PRELOAD_SRC_OBJS := $(addprefix $(BUILD)/obj/record/preload/, preload_source.o preload_spool.o preload_fd.o)
LIBS_LINK := $(PRELOAD_SRC_LIB) $(LIBS_LINK)
INSTALL_LIBS += $(PRELOAD_SO)
EXTRA_ALL += $(PRELOAD_SRC_LIB)
BENCH_TARGETS += bench-preload

# Helper programs of tests/preload/ (not installed).
PRELOAD_TEST_BINS := $(addprefix $(BUILD)/tests/preload/, iotr_stats mt_io sig_write pread_loop pread_mix thread_mem vfork_dup errno_start errno_keep)

# Applications pass NULL where glibc headers say nonnull (fstatat with
# AT_EMPTY_PATH, ...): keep our NULL checks.
$(BUILD)/obj/record/preload/%.o: CFLAGS_ALL += -fvisibility=hidden -fno-delete-null-pointer-checks

$(PRELOAD_SO): $(PRELOAD_SO_OBJS) $(LIBIOTRACE)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@";) $(CC) -shared $(LDFLAGS_ALL) -Wl,-z,defs \
		-Wl,--exclude-libs,ALL -o $@ $(PRELOAD_SO_OBJS) $(LIBIOTRACE) \
		$(shell pkg-config --libs libzstd zlib 2>/dev/null) -ldl -lpthread

$(PRELOAD_SRC_LIB): $(PRELOAD_SRC_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(if $(filter 1,$(V)),,@echo "  AR      $@";) ar rcs $@ $^

$(BUILD)/tests/preload/%: $(BUILD)/obj/tests/preload/%.o $(LIBS_LINK)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@";) $(CC) $(LDFLAGS_ALL) -o $@ $< $(LIBS_LINK) $(LDLIBS_ALL)

test-bins: $(PRELOAD_SO) $(PRELOAD_TEST_BINS)

.PHONY: bench-preload
bench-preload: $(PRELOAD_SO) $(PRELOAD_TEST_BINS)
	@BUILD=$(abspath $(BUILD)) SRC=$(CURDIR) scripts/bench/bench-preload.sh
