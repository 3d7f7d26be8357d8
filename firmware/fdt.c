/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Flattened device tree parsing (Devicetree Specification v0.4, chapter 5): the memory
 * layout and the command line, both read by the same structure-block walker.
 */
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
	if (size < HDR_LENGTH_V16 || read_be32(b + HDR_MAGIC) != MMK_FDT_MAGIC)
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

int mmk_fdt_check(const void *fdt, size_t size)
{
	struct fdt_blob f;
	return open_blob(&f, fdt, size);
}

uint32_t mmk_fdt_total_size(const void *fdt)
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
		int err = mmk_memmap_add(map, addr, size, MMK_MEM_RESERVED);
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
		int err = mmk_memmap_add(map, addr, size, type);
		if (err)
			return err;
	}
	return 0;
}

static uint32_t align4(uint32_t v)
{
	return (v + 3) & ~3u;
}

/*
 * One property as the walker hands it on: its name (NUL-terminated inside the strings
 * block) and its value (inside the structure block), both already checked.
 */
struct fdt_prop {
	uint32_t name;  /* blob offset of the name */
	uint32_t value; /* blob offset of the value */
	uint32_t len;
};

/*
 * What a walk of the structure block does at each node and property; depth 1 is the
 * root. A non-zero return ends the walk with that error; end_node may be NULL.
 */
struct fdt_visitor {
	int (*begin_node)(void *ctx, const struct fdt_blob *f, unsigned depth, uint32_t name);
	int (*prop)(void *ctx, const struct fdt_blob *f, unsigned depth,
		    const struct fdt_prop *p);
	int (*end_node)(void *ctx, const struct fdt_blob *f, unsigned depth);
};

static bool prop_is(const struct fdt_blob *f, const struct fdt_prop *p, const char *name)
{
	return blob_string_is(f, p->name, f->strings_end, name, false);
}

/* Reads a property's len and nameoff (spec 5.4.1 FDT_PROP) and checks both. */
static int read_prop(const struct fdt_blob *f, uint32_t off, struct fdt_prop *p)
{
	if (!block_inside(off, 8, f->struct_end))
		return -MMK_EINVAL;
	uint32_t len = read_be32(f->base + off);
	uint32_t nameoff = read_be32(f->base + off + 4);
	if (!block_inside(off + 8, len, f->struct_end))
		return -MMK_EINVAL;
	/* The name is a NUL-terminated string inside the strings block (spec 5.5). */
	uint32_t name = f->strings_off + nameoff;
	if (nameoff >= f->strings_end - f->strings_off || blob_strlen(f, name, f->strings_end) < 0)
		return -MMK_EINVAL;
	*p = (struct fdt_prop){.name = name, .value = off + 8, .len = len};
	return 0;
}

/*
 * Walks the structure block (spec 5.4): checks every token, node name and property,
 * that nodes nest at most MAX_DEPTH deep and balance, and that the tree has a single
 * root (spec 5.4.2: nothing but NOPs between the root's END_NODE and FDT_END).
 */
