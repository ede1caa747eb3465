# analyze/: ioanalyze. TEMPORARY fragment on branch issue-7 so the model,
# classification and export modules build and test before the analyzer
# core (branch issue-6) lands; replaced by issue-6's fragment on merge.
ANALYZE_SRCS := $(filter-out analyze/main.c analyze/classify.c analyze/classify_cmd.c,$(wildcard analyze/*.c))
ANALYZE_OBJS := $(ANALYZE_SRCS:%.c=$(BUILD)/obj/%.o)
LIBANALYZE := $(BUILD)/libanalyze.a
LIBS_LINK := $(LIBANALYZE) $(LIBS_LINK)
EXTRA_ALL += $(LIBANALYZE)
FUZZ_TARGETS += model

$(LIBANALYZE): $(ANALYZE_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(if $(filter 1,$(V)),,@echo "  AR      $@";) ar rcs $@ $^
