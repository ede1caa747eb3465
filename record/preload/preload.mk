# record/preload/: libiorec-preload.so (the LD_PRELOAD interposer) and
# iorec's side of the preload source.
#
# The .so is never part of LIBS_LINK (iorec would interpose itself): it
# links its own objects plus libiotrace statically, with every symbol but
# the wrappers hidden (-fvisibility=hidden, --exclude-libs). libzstd and
# libz are linked in statically too when their archives are installed
# (Debian's are position-independent): a traced process then maps one
# library instead of three, about 0.1 ms less per process start on the
# development VM. Without the archives they are linked dynamically.
# iorec links libiorec-preload-src.a: the source ops, shard merging, and
# the descriptor and AIO tables (for the unit tests).

PRELOAD_SO := $(BUILD)/lib/libiorec-preload.so
PRELOAD_SO_OBJS := $(addprefix $(BUILD)/obj/record/preload/, preload_wrap.o preload_rt.o preload_fd.o preload_spool.o preload_aio.o)
PRELOAD_SRC_LIB := $(BUILD)/libiorec-preload-src.a
PRELOAD_SRC_OBJS := $(addprefix $(BUILD)/obj/record/preload/, preload_source.o preload_spool.o preload_fd.o preload_aio.o)
LIBS_LINK := $(PRELOAD_SRC_LIB) $(LIBS_LINK)
INSTALL_LIBS += $(PRELOAD_SO)
EXTRA_ALL += $(PRELOAD_SRC_LIB)
BENCH_TARGETS += bench-preload
FUZZ_TARGETS += batch

# Helper programs of tests/preload/ (not installed).
PRELOAD_TEST_BINS := $(addprefix $(BUILD)/tests/preload/, iotr_stats mt_io sig_write pread_loop pread_mix spawn_cost thread_mem vfork_dup errno_start errno_keep aio_mt lio sig_jump)

# Applications pass NULL where glibc headers say nonnull (fstatat with
# AT_EMPTY_PATH, ...): keep our NULL checks.
$(BUILD)/obj/record/preload/%.o: CFLAGS_ALL += -fvisibility=hidden -fno-delete-null-pointer-checks

PRELOAD_ZSTD_A := $(wildcard $(shell $(CC) -print-file-name=libzstd.a))
PRELOAD_Z_A := $(wildcard $(shell $(CC) -print-file-name=libz.a))
ifneq ($(and $(PRELOAD_ZSTD_A),$(PRELOAD_Z_A)),)
PRELOAD_COMPRESS_LIBS := $(PRELOAD_ZSTD_A) $(PRELOAD_Z_A)
else
PRELOAD_COMPRESS_LIBS := $(shell pkg-config --libs libzstd zlib 2>/dev/null)
endif

$(PRELOAD_SO): $(PRELOAD_SO_OBJS) $(LIBIOTRACE)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@";) $(CC) -shared $(LDFLAGS_ALL) -Wl,-z,defs \
		-Wl,--exclude-libs,ALL -o $@ $(PRELOAD_SO_OBJS) $(LIBIOTRACE) \
		$(PRELOAD_COMPRESS_LIBS) -ldl -lpthread

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
