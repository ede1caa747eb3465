# tui/: ioview, the ncurses viewer for recorded traces.
TUI_LIB_SRCS := tui/series.c tui/model.c tui/view.c tui/fmt.c tui/drill.c tui/ui.c
TUI_LIB_OBJS := $(TUI_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIBTUI := $(BUILD)/libtui.a
LIBS_LINK := $(LIBTUI) $(LIBS_LINK)
BINS += $(BUILD)/bin/ioview
MAIN_ioview := $(BUILD)/obj/tui/main.o

$(LIBTUI): $(TUI_LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(if $(filter 1,$(V)),,@echo "  AR      $@";) ar rcs $@ $^

# Golden-trace generator used by tests/tui/ and the benchmark.
TUI_GOLDEN := $(BUILD)/tests/ioview-golden
EXTRA_ALL += $(TUI_GOLDEN)
test-bins: $(TUI_GOLDEN)
$(TUI_GOLDEN): $(BUILD)/obj/tests/tui/golden.o $(LIBS_LINK)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@";) $(CC) $(LDFLAGS_ALL) -o $@ $< $(LIBS_LINK) $(LDLIBS_ALL)

FUZZ_TARGETS += ioview
BENCH_TARGETS += bench-ioview
.PHONY: bench-ioview
bench-ioview: $(BUILD)/bin/ioview $(TUI_GOLDEN)
	@BUILD=$(abspath $(BUILD)) scripts/bench/bench_ioview.sh
