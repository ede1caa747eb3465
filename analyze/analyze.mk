# analyze/: ioanalyze and libanalyze (aggregation, jobstats deltas, iostat
# metrics, inputs, replay, reports). The viewer links libanalyze too.
ANALYZE_MAIN := analyze/main.c
ANALYZE_SRCS := $(filter-out $(ANALYZE_MAIN),$(wildcard analyze/*.c))
ANALYZE_OBJS := $(ANALYZE_SRCS:%.c=$(BUILD)/obj/%.o)
LIBANALYZE := $(BUILD)/libanalyze.a
LIBS_LINK := $(LIBANALYZE) $(LIBS_LINK)
BINS += $(BUILD)/bin/ioanalyze
MAIN_ioanalyze := $(BUILD)/obj/analyze/main.o
BENCH_TARGETS += bench-analyze

$(LIBANALYZE): $(ANALYZE_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(if $(filter 1,$(V)),,@echo "  AR      $@";) ar rcs $@ $^

# Test helpers: the golden-trace generator (written with libiotrace).
TOOL_BINS += $(BUILD)/bin/iotr-gen
MAIN_iotr-gen := $(BUILD)/obj/tests/analyze/gen_traces.o

# bench-analyze runs every script in scripts/bench/analyze-*.sh in order;
# each prints BENCH lines. Add a benchmark by adding a script.
.PHONY: bench-analyze
bench-analyze: $(BUILD)/bin/ioanalyze $(BUILD)/bin/iotr-gen
	@set -e; for s in scripts/bench/analyze-*.sh; do BUILD=$(abspath $(BUILD)) bash $$s; done
FUZZ_TARGETS += analyze_jobs

# Classification models (issue 7): fuzz target of the model CSV parser.
FUZZ_TARGETS += model

# Test helper of the classification/iofs/influx/HDF5 tests.
TOOL_BINS += $(BUILD)/bin/iotr-gen-classify
MAIN_iotr-gen-classify := $(BUILD)/obj/tests/classify/gen_classify.o

# The HDF5 export's compressor (shuffle, Huffman coding) is the export's
# hot loop: fully unrolled transposes keep their 16 rows in registers.
$(BUILD)/obj/analyze/h5pipe.o: CFLAGS_ALL += -O3
