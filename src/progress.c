/* progress: the live progress line. */
#include "progress.h"

#define PROGRESS_TTY_MS 250    /* redraws on a terminal */
#define PROGRESS_PLAIN_MS 5000 /* lines into a file or pipe */

double progress_estimate_rows(unsigned long rows_read, uint64_t consumed,
                              int64_t total)
{
	double est;

	if (total <= 0 || consumed == 0)
		return -1;
	/* rows so far per byte so far, over the whole file */
	est = (double)rows_read * (double)total / (double)consumed;
	return est < (double)rows_read ? (double)rows_read : est;
}

void progress_line(FILE *out, const struct run_counts *c, uint64_t consumed,
                   int64_t total, long elapsed_ms, bool tty)
{
	/* rows finished, of a total estimated from the share of bytes read */
	unsigned long done = c->created + c->rejected + c->refused + c->failed +
	                     c->skipped;
	double secs = elapsed_ms / 1000.0, rate, est;
	char eta[32] = "", of[48] = "";

	if (c->valid && !c->created && !c->refused && !c->failed && !c->skipped)
		done = c->read; /* a dry run: reading is the work */
	rate = secs > 0 ? done / secs : 0;
	est = progress_estimate_rows(c->read, consumed, total);
	if (est >= 0) {
		snprintf(of, sizeof(of), " of ~%.0f (%.0f%%)", est,
		         est > 0 ? 100.0 * done / est : 0);
		if (rate > 0 && est > done) {
			double left = (est - done) / rate;
			snprintf(eta, sizeof(eta), "  ETA %lum%02lus",
			         (unsigned long)left / 60, (unsigned long)left % 60);
		}
	}
	fprintf(out,
	        "%srows %lu%s  %.1f/s  created %lu  rejected %lu  failed %lu%s%s",
	        tty ? "\r" : "rbusage: progress: ", done, of, rate, c->created,
	        c->rejected + c->refused, c->failed, eta, tty ? "\033[K" : "\n");
	fflush(out);
}

void progress_clear(FILE *out)
{
	fputs("\r\033[K", out);
	fflush(out);
}

void progress_init(struct progress *p, bool on, bool tty, int64_t now_ms)
{
	p->on = on;
	p->tty = tty;
	p->start_ms = p->last_ms = now_ms;
}

void progress_tick(struct progress *p, const struct run_counts *c,
                   uint64_t consumed, int64_t total, int64_t now_ms,
                   bool force)
{
	if (!p->on)
		return;
	if (!force && now_ms - p->last_ms <
	                      (p->tty ? PROGRESS_TTY_MS : PROGRESS_PLAIN_MS))
		return;
	p->last_ms = now_ms;
	progress_line(stderr, c, consumed, total, (long)(now_ms - p->start_ms),
	              p->tty);
}
