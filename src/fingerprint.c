/* fingerprint: a fast 64-bit hash of the whole input. Not cryptographic: it
 * guards against resuming with the wrong or an edited file, not an attacker. */
#include "fingerprint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xc2b2ae3d27d4eb4fULL

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

enum rb_status fingerprint_file(const char *path, char out[FINGERPRINT_MAX],
                                char *err, size_t errlen)
{
	enum { CHUNK = 1 << 16 };
	uint64_t h = K2, total = 0, w;
	unsigned char *buf;
	size_t have = 0, i;
	ssize_t n;
	int fd;

	if (!strcmp(path, "-")) {
		snprintf(out, FINGERPRINT_MAX, "stdin");
		return RB_OK;
	}
	{
		struct stat sb;
		/* A FIFO or device can be read once only: like stdin, it has no
		 * fingerprint (and its log cannot be resumed). */
		if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) &&
		    !S_ISDIR(sb.st_mode)) {
			snprintf(out, FINGERPRINT_MAX, "stdin");
			return RB_OK;
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rb_detail(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return RB_EIO;
	}
	buf = malloc(CHUNK + 8);
	if (!buf) {
		close(fd);
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	for (;;) {
		n = read(fd, buf + have, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rb_detail(err, errlen, "cannot read '%s': %s", path,
			          strerror(errno));
			free(buf);
			close(fd);
			return RB_EIO;
		}
		total += (uint64_t)n;
		have += (size_t)n;
		for (i = 0; i + 8 <= have; i += 8) {
			memcpy(&w, buf + i, 8);
			h = rotl(h ^ (w * K1), 31) * K2;
		}
		memmove(buf, buf + i, have - i);
		have -= i;
		if (n == 0)
			break;
	}
	w = 0;
	memcpy(&w, buf, have);
	h = fmix(rotl(h ^ (w * K1), 31) * K2 ^ total);
	free(buf);
	close(fd);
	snprintf(out, FINGERPRINT_MAX, "v1:%llu:%016llx", (unsigned long long)total,
	         (unsigned long long)h);
	return RB_OK;
}
