/* csvbare: the floor for rbusage's CSV dry run. Reads FILE in 64 KiB chunks
 * and hands them to libcsv (strict, like rbusage) with callbacks that only
 * count fields and rows: no checks, no copies, no output but the counts. The
 * bench divides rbusage's time by this one's. */
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static unsigned long long fields, rows;

static void on_field(void *s, size_t len, void *data)
{
	(void)s;
	(void)len;
	(void)data;
	fields++;
}

static void on_row(int c, void *data)
{
	(void)c;
	(void)data;
	rows++;
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	struct csv_parser p;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: csvbare FILE.csv\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (csv_parse(&p, buf, (size_t)n, on_field, on_row, NULL) !=
		    (size_t)n) {
			fprintf(stderr, "csvbare: %s\n",
			        csv_strerror(csv_error(&p)));
			return 1;
		}
	}
	if (n < 0) {
		perror(argv[1]);
		return 1;
	}
	if (csv_fini(&p, on_field, on_row, NULL) != 0) {
		fprintf(stderr, "csvbare: %s\n", csv_strerror(csv_error(&p)));
		return 1;
	}
	csv_free(&p);
	close(fd);
	printf("%llu rows %llu fields\n", rows, fields);
	return 0;
}
