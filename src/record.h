/* record: finds the usage fields in a row by name (--map, header names
 * case-insensitive), so checks see the same thing whether the row came from a
 * CSV column or a JSON member. No validation of values happens here. */
#ifndef RB_RECORD_H
#define RB_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "reader.h"
#include "status.h"

struct record_value {
	bool present;       /* false: no such column/member, or JSON null */
	const char *text;   /* borrowed from the row: valid until the next reader_next */
	size_t len;
	enum reader_kind kind;
};

struct record {
	long line;
	struct record_value v[CONFIG_FIELD_COUNT]; /* indexed by enum config_field */
};

struct record_map;

/* A map for cfg's --map names; NULL when out of memory. */
struct record_map *record_map_new(const struct config *cfg);
void record_map_free(struct record_map *m); /* accepts NULL */

/* CSV: binds the header once, so rows map by column index. A column named twice
 * that maps to a usage field, or a missing subscriptionId or quantity column
 * (or usageTime, unless --stamp-time), is RB_EINPUT with a message in err
 * (without the file name: the caller adds it). */
enum rb_status record_map_header(struct record_map *m,
                                 const struct reader_field *hdr, size_t n,
                                 char *err, size_t errlen);

/* Fills rec from row. Returns 0, or -1 with a reject reason in reason (a JSON
 * member given twice, a value of the wrong kind such as an object). */
int record_from_row(const struct record_map *m, const struct reader_row *row,
                    struct record *rec, char *reason, size_t reasonlen);

#endif
