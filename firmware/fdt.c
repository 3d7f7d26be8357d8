/* Flattened device tree memory parsing (Devicetree Specification v0.4, chapter 5). */
#include <mmukit/errno.h>

#include "firmware/bytes.h"
#include "firmware/fdt.h"

/* Structure block tokens (spec 5.4.1). */
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

/* Header field offsets (spec 5.2). */
#define HDR_MAGIC 0
#define HDR_TOTALSIZE 4
#define HDR_OFF_STRUCT 8
#define HDR_OFF_STRINGS 12
#define HDR_OFF_RSVMAP 16
#define HDR_VERSION 20
#define HDR_LAST_COMP_VERSION 24
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT 36   /* only from version 17 on */
#define HDR_LENGTH_V16 36
#define HDR_LENGTH_V17 40

/* The format this reader knows: version 17, readable by version 16 readers (spec 5.2). */
#define FDT_READ_VERSION 17
#define FDT_OLDEST_VERSION 16

#define MAX_DEPTH 16

struct fdt_blob {
	const uint8_t *base;
	uint32_t size;                    /* totalsize */
	uint32_t struct_off, struct_end;  /* structure block [off, end) */
	uint32_t strings_off, strings_end;
	uint32_t rsvmap_off;
};

static bool block_inside(uint32_t off, uint32_t len, uint32_t total)
{
	return off <= total && len <= total - off;
}

/*
 * Reads and checks the header (spec 5.2): every block inside totalsize, totalsize inside
 * the size bytes we may read. A version 16 header has no size_dt_struct: its structure
 * block may run to the end of the blob (the END token bounds it).
 */
static int open_blob(struct fdt_blob *f, const void *fdt, size_t size)
{
	const uint8_t *b = fdt;
	if (size < HDR_LENGTH_V16 || read_be32(b + HDR_MAGIC) != FDT_MAGIC)
		return -MMK_EINVAL;
	uint32_t total = read_be32(b + HDR_TOTALSIZE);
	uint32_t version = read_be32(b + HDR_VERSION);
	uint32_t header = version >= FDT_READ_VERSION ? HDR_LENGTH_V17 : HDR_LENGTH_V16;
	if (version < FDT_OLDEST_VERSION ||
	    read_be32(b + HDR_LAST_COMP_VERSION) > FDT_READ_VERSION ||
	    total < header || total > size)
		return -MMK_EINVAL;
	uint32_t st = read_be32(b + HDR_OFF_STRUCT);
	uint32_t st_len = version >= FDT_READ_VERSION ? read_be32(b + HDR_SIZE_STRUCT)
						      : (st <= total ? total - st : 0);
	uint32_t sr = read_be32(b + HDR_OFF_STRINGS), sr_len = read_be32(b + HDR_SIZE_STRINGS);
	uint32_t rsv = read_be32(b + HDR_OFF_RSVMAP);
	/* Alignment: structure block 4 bytes, reservation block 8 bytes (spec 5.3, 5.4). */
	if (st < header || !block_inside(st, st_len, total) || sr < header ||
	    !block_inside(sr, sr_len, total) || rsv < header || rsv > total || (st & 3) ||
	    (rsv & 7))
		return -MMK_EINVAL;
	f->base = b;
	f->size = total;
	f->struct_off = st;
	f->struct_end = st + st_len;
	f->strings_off = sr;
	f->strings_end = sr + sr_len;
	f->rsvmap_off = rsv;
	return 0;
}

int fdt_check(const void *fdt, size_t size)
{
	struct fdt_blob f;
	return open_blob(&f, fdt, size);
}

uint32_t fdt_total_size(const void *fdt)
{
	return read_be32((const uint8_t *)fdt + HDR_TOTALSIZE);
}

/* Compares the NUL-terminated string at [off, end) of the blob with s; false if unterminated. */
static bool blob_string_is(const struct fdt_blob *f, uint32_t off, uint32_t end,
			   const char *s, bool prefix_only)
{
	for (uint32_t i = off;; i++, s++) {
		if (i >= end)
			return false;
		uint8_t c = f->base[i];
		if (*s == '\0')
			return prefix_only || c == '\0';
		if (c != (uint8_t)*s)
			return false;
	}
}

/* Length of the NUL-terminated string at off (without the NUL), or -1 if it runs past end. */
static int64_t blob_strlen(const struct fdt_blob *f, uint32_t off, uint32_t end)
{
	for (uint32_t i = off; i < end; i++)
		if (f->base[i] == '\0')
			return i - off;
	return -1;
}

/* Adds the memory reservation block's entries as reserved (spec 5.3). */
static int add_reservations(const struct fdt_blob *f, struct mmk_memmap *map)
{
	for (uint32_t off = f->rsvmap_off;; off += 16) {
		if (!block_inside(off, 16, f->size))
			return -MMK_EINVAL;
		uint64_t addr = read_be64(f->base + off), size = read_be64(f->base + off + 8);
		if (addr == 0 && size == 0)
			return 0;
		int err = memmap_add(map, addr, size, MMK_MEM_RESERVED);
		if (err)
			return err;
	}
}

