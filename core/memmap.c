/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The portable physical memory map: sorted, disjoint, merged ranges.
 *
 * Every change is computed into a scratch copy and committed only if it fits, so a
 * failed call leaves the map unchanged.
 */
#include <mmukit/errno.h>
#include <mmukit/memmap.h>
#include <mmukit/services.h>

enum paint_mode { PAINT_MAX, PAINT_FORCE, PAINT_RETYPE };

void mmk_memmap_init(struct mmk_memmap *map)
{
	map->count = 0;
}

static bool type_valid(unsigned type)
{
	return type >= MMK_MEM_USABLE && type <= MMK_MEM_TYPE_MAX;
}

/* Inclusive end, so a range may reach the very top of the 64-bit space. */
static mmk_paddr_t range_last(const struct mmk_memrange *r)
{
	return r->base + (r->size - 1);
}

static unsigned painted_type(unsigned old, unsigned new, unsigned from,
			     enum paint_mode mode)
{
	switch (mode) {
	case PAINT_MAX:
		return old > new ? old : new;
	case PAINT_FORCE:
		return new;
	case PAINT_RETYPE:
		return old == from ? new : old;
	}
	return old;
}

/* Appends to out, merging with the previous range when adjacent and of the same type. */
static bool emit(struct mmk_memrange *out, unsigned *n, mmk_paddr_t base, mmk_paddr_t last,
		 unsigned type)
{
	if (*n > 0) {
		struct mmk_memrange *prev = &out[*n - 1];
		if (prev->type == type && range_last(prev) + 1 == base) {
			prev->size = last - prev->base + 1;
			return true;
		}
	}
	if (*n == MMK_MEMMAP_MAX)
		return false;
	out[*n].base = base;
	out[*n].size = last - base + 1;
	out[*n].type = type;
	(*n)++;
	return true;
}

/*
 * Paints [base, last] over the map. Walks the existing ranges in order, cutting each at
 * the painted interval's edges; the gaps inside the interval take the new type (except
 * for retype, which only changes existing ranges).
 */
static int paint(struct mmk_memmap *map, mmk_paddr_t base, mmk_paddr_t last, unsigned type,
		 unsigned from, enum paint_mode mode)
{
	static struct mmk_memrange scratch[MMK_MEMMAP_MAX];
	unsigned n = 0;
	mmk_paddr_t cursor = base; /* next address of the interval not yet emitted */
	bool done = false;     /* the whole interval has been emitted */
	bool fill_gaps = mode != PAINT_RETYPE;

	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		mmk_paddr_t rb = r->base, rl = range_last(r);

		if (rl < base || rb > last || done) {
			/* Entirely outside the interval. Fill the gap before it first. */
			if (!done && rb > last) {
				if (fill_gaps && !emit(scratch, &n, cursor, last, type))
					return -MMK_ENOSPC;
				done = true;
			}
			if (!emit(scratch, &n, rb, rl, r->type))
				return -MMK_ENOSPC;
			continue;
		}
		if (rb < base && !emit(scratch, &n, rb, base - 1, r->type))
			return -MMK_ENOSPC;
		mmk_paddr_t ob = rb > base ? rb : base;
		mmk_paddr_t ol = rl < last ? rl : last;
		if (ob > cursor && fill_gaps && !emit(scratch, &n, cursor, ob - 1, type))
			return -MMK_ENOSPC;
		if (!emit(scratch, &n, ob, ol, painted_type(r->type, type, from, mode)))
			return -MMK_ENOSPC;
		if (ol == last)
			done = true;
		else
			cursor = ol + 1;
		if (rl > last && !emit(scratch, &n, last + 1, rl, r->type))
			return -MMK_ENOSPC;
	}
	if (!done && fill_gaps && !emit(scratch, &n, cursor, last, type))
		return -MMK_ENOSPC;

	for (unsigned i = 0; i < n; i++)
		map->range[i] = scratch[i];
	map->count = n;
	return 0;
}

