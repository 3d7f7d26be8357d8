/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests for the device tree parser (firmware/fdt.c): memory layout and /chosen/bootargs,
 * on blobs built here by a tiny writer: header, reservation block, structure block,
 * strings block.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>

#include "firmware/fdt.h"

static uint8_t blob[1024];
static uint8_t strings[256];
static uint32_t struct_len, strings_len, rsv_count;
static uint32_t last_prop; /* blob offset of the last property's FDT_PROP token */
static struct mmk_memmap map;

#define HDR 40
#define RSV_OFF HDR
#define RSV_MAX 4
#define STRUCT_OFF (RSV_OFF + 16 * (RSV_MAX + 1))

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static void begin_blob(void)
{
	for (unsigned i = 0; i < sizeof(blob); i++)
		blob[i] = 0;
	struct_len = strings_len = rsv_count = 0;
}

static void reservation(uint64_t addr, uint64_t size)
{
	put_be64(blob + RSV_OFF + 16 * rsv_count, addr);
	put_be64(blob + RSV_OFF + 16 * rsv_count + 8, size);
	rsv_count++;
}

static void token(uint32_t t)
{
	put_be32(blob + STRUCT_OFF + struct_len, t);
	struct_len += 4;
}

static void bytes(const void *data, uint32_t n)
{
	const uint8_t *d = data;
	for (uint32_t i = 0; i < n; i++)
		blob[STRUCT_OFF + struct_len + i] = d[i];
	struct_len = (struct_len + n + 3) & ~3u;
}

static void begin_node(const char *name)
{
	uint32_t n = 0;
	while (name[n])
		n++;
	token(1);
	bytes(name, n + 1);
}

static void end_node(void)
{
	token(2);
}

static uint32_t string_offset(const char *name)
{
	uint32_t off = strings_len;
	do
		strings[strings_len++] = (uint8_t)*name;
	while (*name++);
	return off;
}

static void prop(const char *name, const void *value, uint32_t len)
{
	last_prop = STRUCT_OFF + struct_len;
	token(3);
	token(len);
	token(string_offset(name));
	bytes(value, len);
}

static void prop_u32(const char *name, uint32_t v)
{
	uint8_t b[4];
	put_be32(b, v);
	prop(name, b, 4);
}

/* A reg value of (addr, size) with 2+2 cells. */
static void prop_reg64(uint64_t addr, uint64_t size)
{
	uint8_t b[16];
	put_be64(b, addr);
	put_be64(b + 8, size);
	prop("reg", b, 16);
}

/* Ends the structure block, appends the strings and writes the header. */
static uint32_t finish_blob(void)
{
	token(9);
	uint32_t strings_off = STRUCT_OFF + struct_len;
	for (uint32_t i = 0; i < strings_len; i++)
		blob[strings_off + i] = strings[i];
	uint32_t total = strings_off + strings_len;
	put_be32(blob + 0, MMK_FDT_MAGIC);
	put_be32(blob + 4, total);
	put_be32(blob + 8, STRUCT_OFF);
	put_be32(blob + 12, strings_off);
	put_be32(blob + 16, RSV_OFF);
	put_be32(blob + 20, 17);
	put_be32(blob + 24, 16);
	put_be32(blob + 32, strings_len);
	put_be32(blob + 36, struct_len);
	return total;
}

/* Like QEMU virt: 2 address cells, 2 size cells, memory@40000000, reserved-memory. */
static uint32_t qemu_virt_blob(void)
{
	begin_blob();
	reservation(0x47FFF000, 0x1000);
	begin_node("");
	prop_u32("#address-cells", 2);
	prop_u32("#size-cells", 2);
	begin_node("pl011@9000000");
	prop_reg64(0x09000000, 0x1000); /* not memory */
	end_node();
	begin_node("memory@40000000");
	prop("device_type", "memory", 7);
	prop_reg64(0x40000000, 0x08000000);
	end_node();
	begin_node("reserved-memory");
	prop_u32("#address-cells", 2);
	prop_u32("#size-cells", 2);
	begin_node("secmon@40001000");
	prop_reg64(0x40001000, 0x2000);
	end_node();
	end_node();
	end_node();
	return finish_blob();
}

