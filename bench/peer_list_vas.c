/* First-fit over a sorted linked list (see the header). */
#include <mmukit/errno.h>

#include "peer_list_vas.h"

void list_vas_init(struct list_vas *l, vaddr_t base, vaddr_t end)
{
	l->base = base;
	l->end = end;
	l->head = NULL;
}

int list_vas_alloc(struct list_vas *l, struct list_range *node, vsize_t size, vsize_t align,
		   vaddr_t *start)
{
	vaddr_t prev_end = l->base;
	struct list_range *prev = NULL, *r = l->head;
	for (;; prev = r, r = r->next) {
		vaddr_t gap_end = r ? r->start : l->end;
		vaddr_t s = (prev_end + align - 1) & ~(align - 1);
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
