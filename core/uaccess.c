/* SPDX-License-Identifier: BSD-2-Clause */
/* Copies to and from user spaces by walking their tables (include/mmukit/uaccess.h). */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/uaccess.h>

/* True when [va, va+len) lies in the user half. */
static bool user_range(const struct mmk_vm_space *s, mmk_vaddr_t va, size_t len)
{
	const struct mmk_mmu *mmu = s->mmu.mmu;
	return va + len >= va && va >= mmk_mmu_user_base(mmu) && va + len <= mmk_mmu_user_end(mmu);
}

/* The mapping at user page va, allowing a user access (write or read), resolving it as
 * the CPU's fault would when needed. Returns 0 or -MMK_EFAULT. */
static int user_page(struct mmk_vm_space *s, mmk_vaddr_t va, bool write,
		     struct mmk_mmu_mapping *m)
{
	unsigned need = MMK_PROT_USER | (write ? MMK_PROT_WRITE : MMK_PROT_READ);
	for (int attempt = 0; attempt < 2; attempt++) {
		bool mapped = mmk_mmu_query(&s->mmu, va, m) == 0;
		if (mapped && (m->flags & need) == need)
			return 0;
		struct mmk_fault f = {.addr = va, .access = write ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
				      .user = true, .present = mapped};
		if (mmk_vm_fault(s, &f) != MMK_FAULT_RESOLVED)
			return -MMK_EFAULT;
	}
	return -MMK_EFAULT;
}

/* The kernel's pointer to user byte va (its page resolved), and how many bytes of the
 * page from there are usable. */
static void *user_bytes(struct mmk_vm_space *s, mmk_vaddr_t va, bool write, size_t *room)
{
	struct mmk_mmu_mapping m;
	if (user_page(s, va, write, &m))
		return NULL;
	mmk_paddr_t pa = m.pa + (va - m.va);
	size_t in_page = MMK_PAGE_SIZE - (size_t)(pa & (MMK_PAGE_SIZE - 1));
	*room = in_page;
	return (char *)mmk_mmu_frame_pointer(s->mmu.mmu, mmk_align_down(pa, MMK_PAGE_SIZE)) +
	       (pa & (MMK_PAGE_SIZE - 1));
}

static void copy_bytes(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *p = src;
	while (n--)
		*d++ = *p++;
}

int mmk_copy_to_user(struct mmk_vm_space *s, mmk_vaddr_t dst, const void *src, size_t len)
{
	if (!user_range(s, dst, len))
		return -MMK_EFAULT;
	for (size_t done = 0; done < len;) {
		size_t room;
		char *to = user_bytes(s, dst + done, true, &room);
		if (!to)
			return -MMK_EFAULT;
		size_t n = len - done < room ? len - done : room;
		copy_bytes(to, (const char *)src + done, n);
		done += n;
	}
	return 0;
}

int mmk_copy_from_user(struct mmk_vm_space *s, void *dst, mmk_vaddr_t src, size_t len)
{
	if (!user_range(s, src, len))
		return -MMK_EFAULT;
	for (size_t done = 0; done < len;) {
		size_t room;
		const char *from = user_bytes(s, src + done, false, &room);
		if (!from)
			return -MMK_EFAULT;
		size_t n = len - done < room ? len - done : room;
		copy_bytes((char *)dst + done, from, n);
		done += n;
	}
	return 0;
}

long mmk_strncpy_from_user(struct mmk_vm_space *s, char *dst, mmk_vaddr_t src, size_t max)
{
	for (size_t done = 0; done < max;) {
		size_t room;
		if (!user_range(s, src + done, 1))
			return -MMK_EFAULT;
		const char *from = user_bytes(s, src + done, false, &room);
		if (!from)
			return -MMK_EFAULT;
		for (size_t k = 0; k < room && done < max; k++, done++) {
			dst[done] = from[k];
			if (from[k] == '\0')
				return (long)done;
		}
	}
	return -MMK_ERANGE;
}