KTEST(fdt, qemu_virt_like_tree)
{
	uint32_t size = qemu_virt_blob();
	KASSERT_EQ(mmk_fdt_check(blob, size), 0);
	KEXPECT_EQ(mmk_fdt_total_size(blob), size);
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_fdt_memmap(blob, size, &map), 0);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 0x08000000 - 0x2000 - 0x1000);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x40001000), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x47FFF000), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x40000000), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x09000000), 0);
}

KTEST(fdt, one_cell_addresses_and_two_memory_nodes)
{
	uint8_t reg[16];
	begin_blob();
	begin_node("");
	prop_u32("#address-cells", 1);
	prop_u32("#size-cells", 1);
	begin_node("memory@0");
	put_be32(reg, 0x0);
	put_be32(reg + 4, 0x100000);
	put_be32(reg + 8, 0x200000); /* a second range in the same reg */
	put_be32(reg + 12, 0x100000);
	prop("reg", reg, 16);
	end_node();
	begin_node("ram"); /* no memory name: found by device_type */
	put_be32(reg, 0x80000000);
	put_be32(reg + 4, 0x10000000);
	prop("reg", reg, 8);
	prop("device_type", "memory", 7);
	end_node();
	begin_node("memoryless"); /* a name that only starts like "memory" */
	put_be32(reg, 0x90000000);
	prop("reg", reg, 8);
	end_node();
	end_node();
	uint32_t size = finish_blob();
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_fdt_memmap(blob, size, &map), 0);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 0x200000 + 0x10000000);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x200000), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x100000), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x90000000), 0);
}

KTEST(fdt, malformed_blobs_are_refused_and_change_nothing)
{
	uint32_t size = qemu_virt_blob();
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0x1000, 0x1000, MMK_MEM_KERNEL);

	KEXPECT_EQ(mmk_fdt_check(blob, size - 1), -MMK_EINVAL);    /* truncated */
	KEXPECT_EQ(mmk_fdt_memmap(blob, 39, &map), -MMK_EINVAL);   /* not even a header */
	blob[0] ^= 0xFF;
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL); /* bad magic */
	blob[0] ^= 0xFF;
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), 0);

	/* A property name offset past the strings block. */
	size = qemu_virt_blob();
	put_be32(blob + STRUCT_OFF + 8 + 8, 0x7FFF);
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0x1000, 0x1000, MMK_MEM_KERNEL);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);

	/* A property length running past the structure block. */
	size = qemu_virt_blob();
	put_be32(blob + STRUCT_OFF + 8 + 4, 0x10000);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);

	/* Unbalanced nodes: END before the root closes. */
	begin_blob();
	begin_node("");
	uint32_t size2 = finish_blob();
	KEXPECT_EQ(mmk_fdt_memmap(blob, size2, &map), -MMK_EINVAL);

	/* Three address cells are not supported. */
	begin_blob();
	begin_node("");
	prop_u32("#address-cells", 3);
	begin_node("memory@0");
	prop_reg64(0, 0x1000);
	end_node();
	end_node();
	size2 = finish_blob();
	KEXPECT_EQ(mmk_fdt_memmap(blob, size2, &map), -MMK_EINVAL);

	KEXPECT_EQ(map.count, 1);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x1000), MMK_MEM_KERNEL);
}

/* Header fields the tests below change after finish_blob (spec 5.2). */
#define HDR_OFF_RSVMAP 16
#define HDR_VERSION 20
#define HDR_LAST_COMP 24
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT 36

static uint32_t header_field(unsigned off)
{
	return (uint32_t)blob[off] << 24 | (uint32_t)blob[off + 1] << 16 |
	       (uint32_t)blob[off + 2] << 8 | blob[off + 3];
}

