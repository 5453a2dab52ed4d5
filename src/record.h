/* record: finds the usage fields in a row by name (--map; names match
 * ignoring case, spaces, '_' and '-'; a dotted --map path reaches nested JSON
 * members), so checks see the same thing whether the row came from a CSV
 * column or a JSON member. No validation of values happens here. */
#ifndef RB_RECORD_H
#define RB_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "row.h"
#include "status.h"

struct record_value {
	bool present;       /* false: no such column/member, or JSON null */
	const char *text;   /* borrowed from the row (valid until the next
	                       reader_next) or, for a nested member with escapes,
	                       from the map (valid until the next record_from_row) */
	size_t len;
	enum reader_kind kind;
};

struct record {
	long line;
	struct record_value v[CONFIG_FIELD_COUNT]; /* indexed by enum config_field */
};

struct record_map;

/* A map for cfg's --map names (a path cli.c would refuse is taken as one
 * name, as written); NULL when out of memory. */
struct record_map *record_map_new(const struct config *cfg);
void record_map_free(struct record_map *m); /* accepts NULL */

/* CSV: binds the header once, so rows map by column index; a --map path's
 * names joined by dots name a column. Two columns that name one usage field,
 * or a missing subscriptionId or quantity column (or usageTime, unless
 * --stamp-time), is RB_EINPUT with a message in err (without the file name:
 * the caller adds it); when a header name splits on ';', tab, ',' or '|'
 * into the missing names, the message says which --delimiter to pass. */
enum rb_status record_map_header(struct record_map *m,
                                 const struct reader_field *hdr, size_t n,
                                 char *err, size_t errlen);

/* Fills rec from row. Returns 0, or -1 with a reject reason in reason: two
 * JSON members that give one field, or a --map path through a member that
 * is not an object (a missing or null member on the way leaves the field
 * absent). m keeps the scratch space of nested members, hence not const. */
int record_from_row(struct record_map *m, const struct reader_row *row,
                    struct record *rec, char *reason, size_t reasonlen);

#endif
