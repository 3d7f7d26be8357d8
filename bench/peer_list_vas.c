/* SPDX-License-Identifier: BSD-2-Clause */
/* First-fit over a sorted linked list (see the header). */
#include <mmukit/errno.h>

#include "peer_list_vas.h"

void list_vas_init(struct list_vas *l, mmk_vaddr_t base, mmk_vaddr_t end)
{
	l->base = base;
	l->end = end;
	l->head = NULL;
}

int list_vas_alloc(struct list_vas *l, struct list_range *node, mmk_vsize_t size, mmk_vsize_t align,
		   mmk_vaddr_t *start)
{
	mmk_vaddr_t prev_end = l->base;
	struct list_range *prev = NULL, *r = l->head;
	for (;; prev = r, r = r->next) {
		mmk_vaddr_t gap_end = r ? r->start : l->end;
		mmk_vaddr_t s = (prev_end + align - 1) & ~(align - 1);
		if (s >= prev_end && s <= gap_end && gap_end - s >= size) {
			node->start = s;
			node->end = s + size;
			node->prev = prev;
			node->next = r;
			if (prev)
				prev->next = node;
			else
				l->head = node;
			if (r)
				r->prev = node;
			*start = s;
			return 0;
		}
		if (!r)
			return -MMK_ENOMEM;
		prev_end = r->end;
	}
}

void list_vas_free(struct list_vas *l, struct list_range *node)
{
	if (node->prev)
		node->prev->next = node->next;
	else
		l->head = node->next;
	if (node->next)
		node->next->prev = node->prev;
}
