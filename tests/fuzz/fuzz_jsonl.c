/* fuzz_jsonl: any bytes as a JSON-lines file, read under three policies
 * (ISO with a zone required; a time zone, a --time-format, --dst and
 * --decimal-comma by the input's length, and --map names and paths;
 * another --encoding, by the length); every row must keep fuzz_reader.h's
 * invariants. */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_input(data, size);
	struct config cfg;
	struct check_policy p;

	config_defaults(&cfg);
	cfg.format = CONFIG_FORMAT_JSONL;
	check_policy_from_config(&p, &cfg);
	fuzz_read_all(path, size, &cfg, &p);

	cfg.map[CONFIG_FIELD_SUBSCRIPTION_ID] = "sub";
	cfg.map[CONFIG_FIELD_QUANTITY] = "q.\"v.w\".x";
	cfg.map[CONFIG_FIELD_USAGE_TIME] = "at";
	cfg.has_time_zone = true;
	cfg.time_zone_offset_min = size % 2 ? 59 : -1439;
	fuzz_time_options(&cfg, size);
	cfg.stamp_time = size % 5 != 0;
	cfg.has_not_after = true;
	cfg.not_after_ms = INT64_C(253402300799999);
	check_policy_from_config(&p, &cfg);
	fuzz_read_all(path, size, &cfg, &p);

	/* converted as it is read */
	cfg.encoding = (enum config_encoding)(CONFIG_ENCODING_LATIN1 + size % 3);
	fuzz_read_all(path, size, &cfg, &p);
	return 0;
}
