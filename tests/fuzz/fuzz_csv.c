/* fuzz_csv: any bytes as a CSV file, read three times: with the header from
 * the first row (comma, or tab when the first line has a tab and no comma),
 * headerless with --columns, under a time zone (a fixed offset or New
 * York), each --time-format (epoch, patterns), --dst and --decimal-comma,
 * and with the header again in another --encoding (Latin-1, Windows-1252 or
 * UTF-16, by the input's length). Every row must keep fuzz_reader.h's
 * invariants. */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *columns[] = { "subscriptionId", "quantity", "usageTime",
		                   "acceptPartialQuantity", "note" };
	const char *path = fuzz_write_input(data, size);
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl ? (size_t)(nl - data) : size;
	struct config cfg;
	struct check_policy p;

	/* with a header, ISO times with a zone only */
	config_defaults(&cfg);
	cfg.format = CONFIG_FORMAT_CSV;
	if (memchr(data, '\t', first) && !memchr(data, ',', first))
		cfg.delimiter = '\t';
	check_policy_from_config(&p, &cfg);
	fuzz_read_all(path, size, &cfg, &p);

	/* --columns, every row data; the time format by the input's length so
	 * that each format meets every shape of file */
	cfg.columns = columns;
	cfg.ncolumns = sizeof(columns) / sizeof(columns[0]);
	cfg.has_time_zone = true;
	cfg.time_zone_offset_min = size % 2 ? -330 : 840;
	fuzz_time_options(&cfg, size);
	cfg.stamp_time = size % 5 != 0;
	cfg.has_not_before = true;
	cfg.not_before_ms = 0;
	cfg.has_not_after = true;
	cfg.not_after_ms = INT64_C(253402300799999);
	check_policy_from_config(&p, &cfg);
	fuzz_read_all(path, size, &cfg, &p);

	/* converted as it is read */
	cfg.columns = NULL;
	cfg.ncolumns = 0;
	cfg.encoding = (enum config_encoding)(CONFIG_ENCODING_LATIN1 + size % 3);
	check_policy_from_config(&p, &cfg);
	fuzz_read_all(path, size, &cfg, &p);
	/* cfg.columns and the zone are borrowed here: no config_free */
	return 0;
}
