/* apikey: the secret key, read whole or refused. */
#include "apikey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

enum rb_status apikey_load(struct config *cfg, const char *env_value,
                           char *warn, size_t warnlen, char *err, size_t errlen)
{
	char buf[4096];
	const char *v;
	size_t n = 0, len;
	ssize_t r;
	struct stat sb;
	int fd;

	if (warn && warnlen)
		warn[0] = 0;
	if (cfg->api_key_file) {
		fd = open(cfg->api_key_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rb_detail(err, errlen, "cannot open '%s': %s", cfg->api_key_file,
			          strerror(errno));
			return RB_EUSAGE;
		}
		if (fstat(fd, &sb) == 0 && (sb.st_mode & (S_IRWXG | S_IRWXO)))
			rb_detail(warn, warnlen,
			          "warning: '%s' is readable by group or others; "
			          "chmod 600 it", cfg->api_key_file);
		/* the whole file, or an error: a key cut short by a read error
		 * or the buffer's end would only fail later, as a 401 */
		for (;;) {
			r = read(fd, buf + n, sizeof(buf) - 1 - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += (size_t)r;
			if (n == sizeof(buf) - 1)
				break;
		}
		if (r < 0 || n == sizeof(buf) - 1) {
			int e = errno;
			close(fd);
			memset(buf, 0, sizeof(buf));
			if (r < 0)
				rb_detail(err, errlen, "cannot read '%s': %s",
				          cfg->api_key_file, strerror(e));
			else
				rb_detail(err, errlen, "the key file '%s' is longer "
				                       "than %zu bytes; it should hold the "
				                       "key alone", cfg->api_key_file,
				          sizeof(buf) - 2);
			return RB_EUSAGE;
		}
		close(fd);
		buf[n] = 0;
		v = buf;
	} else {
		v = env_value ? env_value : "";
	}
	/* Trim the newline editors leave, and surrounding blanks. */
	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	len = strlen(v);
	while (len && (v[len - 1] == '\n' || v[len - 1] == '\r' ||
	               v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (!len) {
		memset(buf, 0, sizeof(buf));
		rb_detail(err, errlen,
		          cfg->api_key_file
		              ? "the key file '%s' is empty"
		              : "no API key: set REBILLY_API_KEY or pass "
		                "--api-key-file PATH%s",
		          cfg->api_key_file ? cfg->api_key_file : "");
		return RB_EUSAGE;
	}
	if (memchr(v, '\n', len) || memchr(v, '\r', len)) {
		memset(buf, 0, sizeof(buf));
		rb_detail(err, errlen, "the API key must be one line");
		return RB_EUSAGE;
	}
	cfg->api_key = strndup(v, len);
	memset(buf, 0, sizeof(buf));
	if (!cfg->api_key) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	return RB_OK;
}