KTEST(fdt, version_16_header_has_no_structure_size)
{
	uint32_t size = qemu_virt_blob();
	put_be32(blob + HDR_VERSION, 16);
	put_be32(blob + HDR_SIZE_STRUCT, 0xFFFFFFF0); /* not a field in version 16 */
	KEXPECT_EQ(mmk_fdt_check(blob, size), 0);
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_fdt_memmap(blob, size, &map), 0);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 0x08000000 - 0x2000 - 0x1000);

	put_be32(blob + HDR_VERSION, 17); /* the same value read as a version 17 size */
	KEXPECT_EQ(mmk_fdt_check(blob, size), -MMK_EINVAL);
}

KTEST(fdt, unknown_header_versions_are_refused)
{
	uint32_t size = qemu_virt_blob();
	put_be32(blob + HDR_LAST_COMP, 18); /* only readable by version 18 readers */
	KEXPECT_EQ(mmk_fdt_check(blob, size), -MMK_EINVAL);
	put_be32(blob + HDR_LAST_COMP, 16);
	put_be32(blob + HDR_VERSION, 15);
	KEXPECT_EQ(mmk_fdt_check(blob, size), -MMK_EINVAL);
	put_be32(blob + HDR_VERSION, 18); /* newer, but readable as 17 */
	KEXPECT_EQ(mmk_fdt_check(blob, size), 0);
}

KTEST(fdt, header_blocks_must_fit_and_be_aligned)
{
	uint32_t size = qemu_virt_blob();
	uint32_t struct_size = header_field(HDR_SIZE_STRUCT);
	put_be32(blob + HDR_SIZE_STRUCT, size); /* structure block past totalsize */
	KEXPECT_EQ(mmk_fdt_check(blob, size), -MMK_EINVAL);
	put_be32(blob + HDR_SIZE_STRUCT, struct_size);
	put_be32(blob + HDR_OFF_RSVMAP, RSV_OFF + 4); /* reservation block not 8-aligned */
	KEXPECT_EQ(mmk_fdt_check(blob, size), -MMK_EINVAL);
	put_be32(blob + HDR_OFF_RSVMAP, 8); /* inside the header */
	KEXPECT_EQ(mmk_fdt_check(blob, size), -MMK_EINVAL);
	put_be32(blob + HDR_OFF_RSVMAP, RSV_OFF);
	put_be32(blob + 4, 0xFFFFFFFF); /* totalsize beyond the buffer */
	KEXPECT_EQ(mmk_fdt_check(blob, sizeof(blob)), -MMK_EINVAL);
}

KTEST(fdt, nops_zero_sizes_and_memory_below_the_root)
{
	uint8_t reg[16];
	begin_blob();
	begin_node("");
	token(4); /* FDT_NOP */
	prop_u32("#address-cells", 1);
	prop_u32("#size-cells", 1);
	begin_node("memory@10000000");
	put_be32(reg, 0x10000000);
	put_be32(reg + 4, 0x1000000);
	put_be32(reg + 8, 0x30000000); /* zero size: nothing */
	put_be32(reg + 12, 0);
	token(4);
	prop("reg", reg, 16);
	end_node();
	begin_node("soc");
	begin_node("memory@20000000"); /* memory nodes are children of the root only */
	put_be32(reg, 0x20000000);
	put_be32(reg + 4, 0x1000);
	prop("reg", reg, 8);
	end_node();
	end_node();
	begin_node("reserved-memory");
	prop_u32("#address-cells", 1);
	prop_u32("#size-cells", 1);
	begin_node("dynamic"); /* a size but no reg: allocated by the OS, nothing to add */
	prop_u32("size", 0x1000);
	end_node();
	begin_node("fw@10001000");
	put_be32(reg, 0x10001000);
	put_be32(reg + 4, 0x1000);
	prop("reg", reg, 8);
	end_node();
	end_node();
	end_node();
	uint32_t size = finish_blob();
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_fdt_memmap(blob, size, &map), 0);
	KEXPECT_EQ(map.count, 3);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 0x1000000 - 0x1000);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x10001000), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x20000000), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x30000000), 0);
}