/* Decodes a reg property of (address, size) pairs with the given cell counts. */
static int add_reg(const uint8_t *reg, uint32_t len, uint32_t addr_cells,
		   uint32_t size_cells, unsigned type, struct mmk_memmap *map)
{
	if (addr_cells < 1 || addr_cells > 2 || size_cells < 1 || size_cells > 2)
		return -MMK_EINVAL;
	uint32_t entry = (addr_cells + size_cells) * 4;
	if (len % entry)
		return -MMK_EINVAL;
	for (uint32_t off = 0; off < len; off += entry) {
		const uint8_t *e = reg + off;
		uint64_t addr = addr_cells == 2 ? read_be64(e) : read_be32(e);
		e += addr_cells * 4;
		uint64_t size = size_cells == 2 ? read_be64(e) : read_be32(e);
		int err = memmap_add(map, addr, size, type);
		if (err)
			return err;
	}
	return 0;
}

/* What we remember about each open node while walking the structure block. */
struct node_state {
	uint32_t addr_cells, size_cells; /* for its children: defaults 2 and 1 (spec 2.3.5) */
	bool is_memory;                  /* a memory node (by name or device_type) */
	bool is_reserved_memory;         /* /reserved-memory */
	const uint8_t *reg;
	uint32_t reg_len;
};

static int close_node(const struct node_state *stack, unsigned depth, struct mmk_memmap *map)
{
	const struct node_state *n = &stack[depth];
	if (n->reg == NULL || depth < 2)
		return 0;
	const struct node_state *parent = &stack[depth - 1];
	if (depth == 2 && n->is_memory)
		return add_reg(n->reg, n->reg_len, parent->addr_cells, parent->size_cells,
			       MMK_MEM_USABLE, map);
	if (depth == 3 && parent->is_reserved_memory)
		return add_reg(n->reg, n->reg_len, parent->addr_cells, parent->size_cells,
			       MMK_MEM_RESERVED, map);
	return 0;
}

static int take_prop(const struct fdt_blob *f, struct node_state *n, unsigned depth,
		     uint32_t nameoff, const uint8_t *value, uint32_t len)
{
	uint32_t name = f->strings_off + nameoff;
	if (nameoff >= f->strings_end - f->strings_off || blob_strlen(f, name, f->strings_end) < 0)
		return -MMK_EINVAL;
	if (blob_string_is(f, name, f->strings_end, "#address-cells", false)) {
		if (len != 4)
			return -MMK_EINVAL;
		n->addr_cells = read_be32(value);
	} else if (blob_string_is(f, name, f->strings_end, "#size-cells", false)) {
		if (len != 4)
			return -MMK_EINVAL;
		n->size_cells = read_be32(value);
	} else if (blob_string_is(f, name, f->strings_end, "reg", false)) {
		n->reg = value;
		n->reg_len = len;
	} else if (depth == 2 &&
		   blob_string_is(f, name, f->strings_end, "device_type", false) &&
		   len == 7 && value[6] == '\0' && value[0] == 'm' && value[1] == 'e' &&
		   value[2] == 'm' && value[3] == 'o' && value[4] == 'r' && value[5] == 'y') {
		n->is_memory = true;
	}
	return 0;
}

static bool node_name_is(const struct fdt_blob *f, uint32_t off, const char *base_name)
{
	/* "memory" or "memory@unit-address" */
	if (!blob_string_is(f, off, f->struct_end, base_name, true))
		return false;
	uint32_t after = off;
	while (*base_name++)
		after++;
	return f->base[after] == '\0' || f->base[after] == '@';
}

static uint32_t align4(uint32_t v)
{
	return (v + 3) & ~3u;
}

static int walk_structure(const struct fdt_blob *f, struct mmk_memmap *map)
{
	static struct node_state stack[MAX_DEPTH + 1];
	unsigned depth = 0;
	uint32_t off = f->struct_off;

	for (;;) {
		if (!block_inside(off, 4, f->struct_end))
			return -MMK_EINVAL;
		uint32_t token = read_be32(f->base + off);
		off += 4;
		switch (token) {
		case FDT_BEGIN_NODE: {
			int64_t len = blob_strlen(f, off, f->struct_end);
			if (len < 0 || depth == MAX_DEPTH)
				return -MMK_EINVAL;
			depth++;
			stack[depth] = (struct node_state){.addr_cells = 2, .size_cells = 1};
			if (depth == 2) {
				stack[depth].is_memory = node_name_is(f, off, "memory");
				stack[depth].is_reserved_memory =
					blob_string_is(f, off, f->struct_end, "reserved-memory", false);
			}
			off = align4(off + (uint32_t)len + 1);
			break;
		}
		case FDT_END_NODE: {
			if (depth == 0)
				return -MMK_EINVAL;
			int err = close_node(stack, depth, map);
			if (err)
				return err;
			depth--;
			break;
		}
		case FDT_PROP: {
			if (!block_inside(off, 8, f->struct_end) || depth == 0)
				return -MMK_EINVAL;
			uint32_t len = read_be32(f->base + off);
			uint32_t nameoff = read_be32(f->base + off + 4);
			off += 8;
			if (!block_inside(off, len, f->struct_end))
				return -MMK_EINVAL;
			int err = take_prop(f, &stack[depth], depth, nameoff, f->base + off, len);
			if (err)
				return err;
			off = align4(off + len);
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return depth == 0 ? 0 : -MMK_EINVAL;
		default:
			return -MMK_EINVAL;
		}
	}
}

int fdt_memmap(const void *fdt, size_t size, struct mmk_memmap *out)
{
	static struct mmk_memmap scratch;
	struct fdt_blob f;
	int err = open_blob(&f, fdt, size);
	if (err)
		return err;
	scratch = *out;
	err = add_reservations(&f, &scratch);
	if (!err)
		err = walk_structure(&f, &scratch);
	if (err)
		return err;
	*out = scratch;
	return 0;
}
