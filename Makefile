# SPDX-License-Identifier: BSD-2-Clause
# mmukit: one build for the host tests and for the demo kernel on three machines.
#
#   make run  [ARCH=i386|x86_64|armv7] [MEM=128M] [QEMU_ARGS=...]  boot the demo kernel
#   make test [MEM=...] [QEMU_ARGS=...]   host tests (ASan+UBSan) and every kernel under QEMU
#   make bench                            host benchmarks, printed as ratios to a peer
#   make kernel [ARCH=...]                just build build/$(ARCH)/kernel.elf
#
# The architecture is chosen here, by folder: arch/$(ARCH)/arch.mk names its sources,
# flags and linker script. Portable code never tests which architecture it is on.

ARCH ?= x86_64
# Machines `make test` and `make bench` cover; a machine joins when its kernel and its
# host suites pass (ARCH=<name> builds any folder under arch/ with an arch.mk).
ARCHES := i386 x86_64 armv7 aarch64 riscv64
BUILD := build

CC := clang
LD := ld.lld

export MEM QEMU_ARGS
PROVE_FLAGS ?= -j2

WARNINGS := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	-Wno-unused-parameter
COMMON_CFLAGS := -std=c11 -g $(WARNINGS) -Iinclude -Ilib -I. -MMD -MP

# Portable code: compiled unchanged for the host and for every kernel. The VM layer
# (above include/mmukit/mmu.h) links only where the machine has an MMU backend
# (arch/<arch>/mmu.c), as do its tests (tests/vm/), which then run on the host over
# that backend's simulator and inside that kernel.
VM_LAYER_SRCS := $(wildcard core/pt*.c core/vm*.c) core/fault.c core/kvm.c core/kheap.c \
	core/uaccess.c
