/* linemap: row line -> log line of its latest entry, in lazily made pages. */
#include "linemap.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_BITS 14 /* 16384 lines, 64 KiB a page */
#define PAGE_LINES ((size_t)1 << PAGE_BITS)

enum rb_status linemap_set(struct linemap *m, long line, long log_line)
{
	size_t page, at;

	if (line < 1 || (long long)line > LINEMAP_MAX || log_line < 1 ||
	    (long long)log_line > LINEMAP_MAX)
		return RB_ETOOBIG;
	page = (size_t)line >> PAGE_BITS;
	at = (size_t)line & (PAGE_LINES - 1);
	if (page >= m->npages) {
		/* at most LINEMAP_MAX >> PAGE_BITS pointers: 2 MiB */
		size_t n = m->npages ? m->npages : 16;
		uint32_t **p;

		while (n <= page)
			n *= 2;
		p = realloc(m->pages, n * sizeof(*p));
		if (!p)
			return RB_ENOMEM;
		memset(p + m->npages, 0, (n - m->npages) * sizeof(*p));
		m->pages = p;
		m->npages = n;
	}
	if (!m->pages[page] &&
	    !(m->pages[page] = calloc(PAGE_LINES, sizeof(uint32_t))))
		return RB_ENOMEM;
	m->pages[page][at] = (uint32_t)log_line;
	return RB_OK;
}

long linemap_get(const struct linemap *m, long line)
{
	size_t page;

	if (line < 1 || (long long)line > LINEMAP_MAX)
		return 0;
	page = (size_t)line >> PAGE_BITS;
	if (page >= m->npages || !m->pages[page])
		return 0;
	return (long)m->pages[page][(size_t)line & (PAGE_LINES - 1)];
}

void linemap_free(struct linemap *m)
{
	size_t i;

	for (i = 0; i < m->npages; i++)
		free(m->pages[i]);
	free(m->pages);
	m->pages = NULL;
	m->npages = 0;
}
