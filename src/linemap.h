/* linemap: for each row line of a result log, the log line that holds the
 * row's latest entry, so report and undo can tell a row's final outcome from
 * the ones a later run replaced. Paged by row line (4 bytes a line, pages
 * made on first use), so a sparse or hostile line number costs one page, and
 * numbers past LINEMAP_MAX are refused rather than trusted. */
#ifndef RB_LINEMAP_H
#define RB_LINEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define LINEMAP_MAX 4294967295LL /* largest row line and log line kept */

struct linemap {
	uint32_t **pages; /* owned; NULL until a line of the page is set */
	size_t npages;
};

/* An empty map is all zeros: struct linemap m = {0}. */
/* Records that row line's latest entry is on log line log_line (both 1 to
 * LINEMAP_MAX). RB_ETOOBIG when either is out of range, RB_ENOMEM. */
enum rb_status linemap_set(struct linemap *m, long line, long log_line);
/* The log line last set for line, 0 when none. */
long linemap_get(const struct linemap *m, long line);
/* Frees the pages; the map is empty again. */
void linemap_free(struct linemap *m);

#endif
