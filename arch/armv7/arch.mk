# ARMv7-A: qemu-system-arm -M virt -cpu cortex-a15, a bare-metal ELF at 0x40100000.
# -mno-unaligned-access: the MMU is off at boot, so memory is Strongly-ordered and an
# unaligned access would fault (ARM ARM A3.2.1).
ARCH_CFLAGS := --target=armv7a-none-eabi -mcpu=cortex-a15 -marm -mfloat-abi=soft \
	-mno-unaligned-access
ARCH_SRCS := arch/armv7/boot.S arch/armv7/vectors.S arch/armv7/trap.c \
	arch/armv7/console.c arch/armv7/platform.c arch/armv7/aeabi.c \
	arch/armv7/divide.S
ARCH_LDFLAGS := -m armelf --no-pie -z max-page-size=4096
ARCH_LDSCRIPT := arch/armv7/linker.ld
ARCH_IMAGE := $(KDIR)/kernel.img

$(ARCH_IMAGE): $(KDIR)/kernel.elf
	cp $< $@