static int paint_checked(struct mmk_memmap *map, mmk_paddr_t base, mmk_psize_t size,
			 unsigned type, unsigned from, enum paint_mode mode)
{
	if (!type_valid(type))
		return -MMK_EINVAL;
	if (size == 0)
		return 0;
	mmk_paddr_t last = base + (size - 1);
	if (last < base)
		last = UINT64_MAX;
	return paint(map, base, last, type, from, mode);
}

int mmk_memmap_add(struct mmk_memmap *map, mmk_paddr_t base, mmk_psize_t size, unsigned type)
{
	return paint_checked(map, base, size, type, 0, PAINT_MAX);
}

int mmk_memmap_set(struct mmk_memmap *map, mmk_paddr_t base, mmk_psize_t size, unsigned type)
{
	return paint_checked(map, base, size, type, 0, PAINT_FORCE);
}

int mmk_memmap_retype(struct mmk_memmap *map, mmk_paddr_t base, mmk_psize_t size, unsigned from,
		  unsigned to)
{
	if (!type_valid(from))
		return -MMK_EINVAL;
	return paint_checked(map, base, size, to, from, PAINT_RETYPE);
}

mmk_psize_t mmk_memmap_total(const struct mmk_memmap *map, unsigned type)
{
	mmk_psize_t total = 0;
	for (unsigned i = 0; i < map->count; i++)
		if (map->range[i].type == type)
			total += map->range[i].size;
	return total;
}

unsigned mmk_memmap_type_at(const struct mmk_memmap *map, mmk_paddr_t pa)
{
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (pa >= r->base && pa <= range_last(r))
			return r->type;
	}
	return 0;
}

int mmk_memmap_find_usable(const struct mmk_memmap *map, mmk_psize_t size, mmk_paddr_t limit,
		       mmk_paddr_t *pa)
{
	if (size == 0)
		return -MMK_EINVAL;
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (r->type != MMK_MEM_USABLE)
			continue;
		mmk_paddr_t start = mmk_align_up(r->base, MMK_PAGE_SIZE);
		if (start == 0 && r->base != 0)
			continue;
		mmk_paddr_t end = r->base + r->size; /* exclusive; 0 means 2^64 */
		if (end == 0 || end > limit)
			end = limit;
		if (start < end && end - start >= size) {
			*pa = start;
			return 0;
		}
	}
	return -MMK_ENOMEM;
}

const char *mmk_memmap_type_name(unsigned type)
{
	static const char *const names[] = {
		[MMK_MEM_USABLE] = "usable",
		[MMK_MEM_ACPI_RECLAIM] = "acpi-reclaim",
		[MMK_MEM_ACPI_NVS] = "acpi-nvs",
		[MMK_MEM_RESERVED] = "reserved",
		[MMK_MEM_BAD] = "bad",
		[MMK_MEM_UNREACHABLE] = "unreachable",
		[MMK_MEM_FIRMWARE] = "firmware",
		[MMK_MEM_BOOT] = "boot",
		[MMK_MEM_KERNEL] = "kernel",
		[MMK_MEM_PMM] = "pmm-metadata",
	};
	if (!type_valid(type))
		return "?";
	return names[type];
}

void mmk_memmap_print(const struct mmk_memmap *map)
{
	mmk_printf("  %-18s %-18s %10s  %s\n", "start", "end", "size KiB", "type");
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		mmk_printf("  0x%016llx 0x%016llx %10llu  %s\n",
			   (unsigned long long)r->base,
			   (unsigned long long)range_last(r),
			   (unsigned long long)(r->size / 1024),
			   mmk_memmap_type_name(r->type));
	}
	mmk_printf("  %u ranges; %llu KiB usable\n", map->count,
		   (unsigned long long)(mmk_memmap_total(map, MMK_MEM_USABLE) / 1024));
}
