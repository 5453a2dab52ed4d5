/* report_html: the report as one offline HTML page (no script, nothing
 * fetched; two inline SVG charts). Every text that came from a log or the
 * command line is escaped. */
#ifndef RB_REPORT_HTML_H
#define RB_REPORT_HTML_H

#include <stdio.h>

#include "report_model.h"

/* Writes the page for m to out; the caller checks out for errors. */
void report_html_write(FILE *out, const struct report_model *m);

#endif