/* Root plus levels-1 nested nodes, each closed again. */
static uint32_t nested_blob(unsigned levels)
{
	begin_blob();
	for (unsigned i = 0; i < levels; i++)
		begin_node(i == 0 ? "" : "n");
	for (unsigned i = 0; i < levels; i++)
		end_node();
	return finish_blob();
}

KTEST(fdt, structure_block_errors_are_refused)
{
	mmk_memmap_init(&map);
	uint32_t size = nested_blob(16);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), 0);
	size = nested_blob(17); /* deeper than the reader follows */
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);

	/* A node name running to the end of the structure block. */
	begin_blob();
	token(1);
	bytes("abcd", 4);
	size = finish_blob();
	put_be32(blob + HDR_SIZE_STRUCT, 8);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);

	/* An unknown token; END_NODE with no node open; a property outside any node. */
	begin_blob();
	token(5);
	size = finish_blob();
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);
	begin_blob();
	end_node();
	size = finish_blob();
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);
	begin_blob();
	prop_u32("#size-cells", 1);
	size = finish_blob();
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);

	/* The last property name loses its NUL: it runs past the strings block. */
	size = qemu_virt_blob();
	put_be32(blob + HDR_SIZE_STRINGS, header_field(HDR_SIZE_STRINGS) - 1);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);

	/* A reservation block with no (0, 0) entry before the end of the blob. */
	size = qemu_virt_blob();
	put_be32(blob + HDR_OFF_RSVMAP, (size - 8) & ~7u);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);

	/* A reg that is not whole (address, size) pairs; a #size-cells of 8 bytes. */
	begin_blob();
	begin_node("");
	prop_u32("#size-cells", 2);
	begin_node("memory@0");
	prop("reg", "\0\0\0\0\0\0\0\0\0\0\0\1", 12);
	end_node();
	end_node();
	size = finish_blob();
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);
	begin_blob();
	begin_node("");
	prop("#size-cells", "\0\0\0\0\0\0\0\1", 8);
	end_node();
	size = finish_blob();
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);

	KEXPECT_EQ(map.count, 0);
}

KTEST(fdt, a_full_map_fails_with_enospc_and_is_unchanged)
{
	uint32_t size = qemu_virt_blob();
	mmk_memmap_init(&map);
	for (unsigned i = 0; i < MMK_MEMMAP_MAX - 1; i++)
		KASSERT_EQ(mmk_memmap_add(&map, (mmk_paddr_t)i * 0x10000, 0x1000, MMK_MEM_KERNEL), 0);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_ENOSPC);
	KEXPECT_EQ(map.count, MMK_MEMMAP_MAX - 1);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x40000000), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x47FFF000), 0);
}

/* The command line: /chosen/bootargs (spec 3.6). */

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static const char sentinel[] = "unchanged";
static uint32_t bootargs_prop; /* blob offset of chosen_blob's bootargs FDT_PROP token */

/* The QEMU virt-like tree with a /chosen node holding bootargs of len bytes. */
static uint32_t chosen_blob(const char *bootargs, uint32_t len)
{
	begin_blob();
	reservation(0x47FFF000, 0x1000);
	begin_node("");
	prop_u32("#address-cells", 2);
	prop_u32("#size-cells", 2);
	begin_node("memory@40000000");
	prop("device_type", "memory", 7);
	prop_reg64(0x40000000, 0x08000000);
	end_node();
	begin_node("chosen");
	prop("stdout-path", "/pl011@9000000", 15);
	prop("bootargs", bootargs, len);
	bootargs_prop = last_prop;
	prop("rng-seed", "\1\2\3\4", 4);
	end_node();
	end_node();
	return finish_blob();
}