PORTABLE_SRCS := $(filter-out $(VM_LAYER_SRCS),$(wildcard core/*.c firmware/*.c))
TEST_SRCS := $(wildcard tests/test_*.c)
VM_TEST_SRCS := $(wildcard tests/vm/test_*.c)
# The MMU contract suite: host only, over every machine's simulator and reference walk.
MMU_TEST_SRCS := $(wildcard tests/mmu/test_*.c)
MMU_ARCHES := $(ARCHES)

# ---------------------------------------------------------------- host build
HOST_DIR := $(BUILD)/host
HOST_CFLAGS := $(COMMON_CFLAGS) -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE
HOST_LDFLAGS := -fsanitize=address,undefined
HOST_LIB_SRCS := $(PORTABLE_SRCS) lib/printf.c $(filter-out hosted/main.c,$(wildcard hosted/*.c))
HOST_LIB_OBJS := $(HOST_LIB_SRCS:%.c=$(HOST_DIR)/obj/%.o)
HOST_TESTS := $(TEST_SRCS:tests/%.c=$(HOST_DIR)/tests/%)

# V=1 shows every command.
Q := $(if $(V),,@)

$(HOST_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      host $<")
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_DIR)/libmmukit.a: $(HOST_LIB_OBJS)
	@rm -f $@
	$(Q)llvm-ar rcs $@ $^

$(HOST_DIR)/tests/%: $(HOST_DIR)/obj/tests/%.o $(HOST_DIR)/obj/hosted/main.o $(HOST_DIR)/libmmukit.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HOST_LDFLAGS) $^ -o $@

# Per-machine host tests: tests/host-<arch>/test_*.c and tests/vm/test_*.c, linked with
# that machine's MMU backend (arch/<arch>/mmu.c) and the VM layer, built for Linux
# against the machine's simulator (hosted/<arch>/).
define HOST_ARCH_RULES
HOST_$(1)_OBJS := $$(patsubst %.c,$(HOST_DIR)/obj-$(1)/%.o,arch/$(1)/mmu.c $$(wildcard hosted/$(1)/*.c) $(VM_LAYER_SRCS))
HOST_$(1)_TESTS := $$(patsubst tests/host-$(1)/%.c,$(HOST_DIR)/tests/$(1)/%,$$(wildcard tests/host-$(1)/test_*.c)) \
	$$(patsubst tests/vm/%.c,$(HOST_DIR)/tests/$(1)/%,$(VM_TEST_SRCS)) \
	$$(patsubst tests/mmu/%.c,$(HOST_DIR)/tests/$(1)/%,$(MMU_TEST_SRCS))
HOST_TESTS += $$(HOST_$(1)_TESTS)

$(HOST_DIR)/obj-$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  CC      host-$(1) $$<")
	$$(Q)$$(CC) $$(HOST_CFLAGS) -Iarch/$(1) -Ihosted/$(1) -c $$< -o $$@

$(HOST_DIR)/tests/$(1)/%: $(HOST_DIR)/obj-$(1)/tests/host-$(1)/%.o $$(HOST_$(1)_OBJS) $(HOST_DIR)/obj/hosted/main.o $(HOST_DIR)/libmmukit.a
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(HOST_LDFLAGS) $$^ -o $$@

$(HOST_DIR)/tests/$(1)/%: $(HOST_DIR)/obj-$(1)/tests/mmu/%.o $$(HOST_$(1)_OBJS) $(HOST_DIR)/obj/hosted/main.o $(HOST_DIR)/libmmukit.a
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(HOST_LDFLAGS) $$^ -o $$@

$(HOST_DIR)/tests/$(1)/%: $(HOST_DIR)/obj-$(1)/tests/vm/%.o $$(HOST_$(1)_OBJS) $(HOST_DIR)/obj/hosted/main.o $(HOST_DIR)/libmmukit.a
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(HOST_LDFLAGS) $$^ -o $$@
endef
$(foreach a,$(MMU_ARCHES),$(eval $(call HOST_ARCH_RULES,$(a))))

.PHONY: host-tests
host-tests: $(HOST_TESTS)

# ---------------------------------------------------------------- kernel build
KDIR := $(BUILD)/$(ARCH)
-include arch/$(ARCH)/arch.mk

KERNEL_CFLAGS := $(COMMON_CFLAGS) -O2 -ffreestanding -nostdlibinc -fno-builtin \
	-fno-stack-protector -fno-pic -fno-common -Ikernel -Iarch/$(ARCH) -Ibench/$(ARCH) \
	$(ARCH_CFLAGS)
# Every kernel runs on its machine's MMU backend with the VM layer, its suites and the
# in-kernel benchmarks.
KERNEL_SRCS := $(ARCH_SRCS) $(PORTABLE_SRCS) $(wildcard lib/*.c kernel/*.c) \
	$(TEST_SRCS) \
	$(VM_LAYER_SRCS) $(VM_TEST_SRCS) $(wildcard bench/kernel/*.c) \
	$(wildcard tests/kernel-$(ARCH)/test_*.c) $(wildcard bench/kernel-$(ARCH)/*.c) \
	$(filter-out bench/$(ARCH)/bench_%.c,$(wildcard bench/$(ARCH)/*.c))
KERNEL_OBJS := $(patsubst %,$(KDIR)/obj/%.o,$(basename $(KERNEL_SRCS)))

# User programs (user/*.c, one program each, with the library user/lib/), for machines
# with a user/arch/$(ARCH)/user.mk: linked by user/arch/$(ARCH)/user.ld and embedded in
# the kernel as ELF files (.incbin) in the table kernel/proc.h names user_programs.
-include user/arch/$(ARCH)/user.mk
ifneq ($(USER_CFLAGS),)
UDIR := $(KDIR)/user
USER_PROGRAMS := $(basename $(notdir $(wildcard user/*.c)))
USER_LIB_OBJS := $(patsubst %,$(UDIR)/%.o,$(basename $(USER_ARCH_SRCS) $(wildcard user/lib/*.c)))
USER_ELFS := $(USER_PROGRAMS:%=$(UDIR)/%.elf)
KERNEL_OBJS += $(KDIR)/obj/user_programs.o

$(UDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $(ARCH) user $<")
	$(Q)$(CC) $(COMMON_CFLAGS) -Iuser/lib -O2 -ffreestanding -nostdlibinc -fno-builtin \
		-fno-stack-protector $(USER_CFLAGS) -c $< -o $@

$(UDIR)/%.o: %.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(COMMON_CFLAGS) $(USER_CFLAGS) -c $< -o $@

$(UDIR)/%.elf: $(UDIR)/user/%.o $(USER_LIB_OBJS) user/arch/$(ARCH)/user.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(USER_LDFLAGS) -T user/arch/$(ARCH)/user.ld -o $@ $< $(USER_LIB_OBJS)

$(KDIR)/user_programs.S: $(USER_ELFS)
	@{ echo '	.section .rodata'; \
	for p in $(USER_PROGRAMS); do \
		printf '	.balign 16\nprog_%s: .incbin "%s"\nprog_%s_end:\nname_%s: .asciz "%s"\n' \
			$$p $(UDIR)/$$p.elf $$p $$p $$p; done; \
	echo '	.balign 16'; echo '	.globl user_programs'; echo 'user_programs:'; \
	for p in $(USER_PROGRAMS); do \
		echo "	$(USER_PTR) name_$$p, prog_$$p, prog_$${p}_end"; done; \
	echo '	$(USER_PTR) 0, 0, 0'; } > $@

$(KDIR)/obj/user_programs.o: $(KDIR)/user_programs.S $(USER_ELFS)
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@
endif

$(KDIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $(ARCH) $<")
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KDIR)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $(ARCH) $<")
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# The object list as a file that changes only when the list does, so removing a source
# relinks the kernel too.
$(KDIR)/objects.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(KERNEL_OBJS)' | cmp -s - $@ || echo '$(KERNEL_OBJS)' > $@

$(KDIR)/kernel.elf: $(KERNEL_OBJS) $(ARCH_LDSCRIPT) $(KDIR)/objects.list
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(ARCH_LDFLAGS) -T $(ARCH_LDSCRIPT) -o $@ $(KERNEL_OBJS)

# arch.mk may post-process kernel.elf into the image QEMU loads (ARCH_IMAGE).
.PHONY: kernel
kernel: $(ARCH_IMAGE)

# ---------------------------------------------------------------- commands
.PHONY: deps run debug test bench stress clean kernels FORCE
.SECONDARY:
deps:
	@tools/deps.sh

run: deps kernel
	tools/qemu.sh $(ARCH) $(ARCH_IMAGE)

# The kernel under QEMU stopped at its first instruction, and gdb-multiarch (installed
# by `tools/deps.sh debug`) on it with the symbols and mmukit's commands (tools/gdb/).
debug: deps kernel
	@tools/deps.sh debug
	tools/gdb/debug.sh $(ARCH) $(KDIR)

kernels:
	@for a in $(ARCHES); do $(MAKE) --no-print-directory ARCH=$$a kernel || exit 1; done

# The kernel runs of the machines in ARCHES: tests/kernel/<arch>.t and <arch>-*.t.
KERNEL_RUNS := $(foreach a,$(ARCHES),$(wildcard tests/kernel/$(a).t tests/kernel/$(a)-*.t))

test: deps host-tests kernels bench-doc-check
	prove --exec '' $(PROVE_FLAGS) $(HOST_TESTS) $(KERNEL_RUNS)

# Benchmarks: optimised, no sanitizers. Each bench/bench_*.c is one program, linked
# with the portable code and the peers it compares against (bench/peer_*.c).
BENCH_DIR := $(BUILD)/bench
BENCH_CFLAGS := $(COMMON_CFLAGS) -O2 -DNDEBUG -D_GNU_SOURCE -Ibench
BENCH_LIB_SRCS := $(PORTABLE_SRCS) lib/printf.c $(filter-out hosted/main.c,$(wildcard hosted/*.c))
BENCH_LIB_OBJS := $(BENCH_LIB_SRCS:%.c=$(BENCH_DIR)/obj/%.o)
BENCH_HELPER_OBJS := $(patsubst %.c,$(BENCH_DIR)/obj/%.o,$(wildcard bench/peer_*.c bench/util_*.c))
BENCHES := $(patsubst bench/%.c,$(BENCH_DIR)/%,$(wildcard bench/bench_*.c))

$(BENCH_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      bench $<")
	$(Q)$(CC) $(BENCH_CFLAGS) -c $< -o $@

$(BENCH_DIR)/libmmukit.a: $(BENCH_LIB_OBJS)
	@rm -f $@
	$(Q)llvm-ar rcs $@ $^

$(BENCH_DIR)/bench_%: $(BENCH_DIR)/obj/bench/bench_%.o $(BENCH_HELPER_OBJS) $(BENCH_DIR)/libmmukit.a
	$(Q)$(CC) $^ -o $@

# Per-machine host benchmarks: bench/<arch>/bench_*.c with that machine's backend on
# its simulator, plus the helpers beside them (peers, shared workloads).
define BENCH_ARCH_RULES
BENCH_$(1)_OBJS := $$(patsubst %.c,$(BENCH_DIR)/obj-$(1)/%.o,arch/$(1)/mmu.c $(VM_LAYER_SRCS) \
	$$(wildcard hosted/$(1)/*.c) $$(filter-out bench/$(1)/bench_%.c,$$(wildcard bench/$(1)/*.c)))
BENCHES += $$(patsubst bench/$(1)/%.c,$(BENCH_DIR)/$(1)/%,$$(wildcard bench/$(1)/bench_*.c))

$(BENCH_DIR)/obj-$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  CC      bench-$(1) $$<")
	$$(Q)$$(CC) $$(BENCH_CFLAGS) -Iarch/$(1) -Ihosted/$(1) -Ibench/$(1) -c $$< -o $$@

$(BENCH_DIR)/$(1)/bench_%: $(BENCH_DIR)/obj-$(1)/bench/$(1)/bench_%.o $$(BENCH_$(1)_OBJS) $(BENCH_HELPER_OBJS) $(BENCH_DIR)/libmmukit.a
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$^ -o $$@
endef
$(foreach a,$(MMU_ARCHES),$(eval $(call BENCH_ARCH_RULES,$(a))))

# Kernels running the VM layer carry benchmarks (bench/kernel/, bench/kernel-<arch>/) and
# run them when booted with "bench": once under -icount shift=0 (rdtsc counts
# instructions: deterministic), once without (TCG time, for what instructions miss).
bench: deps $(BENCHES) kernels
	@for b in $(BENCHES); do $$b || exit 1; done
	@for a in $(ARCHES); do \
		echo; echo "$$a kernel, QEMU -icount shift=0 (instructions):"; \
		tools/qemu.sh $$a $(BUILD)/$$a/kernel.img -icount shift=0 -append bench | \
			grep '^# bench .*:' | tee $(BUILD)/kbench-$$a.txt; \
		[ -s $(BUILD)/kbench-$$a.txt ] || exit 1; \
		echo; echo "$$a kernel, QEMU TCG without -icount (cycle counter, host-time dependent):"; \
		tools/qemu.sh $$a $(BUILD)/$$a/kernel.img -append bench | grep '^# bench unmap ' || true; \
	done
	@echo; echo "The backends side by side:"
	@tools/kbench-table.sh $(foreach a,$(ARCHES),$(a)=$(BUILD)/kbench-$(a).txt)
	@for a in $(ARCHES); do \
		echo; echo "$$a user programs (user/perf.c), QEMU -icount shift=0 (instructions from user mode):"; \
		printf 'run perf\nhalt\n' | tools/qemu.sh $$a $(BUILD)/$$a/kernel.img -icount shift=0 | \
			grep 'perf: .* [0-9][0-9]*$$' | tee $(BUILD)/uperf-$$a.txt; \
	done
	@echo; echo "User-mode costs side by side:"
	@tools/uperf-table.sh $(foreach a,$(ARCHES),$(a)=$(BUILD)/uperf-$(a).txt)

# docs/performance.md and every <!-- bench:NAME --> figure in docs/ come from one recorded
# make bench run, docs/bench/bench.txt (tools/bench-doc.sh): bench-doc makes a new run and
# records it; make test checks that the docs are still what the recorded run gives.
.PHONY: bench-doc bench-doc-check
bench-doc:
	@mkdir -p $(BUILD)
	@{ $(MAKE) --no-print-directory bench; echo "make bench: status $$?"; } 2>&1 | tee $(BUILD)/bench.txt
	tools/bench-doc.sh record $(BUILD)/bench.txt

bench-doc-check:
	@tools/bench-doc.sh check

# The stress run (kernel/stress.h): each machine's kernel (ARCH=... on the command line:
# that one only) booted with stress=$(STRESS_OPS), one machine after the other; the KTAP
# goes to $(BUILD)/stress-<arch>.log, the time and operations per second to the screen.
# STRESS_ARGS=stress_rng=K replays another random sequence. Not part of make test
# (tests/kernel/<arch>-stress.t run 20,000 operations there).
STRESS_OPS ?= 1000000
STRESS_ARCHES := $(if $(filter command line,$(origin ARCH)),$(ARCH),$(ARCHES))
stress: deps
	@for a in $(STRESS_ARCHES); do $(MAKE) --no-print-directory ARCH=$$a kernel || exit 1; done
	@bad=0; for a in $(STRESS_ARCHES); do \
		start=$$(date +%s); \
		BUILD=$(BUILD) TIMEOUT=$${TIMEOUT:-3600} tools/ktest-qemu.sh $$a \
			-append "stress=$(STRESS_OPS) $(STRESS_ARGS)" > $(BUILD)/stress-$$a.log; \
		rc=$$?; secs=$$(( $$(date +%s) - start )); [ $$secs -gt 0 ] || secs=1; \
		echo "$$a: $(STRESS_OPS) operations in $$secs s ($$(( $(STRESS_OPS) / secs )) per second):" \
			"$$([ $$rc -eq 0 ] && echo pass || echo FAIL, see $(BUILD)/stress-$$a.log)"; \
		[ $$rc -eq 0 ] || bad=1; \
	done; exit $$bad

clean:
	rm -rf $(BUILD)

# The library, its installation and the example kernels (mk/lib.mk).
include mk/lib.mk

# libFuzzer targets: make fuzz, and the short run make test includes (fuzz/fuzz.mk).
include fuzz/fuzz.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
