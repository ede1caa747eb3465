# tests/: Check suites (tests/check_*.c), fuzz replay drivers, scripts.
# Every Check suite links every project library; tests/run-tests.sh runs
# them, the fuzz corpus replays and every tests/**/test_*.sh script.
CHECK_SRCS := $(wildcard tests/check_*.c)
CHECK_PROGS += $(CHECK_SRCS:tests/%.c=$(BUILD)/tests/%)
REPLAY_PROGS := $(FUZZ_TARGETS:%=$(BUILD)/tests/replay_%)

test-bins: $(CHECK_PROGS)

# The MPI-IO helper of tests/record/test_mpi.sh, built with Open MPI's
# compiler wrapper when it is installed (scripts/install-deps.sh does).
MPICC ?= $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
test-bins: $(BUILD)/tests/record/mpi_io
$(BUILD)/tests/record/mpi_io: tests/record/mpi_io.c
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  MPICC   $@";) $(MPICC) -O2 -Wall -Wextra -o $@ $<
endif
fuzz-replays: $(REPLAY_PROGS)

$(BUILD)/tests/check_%: $(BUILD)/obj/tests/check_%.o $(LIBS_LINK)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@";) $(CC) $(LDFLAGS_ALL) -o $@ $< $(LIBS_LINK) $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/replay_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(LIBS_LINK)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@";) $(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# libFuzzer builds (clang): make fuzz; then e.g.
#   build/fuzz/fuzz_reader tests/fuzz/corpus/reader -max_total_time=60
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -I. -Iformat $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
fuzz:
	@mkdir -p $(BUILD)/fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
	  srcs=$$(sed -n 's|^// FUZZ-SOURCES: *||p' tests/fuzz/fuzz_$$t.c); \
	  echo "  FUZZ    $(BUILD)/fuzz/fuzz_$$t"; \
	  clang $(FUZZ_CFLAGS) -o $(BUILD)/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c $$srcs $(LDLIBS_ALL); \
	done