KTEST(fdt, bootargs_found_in_chosen)
{
	static const char args[] = "console=ttyAMA0 bench";
	uint32_t size = chosen_blob(args, sizeof(args));
	const char *out = sentinel;
	KASSERT_EQ(mmk_fdt_bootargs(blob, size, &out), 0);
	KEXPECT_TRUE(str_eq(out, args));
	KEXPECT_TRUE(out > (const char *)blob && out < (const char *)blob + size); /* in the blob */

	/* The memory walk still reads the same tree. */
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_fdt_memmap(blob, size, &map), 0);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 0x08000000 - 0x1000);

	/* An empty string is a valid command line. */
	size = chosen_blob("", 1);
	out = sentinel;
	KASSERT_EQ(mmk_fdt_bootargs(blob, size, &out), 0);
	KEXPECT_TRUE(out != sentinel);
	KEXPECT_EQ(out[0], '\0');
}

KTEST(fdt, bootargs_absent_chosen_is_enoent)
{
	uint32_t size = qemu_virt_blob(); /* no /chosen at all */
	const char *out = sentinel;
	KEXPECT_EQ(mmk_fdt_check(blob, size), 0);
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_ENOENT);
	KEXPECT_TRUE(out == sentinel);

	/* bootargs in root children that are not "chosen" do not count. */
	static const char *const names[] = {"chosen@0", "chosenx", "chose", "aliases"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		begin_blob();
		begin_node("");
		begin_node(names[i]);
		prop("bootargs", "x", 2);
		end_node();
		end_node();
		size = finish_blob();
		KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_ENOENT);
	}
	/* Nor does a bootargs on the root itself. */
	begin_blob();
	begin_node("");
	prop("bootargs", "x", 2);
	end_node();
	size = finish_blob();
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_ENOENT);
	KEXPECT_TRUE(out == sentinel);
}

KTEST(fdt, bootargs_chosen_without_bootargs_is_enoent)
{
	begin_blob();
	begin_node("");
	begin_node("chosen");
	prop("stdout-path", "serial0", 8);
	prop("bootargsx", "x", 2); /* a name that only starts like bootargs */
	begin_node("child");
	prop("bootargs", "deeper", 7); /* a child's bootargs is not /chosen's */
	end_node();
	end_node();
	begin_node("memory@0");
	prop("bootargs", "elsewhere", 10); /* after /chosen closed */
	end_node();
	end_node();
	uint32_t size = finish_blob();
	const char *out = sentinel;
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_ENOENT);
	KEXPECT_TRUE(out == sentinel);

	/* An empty /chosen followed by a sibling with bootargs. */
	begin_blob();
	begin_node("");
	begin_node("chosen");
	end_node();
	begin_node("aliases");
	prop("bootargs", "elsewhere", 10);
	end_node();
	end_node();
	size = finish_blob();
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_ENOENT);
	KEXPECT_TRUE(out == sentinel);
}

KTEST(fdt, bootargs_not_terminated_is_einval)
{
	const char *out = sentinel;
	uint32_t size = chosen_blob("console=ttyAMA0", 15); /* no NUL in its length */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_EINVAL);
	size = chosen_blob("", 0); /* an empty value is not even "" */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_EINVAL);
	KEXPECT_TRUE(out == sentinel);
	/* The next byte in the structure block is a NUL, but outside the value. */
	size = chosen_blob("abc", 3);
	KEXPECT_EQ(blob[bootargs_prop + 12 + 3], 0); /* padding after "abc" */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_EINVAL);
	KEXPECT_TRUE(out == sentinel);
}

KTEST(fdt, bootargs_length_past_the_block_is_einval)
{
	static const char args[] = "root=/dev/vda";
	const char *out = sentinel;
	uint32_t size = chosen_blob(args, sizeof(args));
	uint32_t len_field = bootargs_prop + 4;
	KASSERT_EQ(header_field(len_field), sizeof(args));
	uint32_t struct_end = STRUCT_OFF + header_field(HDR_SIZE_STRUCT);
	uint32_t value = len_field + 8;

	put_be32(blob + len_field, struct_end - value + 1); /* one byte past the block */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_EINVAL);
	put_be32(blob + len_field, 0xFFFFFFF8); /* value + len wraps 32 bits */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_EINVAL);
	put_be32(blob + len_field, 0x7FFFFFFF);
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_EINVAL);
	KEXPECT_TRUE(out == sentinel);
	put_be32(blob + len_field, sizeof(args)); /* restored: found again */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), 0);
	KEXPECT_TRUE(str_eq(out, args));
}

