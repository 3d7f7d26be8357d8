/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ELF loader exec uses: ELF64 or ELF32 (whichever the machine runs, arch_elf_class),
 * little-endian, ET_EXEC, PT_LOAD segments only (System V gABI, "ELF Header" and
 * "Program Header"). Every header field is checked before anything is mapped; a file
 * that is short, of another machine, with segments overlapping, outside the user half,
 * past the end of the file or with a file size above the memory size is refused with
 * -MMK_EINVAL. Each segment becomes an anonymous region with the segment's protection
 * (write + execute is refused by the VM): mapped writable, its file bytes written
 * through the VM (mmk_copy_to_user: frames of the region's own), then given its
 * protection with mmk_vm_protect; the rest is left to demand-zero.
 */
#include <mmukit/errno.h>
#include <mmukit/services.h>
#include <mmukit/uaccess.h>

#include "proc.h"

#define EI_NIDENT 16
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define MAX_SEGMENTS 8

struct elf_info {
	uint64_t entry, phoff;
	unsigned phentsize, phnum;
};

struct elf_segment {
	uint64_t offset, vaddr, filesz, memsz;
	unsigned flags;
};

static uint64_t get(const unsigned char *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* ELF header: gABI figure "ELF Header", Elf32_Ehdr / Elf64_Ehdr offsets. */
static int read_header(const unsigned char *f, size_t size, struct elf_info *e)
{
	bool is64 = arch_elf_class() == 2;
	if (size < (is64 ? 64u : 52u))
		return -MMK_EINVAL;
	if (f[0] != 0x7F || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
		return -MMK_EINVAL;
	if (f[4] != arch_elf_class() || f[5] != ELFDATA2LSB || f[6] != 1)
		return -MMK_EINVAL;
	if (get(f + 16, 2) != ET_EXEC || get(f + 18, 2) != arch_elf_machine() || get(f + 20, 4) != 1)
		return -MMK_EINVAL;
	e->entry = get(f + 24, is64 ? 8 : 4);
	e->phoff = get(f + (is64 ? 32 : 28), is64 ? 8 : 4);
	e->phentsize = (unsigned)get(f + (is64 ? 54 : 42), 2);
	e->phnum = (unsigned)get(f + (is64 ? 56 : 44), 2);
	if (e->phentsize != (is64 ? 56u : 32u) || e->phnum == 0 || e->phnum > MAX_SEGMENTS)
		return -MMK_EINVAL;
	if (e->phoff > size || (uint64_t)e->phnum * e->phentsize > size - e->phoff)
		return -MMK_EINVAL;
	return 0;
}

/* Program header: gABI "Program Header", Elf32_Phdr / Elf64_Phdr offsets. */
static uint32_t read_segment(const unsigned char *ph, struct elf_segment *s)
{
	if (arch_elf_class() == 2) {
		s->flags = (unsigned)get(ph + 4, 4);
		s->offset = get(ph + 8, 8);
		s->vaddr = get(ph + 16, 8);
		s->filesz = get(ph + 32, 8);
		s->memsz = get(ph + 40, 8);
	} else {
		s->offset = get(ph + 4, 4);
		s->vaddr = get(ph + 8, 4);
		s->filesz = get(ph + 16, 4);
		s->memsz = get(ph + 20, 4);
		s->flags = (unsigned)get(ph + 24, 4);
	}
	return (uint32_t)get(ph, 4);
}

static int check_segment(const struct elf_segment *s, size_t size, mmk_vaddr_t user_end)
{
	if (s->filesz > s->memsz || s->memsz == 0 || s->offset > size || s->filesz > size - s->offset)
		return -MMK_EINVAL;
	if (s->vaddr % MMK_PAGE_SIZE != s->offset % MMK_PAGE_SIZE)
		return -MMK_EINVAL;
	if (s->vaddr >= user_end || s->memsz > user_end - s->vaddr)
		return -MMK_EINVAL;
	return 0;
}

static unsigned segment_prot(const struct elf_segment *s)
{
	return MMK_PROT_USER | (s->flags & PF_R ? MMK_PROT_READ : 0) |
	       (s->flags & PF_W ? MMK_PROT_WRITE : 0) | (s->flags & PF_X ? MMK_PROT_EXEC : 0);
}

/* A segment: anonymous memory, written with its file bytes through the VM (its frames
 * are the region's own, as any written page), then given its protection. */
static int load_segment(struct mmk_vm_space *space, const unsigned char *image,
			const struct elf_segment *s)
{
	mmk_vaddr_t start = mmk_align_down(s->vaddr, MMK_PAGE_SIZE);
	mmk_vaddr_t end = mmk_align_up(s->vaddr + s->memsz, MMK_PAGE_SIZE);
	mmk_vaddr_t va = start;
	unsigned rw = MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER, prot = segment_prot(s);
	int err = mmk_vm_map_anon(space, &va, end - start, rw);
	if (!err && s->filesz)
		err = mmk_copy_to_user(space, s->vaddr, image + s->offset, s->filesz);
	if (!err && prot != rw)
		err = mmk_vm_protect(space, start, end - start, prot);
	return err == -MMK_EFAULT ? -MMK_ENOMEM : err; /* a fault in the copy: out of memory */
}

int elf_load(struct mmk_vm_space *space, const unsigned char *image, size_t size,
	     mmk_vaddr_t *entry, mmk_vaddr_t *image_end)
{
	struct elf_info e;
	int err = read_header(image, size, &e);
	if (err)
		return err;
	mmk_vaddr_t user_end = mmk_mmu_user_end(space->vm->mmu);
	struct elf_segment seg[MAX_SEGMENTS];
	unsigned n = 0;
	bool entry_ok = false;
	for (unsigned i = 0; i < e.phnum; i++) {
		if (read_segment(image + e.phoff + (uint64_t)i * e.phentsize, &seg[n]) != PT_LOAD)
			continue;
		err = check_segment(&seg[n], size, user_end);
		if (err)
			return err;
		if (e.entry >= seg[n].vaddr && e.entry < seg[n].vaddr + seg[n].memsz &&
		    (seg[n].flags & PF_X))
			entry_ok = true;
		n++;
	}
	if (!entry_ok)
		return -MMK_EINVAL;
	mmk_vaddr_t end = 0;
	for (unsigned i = 0; i < n && !err; i++) {
		err = load_segment(space, image, &seg[i]);
		if (seg[i].vaddr + seg[i].memsz > end)
			end = seg[i].vaddr + seg[i].memsz;
	}
	if (err)
		return err;
	*entry = e.entry;
	*image_end = end;
	return 0;
}
