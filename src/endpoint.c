/* endpoint: where requests may go. */
#include "endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/stat.h>

#include <curl/curl.h>

#include "status.h"

static bool is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char tmp[64];
	size_t n = strlen(host);

	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n >= 2 && n < sizeof(tmp) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = 0;
		if (inet_pton(AF_INET6, tmp, &a6) == 1)
			return !memcmp(&a6, &in6addr_loopback, sizeof(a6));
	}
	return false;
}

bool endpoint_check_base_url(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *part = NULL;
	bool ok = false;

	if (!u) {
		rb_detail(err, errlen, "out of memory");
		return false;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		rb_detail(err, errlen, "invalid base URL '%s'", url);
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_USER, &part, 0) ||
	    !curl_url_get(u, CURLUPART_PASSWORD, &part, 0)) {
		rb_detail(err, errlen, "the base URL must not hold credentials "
		                       "(the key comes from --api-key-file or "
		                       "$REBILLY_API_KEY)");
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_QUERY, &part, 0) ||
	    !curl_url_get(u, CURLUPART_FRAGMENT, &part, 0)) {
		rb_detail(err, errlen, "the base URL '%s' must not have a query or "
		                       "a fragment", url);
		goto out;
	}
	{
		/* "http://127.0.0.1:" parses as port 80: a port left out by
		 * mistake must not send anywhere */
		const char *a = strstr(url, "://");
		size_t n = a ? strcspn(a + 3, "/?#") : 0;
		if (n && a[3 + n - 1] == ':') {
			rb_detail(err, errlen, "the base URL '%s' has an empty port",
			          url);
			goto out;
		}
	}
	if (!strcasecmp(scheme, "http")) {
		if (!is_loopback(host)) {
			rb_detail(err, errlen,
			          "refusing to send the API key over plain http:// to "
			          "'%s': use https:// (http:// is accepted only for "
			          "loopback addresses such as the local fake server)",
			          host);
			goto out;
		}
	} else if (strcasecmp(scheme, "https")) {
		rb_detail(err, errlen, "the base URL '%s' must start with https://",
		          url);
		goto out;
	}
	ok = true;
out:
	curl_free(part);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

bool endpoint_check_cacert(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	if (!path)
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rb_detail(err, errlen, "--cacert: cannot read '%s': %s", path,
		          fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	return true;
}
