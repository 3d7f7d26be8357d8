/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The peer for the VAS benchmark: a sorted doubly linked list of ranges with first-fit
 * allocation (walk from the start to the first gap that fits) - the usual simple
 * design. Written by us for the comparison; nodes are the caller's, like the VAS.
 */
#ifndef MMUKIT_BENCH_PEER_LIST_VAS_H
#define MMUKIT_BENCH_PEER_LIST_VAS_H

#include <mmukit/types.h>

struct list_range {
	mmk_vaddr_t start, end;
	struct list_range *prev, *next;
};

struct list_vas {
	mmk_vaddr_t base, end;
	struct list_range *head;
};

void list_vas_init(struct list_vas *l, mmk_vaddr_t base, mmk_vaddr_t end);
int list_vas_alloc(struct list_vas *l, struct list_range *node, mmk_vsize_t size, mmk_vsize_t align,
		   mmk_vaddr_t *start);
void list_vas_free(struct list_vas *l, struct list_range *node);

#endif
