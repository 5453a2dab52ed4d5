/* fieldname: how a usage field is named in an input. A header or member
 * name matches ignoring ASCII case, spaces, '_' and '-' ("usage_time" and
 * "Usage Time" are usageTime); --map's COLUMN is a dotted path into nested
 * JSON objects, a segment in double quotes keeping its dots. Pure. */
#ifndef RB_FIELDNAME_H
#define RB_FIELDNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* Writes s[0..n) without spaces, '_' and '-', ASCII letters in lower case,
 * into out (room for n bytes); returns the length written. */
size_t fieldname_norm(const char *s, size_t n, char *out);

/* True when s[0..n) normalizes to norm[0..norm_len) (already normalized);
 * an empty norm matches nothing. Stops at the first difference. */
bool fieldname_matches(const char *s, size_t n, const char *norm,
                       size_t norm_len);

/* A --map COLUMN: names separated by '.'; a name in double quotes is taken
 * as it is, dots included, "" standing for one quote ("a.b" is one name,
 * a."b.c" two). */
struct fieldname_path {
	size_t nseg;
	const char **seg; /* the names, unquoted; in this struct's storage */
	size_t *len;
	const char *flat; /* the names joined by '.': a CSV column's name */
	size_t flat_len;
};

/* Parses spec into *out (freed with fieldname_path_free). RB_EUSAGE with
 * err saying what is wrong (an empty name, an unterminated quote, text
 * after a closing quote, a quote inside an unquoted name); RB_ENOMEM. */
enum rb_status fieldname_path_parse(const char *spec,
                                    struct fieldname_path **out, char *err,
                                    size_t errlen);
void fieldname_path_free(struct fieldname_path *p); /* accepts NULL */

#endif
