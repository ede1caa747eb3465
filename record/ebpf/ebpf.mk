# record/ebpf/: iorec's eBPF source (libiorec-ebpf.a).
#
# iorec.bpf.c is compiled with clang for the BPF target into
# $(BUILD)/ebpf/iorec.bpf.o, and bpftool turns that into a skeleton header
# (iorec.skel.h, the object embedded) that ebpf_source.c includes.
# vmlinux.h (CO-RE type definitions) comes from the copy kept for this
# architecture in record/ebpf/vmlinux/ARCH/ (reproducible builds; any
# recent kernel's types work thanks to CO-RE relocations) or, where none
# is kept, from the running kernel's /sys/kernel/btf/vmlinux.
#   make VMLINUX_BTF=/sys/kernel/btf/vmlinux   regenerate from a BTF file

BPF_CLANG ?= clang
BPFTOOL ?= bpftool
EBPF_ARCH := $(shell uname -m)
BPF_TARGET_ARCH := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(EBPF_ARCH)))
EBPF_KEPT_VMLINUX := $(wildcard record/ebpf/vmlinux/$(EBPF_ARCH)/vmlinux.h.zst)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
EBPF_GEN := $(BUILD)/ebpf

EBPF_SRCS := record/ebpf/ebpf_source.c record/ebpf/ebpf_event.c record/ebpf/ebpf_syscalls.c record/ebpf/fdtable.c
EBPF_OBJS := $(EBPF_SRCS:%.c=$(BUILD)/obj/%.o)
LIBIOREC_EBPF := $(BUILD)/libiorec-ebpf.a
LIBS_LINK := $(LIBIOREC_EBPF) $(LIBS_LINK)
EXTRA_ALL += $(LIBIOREC_EBPF)

ifneq ($(EBPF_KEPT_VMLINUX),)
ifeq ($(origin VMLINUX_BTF),file)
$(EBPF_GEN)/vmlinux.h: $(EBPF_KEPT_VMLINUX)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  GEN     $@";) zstd -q -d -f -o $@ $<
else
$(EBPF_GEN)/vmlinux.h:
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  GEN     $@";) $(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@
endif
else
$(EBPF_GEN)/vmlinux.h:
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  GEN     $@";) $(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@
endif

# Pattern rules: any record/ebpf/NAME.bpf.c gives NAME.bpf.o and NAME.skel.h.
$(EBPF_GEN)/%.bpf.o: record/ebpf/%.bpf.c record/ebpf/iorec.h $(EBPF_GEN)/vmlinux.h
	$(if $(filter 1,$(V)),,@echo "  BPF     $@";) $(BPF_CLANG) -g -O2 -Wall -Werror -target bpf \
		-D__TARGET_ARCH_$(BPF_TARGET_ARCH) -I$(EBPF_GEN) -Irecord/ebpf -c $< -o $@

$(EBPF_GEN)/%.skel.h: $(EBPF_GEN)/%.bpf.o
	$(if $(filter 1,$(V)),,@echo "  SKEL    $@";) $(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/record/ebpf/ebpf_source.o: $(EBPF_GEN)/iorec.skel.h
$(BUILD)/obj/record/ebpf/ebpf_source.o: CFLAGS_ALL += -I$(EBPF_GEN)

$(LIBIOREC_EBPF): $(EBPF_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(if $(filter 1,$(V)),,@echo "  AR      $@";) ar rcs $@ $^

# Test helpers (built by make test-bins, used by tests/ebpf/test_*.sh):
#   ebpf_drive    records COMMAND with the eBPF source alone (a minimal core)
#   iotr_events   prints a trace's I/O events as tab-separated lines
#   known_io, threads_fork, pread_loop, compat_call   workloads with known I/O
EBPF_TEST_NAMES := ebpf_drive iotr_events known_io threads_fork pread_loop compat_call
EBPF_TEST_BINS := $(EBPF_TEST_NAMES:%=$(BUILD)/tests/%)
test-bins: $(EBPF_TEST_BINS)

$(EBPF_TEST_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/ebpf/%.o $(LIBS_LINK)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(V)),,@echo "  LD      $@";) $(CC) $(LDFLAGS_ALL) -o $@ $< $(LIBS_LINK) $(LDLIBS_ALL)

.PHONY: bench-ebpf
BENCH_TARGETS += bench-ebpf
bench-ebpf: all $(EBPF_TEST_BINS)
	@BUILD=$(abspath $(BUILD)) SRC=$(CURDIR) scripts/bench/bench-ebpf.sh
FUZZ_TARGETS += ebpf_event
