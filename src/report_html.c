/* report_html: the report model as one self-contained page. */
#include "report_html.h"

#include <string.h>

/* Every piece of text that came from a log or the command line goes
 * through here: log names, times, reasons, days, subscription ids. */
static void html_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

static void cell(FILE *out, const char *text)
{
	fputs("<td>", out);
	html_escape(out, text);
	fputs("</td>", out);
}

static const char *status_name(int s)
{
	return s == RESULTLOG_PENDING ? "unknown" : resultlog_status_names[s];
}

static void write_runs(FILE *out, const struct report_model *m)
{
	size_t i, l;

	fputs("<p>Result log", out);
	fputs(m->nlogs == 1 ? ": " : "s: ", out);
	for (l = 0; l < m->nlogs; l++) {
		fputs(l ? ", " : "", out);
		html_escape(out, m->logs[l]);
	}
	fprintf(out, " (%s)</p>\n<h2>Runs</h2>\n<table><tr><th>log</th>"
	             "<th>run</th><th>when (UTC)</th><th>how it ended</th></tr>\n",
	        m->runs_text);
	for (i = 0; i < m->nruns; i++) {
		fputs("<tr>", out);
		cell(out, m->logs[m->runs[i].log]);
		cell(out, m->runs[i].kind);
		cell(out, m->runs[i].when);
		cell(out, m->runs[i].how);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void write_statuses(FILE *out, const struct report_model *m)
{
	static const char *const colors[RESULTLOG_STATUS_COUNT] = {
		"#999", "#2a7", "#d80", "#c33", "#a0a", "#58c", "#555",
	};
	unsigned long total = 0;
	double x;
	int s;

	fputs("<h2>Rows by final status</h2>\n<table><tr><th>status</th><th>rows"
	      "</th></tr>\n", out);
	for (s = 0; s < RESULTLOG_STATUS_COUNT; s++) {
		total += m->status[s];
		if (m->status[s])
			fprintf(out, "<tr><td><span style=\"display:inline-block;"
			             "width:10px;height:10px;background:%s\"></span> "
			             "%s</td><td class=\"n\">%lu</td></tr>\n",
			        colors[s], status_name(s), m->status[s]);
	}
	fputs("</table>\n", out);
	/* outcomes as one stacked bar */
	fputs("<svg width=\"600\" height=\"30\" role=\"img\" aria-label=\"outcomes\">",
	      out);
	for (s = 0, x = 0; s < RESULTLOG_STATUS_COUNT && total; s++) {
		double w = 600.0 * (double)m->status[s] / (double)total;
		if (!m->status[s])
			continue;
		fprintf(out, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"30\" "
		             "fill=\"%s\"><title>%s %lu</title></rect>",
		        x, w, colors[s], status_name(s), m->status[s]);
		x += w;
	}
	fputs("</svg>\n", out);
}

static void write_unknown(FILE *out, const struct report_model *m)
{
	size_t k, l;

	if (!m->status[RESULTLOG_PENDING])
		return;
	fputs("<h2 class=\"warn\">Unknown \xe2\x80\x94 run the import again to "
	      "reconcile</h2>\n<p>These rows were left pending with no outcome: "
	      "they may have been billed.</p>\n<table><tr><th>log</th>"
	      "<th>rows</th><th>lines</th></tr>\n", out);
	for (l = 0; l < m->nlogs; l++) {
		const struct report_log_info *li = &m->loginfo[l];
		if (!li->unknown)
			continue;
		fputs("<tr>", out);
		cell(out, m->logs[l]);
		fprintf(out, "<td class=\"n\">%lu</td><td>", li->unknown);
		for (k = 0; k < li->unknown && k < REPORT_UNKNOWN_SHOWN; k++)
			fprintf(out, "%s%ld", k ? ", " : "", li->unknown_lines[k]);
		fprintf(out, "%s</td></tr>\n",
		        li->unknown > REPORT_UNKNOWN_SHOWN ? ", ..." : "");
	}
	fputs("</table>\n", out);
}

static void write_reasons(FILE *out, const struct report_model *m)
{
	struct report_reason kinds[REPORT_REASON_KINDS];
	size_t n = report_reasons_sorted(m->reasons, kinds), i, k;

	if (!n)
		return;
	fputs("<h2>Reasons</h2>\n<table><tr><th>rows</th><th>reason (one "
	      "example of its kind)</th><th>lines</th></tr>\n", out);
	for (i = 0; i < n; i++) {
		fprintf(out, "<tr><td class=\"n\">%lu</td>", kinds[i].count);
		cell(out, kinds[i].example);
		fputs("<td>", out);
		for (k = 0; k < 3 && k < kinds[i].count; k++) {
			fputs(k ? ", " : "", out);
			if (m->nlogs > 1) {
				html_escape(out, m->logs[kinds[i].logs[k]]);
				fputs(" line ", out);
			}
			fprintf(out, "%ld", kinds[i].lines[k]);
		}
		fprintf(out, "%s</td></tr>\n", kinds[i].count > 3 ? ", ..." : "");
	}
	fputs("</table>\n", out);
}

static void write_quantities(FILE *out, const struct report_model *m)
{
	int64_t maxm = 1;
	size_t i;

	if (!m->ndays)
		return;
	fputs("<h2>Quantity created per day (UTC)</h2>\n", out);
	for (i = 0; i < m->ndays; i++)
		if (m->days[i].milli > maxm)
			maxm = m->days[i].milli;
	fprintf(out, "<svg width=\"620\" height=\"%zu\" role=\"img\" "
	             "aria-label=\"quantity per day\">",
	        m->ndays * 22 + 10);
	for (i = 0; i < m->ndays; i++) {
		double w = 400.0 * (double)m->days[i].milli / (double)maxm;
		fprintf(out, "<text x=\"0\" y=\"%zu\" font-size=\"12\">", i * 22 + 17);
		html_escape(out, m->days[i].key);
		fprintf(out, "</text><rect x=\"90\" y=\"%zu\" width=\"%.1f\" "
		             "height=\"16\" fill=\"#2a7\"/><text x=\"%.1f\" y=\"%zu\" "
		             "font-size=\"12\">%s</text>",
		        i * 22 + 4, w, 95 + w, i * 22 + 17, m->days[i].quantity);
	}
	fputs("</svg>\n<table><tr><th>day</th><th>quantity</th><th>rows</th>"
	      "</tr>\n", out);
	for (i = 0; i < m->ndays; i++) {
		fputs("<tr>", out);
		cell(out, m->days[i].key);
		fprintf(out, "<td class=\"n\">%s</td><td class=\"n\">%lu</td></tr>\n",
		        m->days[i].quantity, m->days[i].rows);
	}
	fprintf(out, "<tr><th>total</th><th class=\"n\">%s</th><th></th></tr>"
	             "</table>\n", m->total_quantity);
	fputs("<h2>Top subscriptions by quantity</h2>\n<table><tr><th>"
	      "subscription</th><th>quantity</th><th>rows</th></tr>\n", out);
	for (i = 0; i < m->nsubs && i < 10; i++) {
		fputs("<tr>", out);
		cell(out, m->subs[i].key);
		fprintf(out, "<td class=\"n\">%s</td><td class=\"n\">%lu</td></tr>\n",
		        m->subs[i].quantity, m->subs[i].rows);
	}
	fputs("</table>\n", out);
}

void report_html_write(FILE *out, const struct report_model *m)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>rbusage report</title><style>"
	      "body{font:14px sans-serif;margin:2em;color:#222}"
	      "table{border-collapse:collapse;margin:1em 0}"
	      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
	      "td.n{text-align:right;font-variant-numeric:tabular-nums}"
	      ".warn{color:#b00}"
	      "</style></head><body>\n<h1>rbusage report</h1>\n",
	      out);
	write_runs(out, m);
	if (!m->imports && !m->undos) {
		fputs("<p>No import run: nothing was sent.</p>\n</body></html>\n", out);
		return;
	}
	write_statuses(out, m);
	write_unknown(out, m);
	write_reasons(out, m);
	write_quantities(out, m);
	if (m->latency_n)
		fprintf(out, "<h2>Latency</h2>\n<p>p50 %ld ms, p90 %ld ms, p99 %ld ms,"
		             " max %ld ms; %lu rows retried.</p>\n",
		        m->p50_ms, m->p90_ms, m->p99_ms, m->max_ms, m->retried);
	fputs("</body></html>\n", out);
}