static int walk_structure(const struct fdt_blob *f, const struct fdt_visitor *v, void *ctx)
{
	unsigned depth = 0;
	bool root_done = false;
	uint32_t off = f->struct_off;

	for (;;) {
		if (!block_inside(off, 4, f->struct_end))
			return -MMK_EINVAL;
		uint32_t token = read_be32(f->base + off);
		off += 4;
		int err = 0;
		switch (token) {
		case FDT_BEGIN_NODE: {
			int64_t len = blob_strlen(f, off, f->struct_end);
			if (len < 0 || depth == MAX_DEPTH || (depth == 0 && root_done))
				return -MMK_EINVAL;
			depth++;
			err = v->begin_node(ctx, f, depth, off);
			off = align4(off + (uint32_t)len + 1);
			break;
		}
		case FDT_END_NODE:
			if (depth == 0)
				return -MMK_EINVAL;
			if (v->end_node != NULL)
				err = v->end_node(ctx, f, depth);
			depth--;
			root_done = depth == 0;
			break;
		case FDT_PROP: {
			struct fdt_prop p;
			if (depth == 0)
				return -MMK_EINVAL;
			err = read_prop(f, off, &p);
			if (err)
				return err;
			err = v->prop(ctx, f, depth, &p);
			off = align4(p.value + p.len);
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return depth == 0 && root_done ? 0 : -MMK_EINVAL;
		default:
			return -MMK_EINVAL;
		}
		if (err)
			return err;
	}
}

/* Memory: what we remember about each open node (spec 3.4 /memory, 3.5 /reserved-memory). */
struct node_state {
	uint32_t addr_cells, size_cells; /* for its children: defaults 2 and 1 (spec 2.3.5) */
	bool is_memory;                  /* a memory node (by name or device_type) */
	bool is_reserved_memory;         /* /reserved-memory */
	const uint8_t *reg;
	uint32_t reg_len;
};

struct memmap_walk {
	struct node_state stack[MAX_DEPTH + 1];
	struct mmk_memmap *map;
};

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

static int memmap_begin_node(void *ctx, const struct fdt_blob *f, unsigned depth, uint32_t name)
{
	struct node_state *n = &((struct memmap_walk *)ctx)->stack[depth];
	*n = (struct node_state){.addr_cells = 2, .size_cells = 1};
	if (depth == 2) {
		n->is_memory = node_name_is(f, name, "memory");
		n->is_reserved_memory =
			blob_string_is(f, name, f->struct_end, "reserved-memory", false);
	}
	return 0;
}

static int memmap_end_node(void *ctx, const struct fdt_blob *f, unsigned depth)
{
	struct memmap_walk *w = ctx;
	const struct node_state *n = &w->stack[depth];
	(void)f;
	if (n->reg == NULL || depth < 2)
		return 0;
	const struct node_state *parent = &w->stack[depth - 1];
	if (depth == 2 && n->is_memory)
		return add_reg(n->reg, n->reg_len, parent->addr_cells, parent->size_cells,
			       MMK_MEM_USABLE, w->map);
	if (depth == 3 && parent->is_reserved_memory)
		return add_reg(n->reg, n->reg_len, parent->addr_cells, parent->size_cells,
			       MMK_MEM_RESERVED, w->map);
	return 0;
}

static int memmap_prop(void *ctx, const struct fdt_blob *f, unsigned depth,
		       const struct fdt_prop *p)
{
	struct node_state *n = &((struct memmap_walk *)ctx)->stack[depth];
	const uint8_t *value = f->base + p->value;
	if (prop_is(f, p, "#address-cells")) {
		if (p->len != 4)
			return -MMK_EINVAL;
		n->addr_cells = read_be32(value);
	} else if (prop_is(f, p, "#size-cells")) {
		if (p->len != 4)
			return -MMK_EINVAL;
		n->size_cells = read_be32(value);
	} else if (prop_is(f, p, "reg")) {
		n->reg = value;
		n->reg_len = p->len;
	} else if (depth == 2 && prop_is(f, p, "device_type") && p->len == 7 &&
		   blob_string_is(f, p->value, p->value + p->len, "memory", false)) {
		n->is_memory = true;
	}
	return 0;
}

static const struct fdt_visitor memmap_visitor = {
	.begin_node = memmap_begin_node,
	.prop = memmap_prop,
	.end_node = memmap_end_node,
};

int mmk_fdt_memmap(const void *fdt, size_t size, struct mmk_memmap *out)
{
	static struct mmk_memmap scratch;
	static struct memmap_walk walk;
	struct fdt_blob f;
	int err = open_blob(&f, fdt, size);
	if (err)
		return err;
	scratch = *out;
	walk.map = &scratch;
	err = add_reservations(&f, &scratch);
	if (!err)
		err = walk_structure(&f, &memmap_visitor, &walk);
	if (err)
		return err;
	*out = scratch;
	return 0;
}

/*
 * The command line: /chosen's bootargs (spec 3.6), a <string> (spec 2.2.4.2). Only the
 * root's child named "chosen" counts (it has no unit address), not a deeper namesake.
 */
struct bootargs_walk {
	bool in_chosen;    /* the latest child of the root is "chosen" */
	const char *found; /* the first /chosen/bootargs, or NULL */
};

/* Notes whether this child of the root is "chosen": a depth-2 property belongs to it. */
static int bootargs_begin_node(void *ctx, const struct fdt_blob *f, unsigned depth,
			       uint32_t name)
{
	struct bootargs_walk *w = ctx;
	if (depth == 2)
		w->in_chosen = blob_string_is(f, name, f->struct_end, "chosen", false);
	return 0;
}

static int bootargs_prop(void *ctx, const struct fdt_blob *f, unsigned depth,
			 const struct fdt_prop *p)
{
	struct bootargs_walk *w = ctx;
	if (depth != 2 || !w->in_chosen || w->found != NULL || !prop_is(f, p, "bootargs"))
		return 0;
	/* The string must end inside the value: a NUL within its len bytes. */
	if (blob_strlen(f, p->value, p->value + p->len) < 0)
		return -MMK_EINVAL;
	w->found = (const char *)(f->base + p->value);
	return 0;
}

static const struct fdt_visitor bootargs_visitor = {
	.begin_node = bootargs_begin_node,
	.prop = bootargs_prop,
	.end_node = NULL,
};

int mmk_fdt_bootargs(const void *fdt, size_t size, const char **out)
{
	struct fdt_blob f;
	struct bootargs_walk walk = {.in_chosen = false, .found = NULL};
	int err = open_blob(&f, fdt, size);
	if (err)
		return err;
	err = walk_structure(&f, &bootargs_visitor, &walk);
	if (err)
		return err;
	if (walk.found == NULL)
		return -MMK_ENOENT;
	*out = walk.found;
	return 0;
}
