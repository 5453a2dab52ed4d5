/* flight: the rows between their check and their final line in the log.
 * Each holds a slot while it waits for, or has, a request out; flight
 * carries out rowstate's decisions with the sender (the POST, the settle
 * timer, the lookups page by page) and hands each row back through a hook
 * once its outcome is final. Rows of one subscription within one second
 * never have requests out together (nor while one of them is unknown), so a
 * lookup cannot take another row's usage for its own. */
#ifndef RB_FLIGHT_H
#define RB_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "config.h"
#include "match.h"
#include "resultlog.h"
#include "resume.h"
#include "sender.h"
#include "status.h"

/* A row whose outcome is final; every pointer is borrowed for the hook. */
struct flight_row {
	const struct usage *u;
	enum resultlog_status status; /* CREATED, REFUSED or FAILED */
	const char *usage_id;         /* NULL when none */
	long http;                    /* the last POST's status, 0 when none */
	unsigned attempts;            /* POSTs that went out, all rounds */
	long ms;                      /* the sender's time on the row */
	const char *reason;           /* REFUSED, FAILED, a CREATED without id */
	const char *found;            /* how a CREATED was found again, or NULL */
	const struct match_stored *stored; /* CREATED: what the server stored */
	bool reconciled;              /* CREATED by a lookup, not by a 2xx */
	bool stored_maybe;            /* REFUSED, FAILED: a POST of the row may
	                                 have been stored after all */
	const char *row;              /* the row as the reject file writes it */
	size_t row_len;
};

/* What flight asks of the conductor. Each returns RB_OK, or a status that
 * stops the run (a log that cannot be written). */
struct flight_hooks {
	void *ctx;
	/* u's POST is about to go: write its pending line (durable once sync
	 * returns). */
	enum rb_status (*pending)(void *ctx, const struct usage *u);
	/* make the pending lines written so far durable (one fdatasync) */
	enum rb_status (*sync)(void *ctx);
	/* a row's outcome is final */
	enum rb_status (*done)(void *ctx, const struct flight_row *r);
};

struct flight;

/* Slots for cfg (--concurrency in flight and 1024 settling), rowstate's
 * limits from cfg (--retries, --settle). snd and rs are borrowed for the
 * flight's life: the sender carries the requests; rs claims the usage ids
 * rows find or create. NULL when out of memory. */
struct flight *flight_new(const struct config *cfg, struct sender *snd,
                          struct resume *rs, const struct flight_hooks *hooks);
void flight_free(struct flight *f); /* accepts NULL; drops what is left */

/* Can another row be taken now (a free slot, and room for its request)? */
bool flight_room(const struct flight *f);
/* Rows held, not yet final. */
unsigned flight_rows(const struct flight *f);

/* Takes a checked row: row[0..row_len) is its reject-file form (copied).
 * unknown: an earlier run sent it and never learned the outcome; it is
 * looked up --settle after since_mono_ms (when that run may have ended at
 * the latest), never sent blind. */
enum rb_status flight_add(struct flight *f, const struct usage *u,
                          const char *row, size_t row_len, bool unknown,
                          int64_t since_mono_ms);

/* One turn: settle timers that came due, requests that may go (pending
 * hooks, one sync, then the sends), then every result within timeout_ms.
 * Final rows go to the done hook. */
enum rb_status flight_step(struct flight *f, int timeout_ms, char *err,
                           size_t errlen);

/* The run winds down: nothing new goes out; rows whose request was only
 * queued end as never sent, the others when what they have out reports (the
 * caller aborts the sender after a grace). Idempotent. */
void flight_stop(struct flight *f);

/* Why the rows cannot go on, when a result said so: RB_EAUTH (credentials
 * refused, a server we cannot trust) or RB_ENET (the API unreachable), with
 * a line for a person; RB_OK otherwise. */
enum rb_status flight_fatal(const struct flight *f, const char **why);

/* Rows reconciled by a lookup so far. */
unsigned long flight_reconciled(const struct flight *f);

#endif
