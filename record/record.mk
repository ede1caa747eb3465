# record/: iorec, the recorder core and the polling sources.
# Sources of other folders (record/ebpf, record/preload) come in through
# their own fragments; this one builds the core and record/poll/.
# main.c and sources.c are linked as objects (not from the archive): the
# source table names sources whose archives come before libiorec.a in
# LIBS_LINK, and objects are resolved against every archive.
RECORD_SRCS := $(filter-out record/main.c record/sources.c,$(wildcard record/*.c)) \
	$(wildcard record/poll/*.c)
RECORD_OBJS := $(RECORD_SRCS:%.c=$(BUILD)/obj/%.o)
LIBIOREC := $(BUILD)/libiorec.a
LIBS_LINK := $(LIBIOREC) $(LIBS_LINK)
BINS += $(BUILD)/bin/iorec
MAIN_iorec := $(BUILD)/obj/record/main.o $(BUILD)/obj/record/sources.o
FUZZ_TARGETS += jobstats diskstats
BENCH_TARGETS += bench-record

$(LIBIOREC): $(RECORD_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(if $(filter 1,$(V)),,@echo "  AR      $@";) ar rcs $@ $^

# Tools for the tests and the benchmark (built, not installed):
# iorec-bench-poll times the jobstats parser and writes job_stats files;
# iorec-test-dump prints a trace one record a line for the test scripts.
TOOL_BINS += $(BUILD)/bin/iorec-bench-poll $(BUILD)/bin/iorec-test-dump
MAIN_iorec-bench-poll := $(BUILD)/obj/scripts/bench/bench_record.o
MAIN_iorec-test-dump := $(BUILD)/obj/tests/record/iotr_dump.o

.PHONY: bench-record
bench-record: $(BUILD)/bin/iorec $(BUILD)/bin/iorec-bench-poll $(BUILD)/bin/iorec-test-dump
	@BUILD=$(abspath $(BUILD)) scripts/bench/bench-record.sh