KTEST(fdt, bootargs_only_in_the_roots_chosen)
{
	/* A chosen below another node is not /chosen. */
	begin_blob();
	begin_node("");
	begin_node("soc");
	begin_node("chosen");
	prop("bootargs", "nested", 7);
	end_node();
	end_node();
	end_node();
	uint32_t size = finish_blob();
	const char *out = sentinel;
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_ENOENT);
	KEXPECT_TRUE(out == sentinel);

	/* With both, the root's child wins wherever the nested one comes. */
	begin_blob();
	begin_node("");
	begin_node("soc");
	begin_node("chosen");
	prop("bootargs", "nested", 7);
	end_node();
	end_node();
	begin_node("chosen");
	prop("bootargs", "root", 5);
	begin_node("chosen");
	prop("bootargs", "grandchild", 11);
	end_node();
	end_node();
	end_node();
	size = finish_blob();
	KASSERT_EQ(mmk_fdt_bootargs(blob, size, &out), 0);
	KEXPECT_TRUE(str_eq(out, "root"));

	/* Two bootargs in /chosen (an ambiguous tree): the first is taken, as libfdt does. */
	begin_blob();
	begin_node("");
	begin_node("chosen");
	prop("bootargs", "first", 6);
	prop("bootargs", "second", 7);
	end_node();
	end_node();
	size = finish_blob();
	KASSERT_EQ(mmk_fdt_bootargs(blob, size, &out), 0);
	KEXPECT_TRUE(str_eq(out, "first"));

	/* A second top-level node is not a tree (spec 5.4.2): its chosen counts for nothing. */
	begin_blob();
	begin_node("");
	end_node();
	begin_node("");
	begin_node("chosen");
	prop("bootargs", "second root", 12);
	end_node();
	end_node();
	size = finish_blob();
	out = sentinel;
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_EINVAL);
	mmk_memmap_init(&map);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);
	/* Nor is a structure block with no node at all. */
	begin_blob();
	size = finish_blob();
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), -MMK_EINVAL);
	KEXPECT_EQ(mmk_fdt_memmap(blob, size, &map), -MMK_EINVAL);
	KEXPECT_TRUE(out == sentinel);
}

KTEST(fdt, bootargs_malformed_header_gives_the_fdt_check_error)
{
	static const char args[] = "quiet";
	const char *out = sentinel;
	uint32_t size = chosen_blob(args, sizeof(args));

	KEXPECT_EQ(mmk_fdt_check(blob, size - 1), -MMK_EINVAL); /* truncated */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size - 1, &out), mmk_fdt_check(blob, size - 1));
	KEXPECT_EQ(mmk_fdt_bootargs(blob, 20, &out), -MMK_EINVAL); /* not even a header */
	blob[0] ^= 0xFF;
	KEXPECT_EQ(mmk_fdt_check(blob, size), -MMK_EINVAL); /* bad magic */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), mmk_fdt_check(blob, size));
	blob[0] ^= 0xFF;
	put_be32(blob + HDR_VERSION, 15);
	KEXPECT_EQ(mmk_fdt_check(blob, size), -MMK_EINVAL); /* too old */
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), mmk_fdt_check(blob, size));
	KEXPECT_TRUE(out == sentinel);

	put_be32(blob + HDR_VERSION, 17); /* the same blob, whole again */
	KEXPECT_EQ(mmk_fdt_check(blob, size), 0);
	KEXPECT_EQ(mmk_fdt_bootargs(blob, size, &out), 0);
	KEXPECT_TRUE(str_eq(out, args));
}
