#include "config.h"

#include <stdlib.h>
#include <string.h>

const char *const config_field_names[CONFIG_FIELD_COUNT] = {
	"subscriptionId", "quantity", "usageTime", "acceptPartialQuantity",
};

const char *config_aggregate_name(enum config_aggregate a)
{
	switch (a) {
	case CONFIG_AGGREGATE_MINUTE: return "minute";
	case CONFIG_AGGREGATE_HOUR: return "hour";
	case CONFIG_AGGREGATE_DAY: return "day";
	default: return NULL;
	}
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cmd = CONFIG_CMD_NONE;
	cfg->format = CONFIG_FORMAT_AUTO;
	cfg->encoding = CONFIG_ENCODING_AUTO;
	cfg->time_format = CONFIG_TIME_ISO;
	cfg->progress = CONFIG_PROGRESS_AUTO;
	cfg->base_url = CONFIG_SANDBOX_URL;
	cfg->rate = 0; /* auto */
	cfg->rate_window_s = 600;
	cfg->concurrency = 8;
	cfg->retries = 6;
	cfg->timeout_ms = 30000;
	cfg->reserve_pct = 20;
	cfg->settle_ms = 10000;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	if (cfg->api_key) {
		/* volatile so the wipe is not optimized away */
		volatile char *p = cfg->api_key;
		while (*p)
			*p++ = 0;
		free(cfg->api_key);
		cfg->api_key = NULL;
	}
	timefmt_zone_free(cfg->time_zone);
	cfg->time_zone = NULL;
	for (i = 0; i < cfg->ncolumns; i++)
		free(cfg->columns[i]);
	free(cfg->columns);
	cfg->columns = NULL;
	cfg->ncolumns = 0;
}
