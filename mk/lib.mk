# SPDX-License-Identifier: BSD-2-Clause
# mmukit as a library for other kernels (docs/embedding.md), included by the Makefile.
#
#   make lib ARCH=...                     build/<arch>/lib/libmmukit.a and its headers
#   make install PREFIX=... ARCH=...      headers, the archive and mmukit-<arch>.pc
#   make lib-check ARCH=...               install into build/<arch>/prefix, link the whole
#                                         archive against only what a kernel must provide,
#                                         and check every exported function is in
#                                         docs/api.md (every machine, by make test)
#   make example ARCH=i386|armv7          the example kernel (examples/), from that install
#
# The archive holds the portable library (core/ without the test runner) and the
# machine's page-table format (arch/<arch>/mmu.c with the CPU operations it calls in
# arch/<arch>/cpu.c, and on ARMv7 the page zero/copy routines). Nothing from the demo
# kernel, its boot, console, traps or firmware parsers. Its objects are the kernel
# build's own (same flags), so the demo kernel is linked from the same code.

LIB_SRCS := $(filter-out core/ktest.c,$(wildcard core/*.c)) arch/$(ARCH)/mmu.c arch/$(ARCH)/cpu.c
LIB_EXTRA_armv7 := arch/armv7/page.S
LIB_OBJS = $(patsubst %,$(KDIR)/obj/%.o,$(basename $(LIB_SRCS) $(LIB_EXTRA_$(ARCH))))
# Every public header but the test runner's (its runner is not in the archive).
LIB_HEADERS := $(filter-out include/mmukit/ktest.h,$(wildcard include/mmukit/*.h))
LIB_DIR := $(KDIR)/lib
LIB_A := $(LIB_DIR)/libmmukit.a
PREFIX ?= /usr/local

# What the archive leaves undefined, beyond the services (mmk_printf, mmk_vprintf,
# mmk_panic) and memset/memcpy: symbols the embedding kernel's boot or runtime provides.
LIB_BOOT_SYMS_armv7 := _kernel_phys_start __aeabi_memclr __aeabi_memclr4 __aeabi_memclr8 \
	__aeabi_memcpy __aeabi_memcpy4 __aeabi_memcpy8
LIB_BOOT_SYMS_aarch64 := aarch64_ttbr1_switch

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(LIB_DIR)/include/mmukit
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)llvm-ar rcs $@ $^
	$(Q)cp $(LIB_HEADERS) $(LIB_DIR)/include/mmukit/

.PHONY: lib install lib-check lib-checks
lib: $(LIB_A)

# The flags the archive was compiled with that a caller's code must share (target, ABI,
# code model), for the pkg-config file.
LIB_ABI_CFLAGS = $(filter-out -I%,$(ARCH_CFLAGS))

install: lib
	install -d $(PREFIX)/include/mmukit $(PREFIX)/lib/mmukit/$(ARCH) $(PREFIX)/lib/pkgconfig
	install -m 644 $(LIB_HEADERS) $(PREFIX)/include/mmukit/
	install -m 644 $(LIB_A) $(PREFIX)/lib/mmukit/$(ARCH)/libmmukit.a
	printf '%s\n' 'prefix=$(abspath $(PREFIX))' 'includedir=$${prefix}/include' \
		'libdir=$${prefix}/lib/mmukit/$(ARCH)' '' \
		'Name: mmukit-$(ARCH)' \
		'Description: portable virtual memory manager for small kernels ($(ARCH))' \
		'Version: 0.1' \
		'Cflags: -I$${includedir} -ffreestanding $(LIB_ABI_CFLAGS)' \
		'Libs: -L$${libdir} -lmmukit' > $(PREFIX)/lib/pkgconfig/mmukit-$(ARCH).pc

# Installs into a scratch prefix, then links the whole archive with a file defining only
# the services and memset/memcpy (examples/link-check.c) and the boot symbols above: any
# other undefined symbol, or a header that does not compile alone, fails the check.
LIB_CHECK_PREFIX = $(KDIR)/prefix
lib-check: lib
	@rm -rf $(LIB_CHECK_PREFIX)
	$(Q)$(MAKE) --no-print-directory install PREFIX=$(LIB_CHECK_PREFIX) >/dev/null
	$(Q)PKG_CONFIG_PATH=$(LIB_CHECK_PREFIX)/lib/pkgconfig; export PKG_CONFIG_PATH; \
	$(CC) $$(pkg-config --cflags mmukit-$(ARCH)) -std=c11 -O2 $(WARNINGS) -nostdlibinc \
		-fno-builtin -fno-stack-protector -fno-pic -c examples/link-check.c \
		-o $(KDIR)/link-check.o && \
	$(LD) $(ARCH_LDFLAGS) -e 0 -o $(KDIR)/link-check.elf $(KDIR)/link-check.o \
		--whole-archive $$(pkg-config --libs mmukit-$(ARCH)) --no-whole-archive \
		$(foreach s,$(LIB_BOOT_SYMS_$(ARCH)),--defsym=$(s)=0) && \
	echo "  OK      mmukit-$(ARCH): installed, the whole archive links"
	$(Q)tools/api-check.sh $(LIB_A)

lib-checks: kernels
	@for a in $(ARCHES); do \
		case " $(EXAMPLE_ARCHES) " in *" $$a "*) t=example;; *) t=lib-check;; esac; \
		$(MAKE) --no-print-directory ARCH=$$a $$t || exit 1; \
	done

test: lib-checks

# ---------------------------------------------------------------- example kernels
# examples/<arch>/: a minimal kernel of its own (not the demo's) built only from the
# installed headers and archive (the scratch prefix of lib-check) and booted by make test
# (examples/<arch>/boot.t).
EXAMPLE_ARCHES := $(notdir $(patsubst %/,%,$(dir $(wildcard examples/*/linker.ld))))
EXAMPLE_DIR = $(KDIR)/example
EXAMPLE_SRCS = examples/common.c examples/demo.c $(wildcard examples/$(ARCH)/*.c examples/$(ARCH)/*.S)
EXAMPLE_OBJS = $(patsubst %,$(EXAMPLE_DIR)/%.o,$(basename $(notdir $(EXAMPLE_SRCS))))

.PHONY: example
example: lib-check
	@mkdir -p $(EXAMPLE_DIR)
	$(Q)PKG_CONFIG_PATH=$(LIB_CHECK_PREFIX)/lib/pkgconfig; export PKG_CONFIG_PATH; \
	for s in $(EXAMPLE_SRCS); do \
		$(CC) $$(pkg-config --cflags mmukit-$(ARCH)) -std=c11 -O2 -g $(WARNINGS) \
			-nostdlibinc -fno-builtin -fno-stack-protector -fno-pic -fno-common \
			-c $$s -o $(EXAMPLE_DIR)/$$(basename $${s%.*}).o || exit 1; \
	done; \
	$(LD) $(ARCH_LDFLAGS) -T examples/$(ARCH)/linker.ld -o $(EXAMPLE_DIR)/kernel.elf \
		$(EXAMPLE_OBJS) $$(pkg-config --libs mmukit-$(ARCH)) && \
	echo "  OK      $(EXAMPLE_DIR)/kernel.elf"

KERNEL_RUNS += $(foreach a,$(filter $(ARCHES),$(EXAMPLE_ARCHES)),examples/$(a)/boot.t)
