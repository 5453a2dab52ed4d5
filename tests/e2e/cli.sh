# Command line: every refusal is exit 2 with one clear line, and nothing is
# read or written; the key never comes from argv and is never echoed.
. "$(dirname "$0")/lib.sh"
cd "$T"
printf 'subscriptionId,quantity,usageTime\ns1,1,2026-01-01T00:00:00Z\n' > ok.csv

refuse() { # refuse "expected message" ARGS...
	msg=$1
	shift
	run "$RBUSAGE" "$@"
	expect_rc 2
	expect_grep "$msg" err
	[ "$(wc -l < err)" -eq 1 ] || fail "more than one line for: $*"
}

refuse "no command given" 
refuse "unknown command 'imprt'" imprt ok.csv
refuse "unknown option '--bogus'" import --dry-run --bogus ok.csv
refuse "--rate: '0' is not auto or a number from 0.001 to 1000" import --dry-run --rate 0 ok.csv
refuse "--concurrency: '300' is not a whole number from 1 to 256" import --concurrency 300 ok.csv
refuse "--emit goes with --dry-run" import --emit ok.csv
refuse "--rejects and --log go with a single FILE" import --dry-run --log x ok.csv ok.csv
refuse "--sandbox, --live and --base-url exclude one another" import --sandbox --live ok.csv
refuse "import: no FILE given" import --dry-run
refuse "--shard: '3/2' is not K/N" import --dry-run --shard 3/2 ok.csv
refuse "--time-zone: 'Mars' is not a time zone in /usr/share/zoneinfo" import --dry-run --time-zone Mars ok.csv
refuse "--map: unknown field 'qty'" import --dry-run --map qty=x ok.csv
refuse "cannot open 'missing.csv': No such file or directory" import --dry-run missing.csv
# An output that is the input would be read back, truncated or removed.
refuse "the result log 'ok.csv' is the input 'ok.csv'" import --dry-run --log ok.csv ok.csv
refuse "the reject file 'ok.csv' is the input 'ok.csv'" import --dry-run --rejects ok.csv ok.csv
refuse "the reject file and the result log are both 'same.out'" import --dry-run --rejects same.out --log same.out ok.csv
expect_eq "$(cat ok.csv | wc -l)" 2 "input lines after refusals"
# a key typed with one dash is not repeated back
refuse "unknown option '-api-key'" import -api-key=sk_live_ONE_DASH_SECRET ok.csv
expect_no_grep "ONE_DASH_SECRET" err

# A key on the command line is refused and not repeated back.
run "$RBUSAGE" import --api-key sk_live_SECRET123 ok.csv
expect_rc 2
expect_grep "is not accepted" err
expect_no_grep "SECRET123" err

# Sending needs an organization and a key; nothing is written without them.
env -u REBILLY_ORGANIZATION_ID -u REBILLY_API_KEY "$RBUSAGE" import ok.csv >out 2>err && rc=0 || rc=$?
expect_rc 2
expect_grep "no organization" err
env -u REBILLY_API_KEY REBILLY_ORGANIZATION_ID=o "$RBUSAGE" import ok.csv >out 2>err && rc=0 || rc=$?
expect_rc 2
expect_grep "no API key" err
[ ! -e ok.results.jsonl ] || fail "a log was written although nothing could be sent"

# Header problems stop before anything is read: exit 2, file and line named.
printf 'subscriptionId,qty\ns1,1\n' > nocol.csv
refuse "nocol.csv: line 1: no 'quantity' column" import --dry-run nocol.csv
printf 'subscriptionId,quantity,Quantity\ns1,1,2\n' > dupcol.csv
refuse "dupcol.csv: line 1: columns 2 ('quantity') and 3 ('Quantity') both name quantity" import --dry-run dupcol.csv
# --map resolves it
run "$RBUSAGE" import --dry-run --stamp-time --map quantity=qty nocol.csv
expect_rc 0
# no usageTime column: refused (a backfill must never land at "now") unless
# --stamp-time says that is meant
refuse "nocol.csv: line 1: no 'usageTime' column in the header" import --dry-run --map quantity=qty nocol.csv
expect_grep "pass --stamp-time" err
# a time column named otherwise: usage_time is usageTime (names match
# ignoring case, spaces, _ and -); event_ts is not, and a backfill must never
# be stamped "now" by it
printf 'subscriptionId,quantity,usage_time\ns1,1,2026-11-20T10:00:00Z\n' > snake.csv
run "$RBUSAGE" import --dry-run --emit snake.csv
expect_rc 0
expect_grep '"usageTime":"2026-11-20T10:00:00Z"' out
printf 'subscriptionId,quantity,event_ts\ns1,1,2026-11-20T10:00:00Z\n' > evts.csv
refuse "evts.csv: line 1: no 'usageTime' column in the header" import --dry-run evts.csv
expect_grep "pass --stamp-time" err
printf 'subscriptionId,quantity,usageTime\ns1,1,\n' > emptytime.csv
run "$RBUSAGE" import --dry-run emptytime.csv
expect_rc 1
expect_grep "no usageTime; pass --stamp-time to send it at the run's start time" emptytime.rejects.csv

# A quote cannot be the delimiter: said so, not "not one ASCII character".
run "$RBUSAGE" import --dry-run --delimiter '"' x.csv
expect_rc 2
expect_eq "$(cat "$T/err")" "rbusage: --delimiter: a quote cannot be the delimiter (it quotes fields)" "--delimiter '\"'"

# --help names every option of the contract; --version.
run "$RBUSAGE" --help
expect_rc 0
for o in --format --delimiter --map --columns --time-zone --time-format \
	--not-before --not-after --stamp-time --allow-duplicates --rejects \
	--log --emit --org --api-key-file --sandbox --live --base-url --rate \
	--rate-window --aggregate \
	--concurrency --retries --timeout --reserve --cacert --verbose --progress \
	--no-progress --quiet --shard --dry-run; do
	expect_grep "$o" out
done
run "$RBUSAGE" --version
expect_rc 0
expect_grep "^rbusage [0-9]" out
echo ok
