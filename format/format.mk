# format/: libiotrace, the trace format library.
FORMAT_SRCS := $(wildcard format/*.c)
FORMAT_OBJS := $(FORMAT_SRCS:%.c=$(BUILD)/obj/%.o)
LIBIOTRACE := $(BUILD)/libiotrace.a
LIBS_LINK := $(LIBIOTRACE) $(LIBS_LINK)
EXTRA_ALL += $(LIBIOTRACE)
TOOL_BINS += $(BUILD)/bin/iotr-bench
FUZZ_TARGETS += reader codec merge
BENCH_TARGETS += bench-format

$(LIBIOTRACE): $(FORMAT_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(if $(filter 1,$(V)),,@echo "  AR      $@";) ar rcs $@ $^

MAIN_iotr-bench := $(BUILD)/obj/tests/bench/bench_format.o

.PHONY: bench-format
bench-format: $(BUILD)/bin/iotr-bench
	@$(BUILD)/bin/iotr-bench

# Regenerate the committed golden traces (tests/data/format/*.iotr).
.PHONY: golden
golden: $(BUILD)/tests/mkgolden
	$(BUILD)/tests/mkgolden tests/data/format
$(BUILD)/tests/mkgolden: $(BUILD)/obj/tests/data/format/mkgolden.o $(LIBIOTRACE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# The codec's loops are the hot path of every tool: let the compiler vectorize.
$(FORMAT_OBJS): CFLAGS_ALL += -O3
