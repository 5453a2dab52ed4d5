/* status: the one error type every module returns (0 = ok), and its text.
 * Detail (which file, which line, which field) goes into a caller's buffer;
 * the status only says what kind of failure it was and how the run must react. */
#ifndef RB_STATUS_H
#define RB_STATUS_H

#include <stddef.h>

enum rb_status {
	RB_OK = 0,
	RB_END,     /* no more input: not an error */
	RB_ENOMEM,  /* out of memory: the run stops */
	RB_EIO,     /* a read or write failed: the run stops */
	RB_EUSAGE,  /* bad command line or configuration: exit 2, nothing sent */
	RB_EINPUT,  /* the input as a whole is unusable (bad header, truncated gzip) */
	RB_ETOOBIG, /* a hard cap was hit */
	RB_EAUTH,   /* the server refused our credentials: the run stops, exit 3 */
	RB_EINTR,   /* interrupted by a signal: the run stops, exit 3 */
	RB_ENET,    /* the transport could not be set up, or the API cannot be
	               reached: the run stops, exit 3 */
	RB_EBUSY,   /* another run holds the result log: nothing sent, exit 3 */
};

/* Static text for a status, never NULL. */
const char *rb_strerror(enum rb_status st);

/* snprintf into a caller's detail buffer; NULL or zero-sized buffers are fine. */
void rb_detail(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
