/* fingerprint: a fast 64-bit hash of the whole input. Not cryptographic: it
 * guards against resuming with the wrong or an edited file, not an attacker. */
#include "fingerprint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "hash.h"

enum rb_status fingerprint_file(const char *path, char out[FINGERPRINT_MAX],
                                char *err, size_t errlen)
{
	enum { CHUNK = 1 << 16 };
	struct hash_stream hs;
	unsigned char *buf;
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
	buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	hash_stream_init(&hs);
	for (;;) {
		n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rb_detail(err, errlen, "cannot read '%s': %s", path,
			          strerror(errno));
			free(buf);
			close(fd);
			return RB_EIO;
		}
		if (n == 0)
			break;
		hash_stream_update(&hs, buf, (size_t)n);
	}
	free(buf);
	close(fd);
	snprintf(out, FINGERPRINT_MAX, "v1:%llu:%016llx",
	         (unsigned long long)hs.total,
	         (unsigned long long)hash_stream_final(&hs));
	return RB_OK;
}
