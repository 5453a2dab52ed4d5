#include "status.h"

#include <stdarg.h>
#include <stdio.h>

const char *rb_strerror(enum rb_status st)
{
	switch (st) {
	case RB_OK: return "ok";
	case RB_END: return "end of input";
	case RB_ENOMEM: return "out of memory";
	case RB_EIO: return "input/output error";
	case RB_EUSAGE: return "usage error";
	case RB_EINPUT: return "unusable input";
	case RB_ETOOBIG: return "too big";
	case RB_EAUTH: return "authentication refused";
	case RB_EINTR: return "interrupted";
	case RB_ENET: return "network failure";
	case RB_EBUSY: return "another run holds the result log";
	}
	return "unknown error";
}

void rb_detail(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
