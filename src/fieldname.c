/* fieldname: loose name matching and --map paths. */
#include "fieldname.h"

#include <stdlib.h>
#include <string.h>

static inline bool ignored(unsigned char c)
{
	return c == ' ' || c == '_' || c == '-';
}

static inline unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

size_t fieldname_norm(const char *s, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (!ignored((unsigned char)s[i]))
			out[o++] = (char)fold((unsigned char)s[i]);
	return o;
}

bool fieldname_matches(const char *s, size_t n, const char *norm,
                       size_t norm_len)
{
	size_t i, k = 0;

	if (!norm_len)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (ignored(c))
			continue;
		if (k == norm_len || fold(c) != (unsigned char)norm[k])
			return false;
		k++;
	}
	return k == norm_len;
}

/* One name at spec[*i]: its unquoted bytes appended at out + *o. */
static enum rb_status segment(const char *spec, size_t *i, char *out,
                              size_t *o, char *err, size_t errlen)
{
	size_t start = *o;

	if (spec[*i] == '"') {
		for ((*i)++;; (*i)++) {
			if (!spec[*i]) {
				rb_detail(err, errlen, "unterminated quote in '%s'",
				          spec);
				return RB_EUSAGE;
			}
			if (spec[*i] == '"') {
				if (spec[*i + 1] != '"')
					break;
				(*i)++; /* "" is one quote */
			}
			out[(*o)++] = spec[*i];
		}
		(*i)++;
		if (spec[*i] && spec[*i] != '.') {
			rb_detail(err, errlen,
			          "text after a closing quote in '%s' (a quoted "
			          "name ends at a dot or the end)", spec);
			return RB_EUSAGE;
		}
	} else {
		for (; spec[*i] && spec[*i] != '.'; (*i)++) {
			if (spec[*i] == '"') {
				rb_detail(err, errlen,
				          "a quote inside the name in '%s' (quote the "
				          "whole name and double the quotes in it)",
				          spec);
				return RB_EUSAGE;
			}
			out[(*o)++] = spec[*i];
		}
	}
	if (*o == start) {
		rb_detail(err, errlen, "an empty name in '%s'", spec);
		return RB_EUSAGE;
	}
	return RB_OK;
}

enum rb_status fieldname_path_parse(const char *spec,
                                    struct fieldname_path **out, char *err,
                                    size_t errlen)
{
	size_t n = strlen(spec), nseg = 1, i = 0, o = 0, k = 0, f = 0;
	struct fieldname_path *p;
	char *names, *flat;
	enum rb_status st;

	*out = NULL;
	for (i = 0; i < n; i++)
		nseg += spec[i] == '.'; /* at least as many as there are */
	/* one allocation: the struct, the arrays, the names, the flat name */
	p = calloc(1, sizeof(*p) + nseg * (sizeof(*p->seg) + sizeof(*p->len)) +
	                      2 * (n + 1));
	if (!p) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	p->seg = (const char **)(p + 1);
	p->len = (size_t *)(p->seg + nseg);
	names = (char *)(p->len + nseg);
	flat = names + n + 1;
	for (i = 0;;) {
		size_t start = o;
		if ((st = segment(spec, &i, names, &o, err, errlen))) {
			free(p);
			return st;
		}
		p->seg[k] = names + start;
		p->len[k] = o - start;
		if (k)
			flat[f++] = '.';
		memcpy(flat + f, names + start, o - start);
		f += o - start;
		k++;
		if (!spec[i])
			break;
		i++; /* the dot */
		if (!spec[i]) {
			rb_detail(err, errlen, "an empty name in '%s'", spec);
			free(p);
			return RB_EUSAGE;
		}
	}
	flat[f] = 0;
	p->nseg = k;
	p->flat = flat;
	p->flat_len = f;
	*out = p;
	return RB_OK;
}

void fieldname_path_free(struct fieldname_path *p)
{
	free(p);
}
