# SPDX-License-Identifier: BSD-2-Clause
# libFuzzer targets (fuzz/fuzz_mmukit.c), one per machine: the same source linked with
# that machine's backend and simulator, as the host tests are. Included by the Makefile.
#
#   make fuzz          each target for FUZZ_LONG seconds, growing $(BUILD)/fuzz/corpus-<arch>
#                      from the committed seeds (fuzz/corpus/<arch>/)
#   make fuzz-short    every target at once (fuzz/short.sh): its committed corpus replayed,
#                      then FUZZ_SHORT seconds of fuzzing (part of make test); new inputs
#                      go to a scratch folder, never to fuzz/corpus/
#   make fuzz-cov      the library's line coverage by each target's corpus (llvm-cov)
#
# A crash leaves crash-* in $(BUILD)/fuzz/; replay it with $(BUILD)/fuzz/fuzz_<arch> FILE.

FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SHORT ?= 3
FUZZ_LONG ?= 600
FUZZ_CFLAGS := $(COMMON_CFLAGS) -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_LIB_OBJS := $(HOST_LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZERS :=

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      fuzz $<")
	$(Q)$(CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/libmmukit.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(Q)llvm-ar rcs $@ $^

define FUZZ_ARCH_RULES
FUZZ_$(1)_OBJS := $$(patsubst %.c,$(FUZZ_DIR)/obj-$(1)/%.o,arch/$(1)/mmu.c \
	$$(wildcard hosted/$(1)/*.c) $(VM_LAYER_SRCS) fuzz/fuzz_mmukit.c)
FUZZERS += $(FUZZ_DIR)/fuzz_$(1)

$(FUZZ_DIR)/obj-$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  CC      fuzz-$(1) $$<")
	$$(Q)$$(CC) $$(FUZZ_CFLAGS) -Iarch/$(1) -Ihosted/$(1) -c $$< -o $$@

$(FUZZ_DIR)/fuzz_$(1): $$(FUZZ_$(1)_OBJS) $(FUZZ_DIR)/libmmukit.a
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $(FUZZ_LDFLAGS) $$^ -o $$@
endef
$(foreach a,$(MMU_ARCHES),$(eval $(call FUZZ_ARCH_RULES,$(a))))

# make fuzz-cov: the same targets built with source-based coverage run their corpus once
# (the committed seeds and what make fuzz grew); llvm-cov's line coverage of the library.
.PHONY: fuzz-cov
fuzz-cov: deps
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/cov \
		FUZZ_CFLAGS="$(FUZZ_CFLAGS) -fprofile-instr-generate -fcoverage-mapping" \
		FUZZ_LDFLAGS="$(FUZZ_LDFLAGS) -fprofile-instr-generate" \
		$(foreach a,$(MMU_ARCHES),$(BUILD)/cov/fuzz/fuzz_$(a))
	@tools/fuzz-cov.sh $(abspath $(BUILD)/cov/fuzz) $(abspath $(FUZZ_DIR)) $(MMU_ARCHES)

.PHONY: fuzz fuzz-short
fuzz: deps $(FUZZERS)
	@for a in $(MMU_ARCHES); do \
		mkdir -p $(FUZZ_DIR)/corpus-$$a && \
		(cd $(FUZZ_DIR) && ./fuzz_$$a -max_total_time=$(FUZZ_LONG) -print_final_stats=1 \
			corpus-$$a $(CURDIR)/fuzz/corpus/$$a) || exit 1; \
	done

fuzz-short: $(FUZZERS)
	@fuzz/short.sh $(FUZZ_SHORT) $(CURDIR)/fuzz/corpus $(abspath $(FUZZERS))

# make test runs the short fuzz too.
test: fuzz-short
