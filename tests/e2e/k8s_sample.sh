# samples/kubernetes/rbusage-job.yaml, without a cluster (none is reachable
# here): parsed as YAML and checked for the fields Kubernetes requires and
# the ones the sample's promises rest on (an Indexed Job, restartPolicy
# Never under a podFailurePolicy, the key from a Secret volume, every mount
# backed by a volume, SHARDS = completions). Then each pod's command, as
# written, runs against the fake Rebilly with the volumes as directories:
# every row is created once over all shards, and a retried pod (the same
# index again) resumes from its log and sends nothing twice.
. "$(dirname "$0")/lib.sh"
cd "$T"
JOB=$TOP/samples/kubernetes/rbusage-job.yaml
python3 -c 'import yaml' 2>/dev/null || {
	echo "SKIP: python3-yaml is not installed (scripts/install-deps installs it)"
	exit 0
}

python3 - "$JOB" > pods.env <<'PY' || fail "the sample is not a valid Job"
import re, shlex, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
dns = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
kinds = {}
for d in docs:
    for k in ("apiVersion", "kind", "metadata"):
        assert k in d, "a document without %s" % k
    name = d["metadata"].get("name", "")
    assert dns.match(name) and len(name) <= 63, "bad name %r" % name
    kinds.setdefault(d["kind"], []).append(d)
assert set(kinds) == {"Job", "PersistentVolumeClaim"}, kinds.keys()
pvc = kinds["PersistentVolumeClaim"][0]
assert pvc["apiVersion"] == "v1"
assert pvc["spec"]["accessModes"] == ["ReadWriteMany"], pvc["spec"]
assert re.match(r"^\d+[KMGT]i$", pvc["spec"]["resources"]["requests"]["storage"])
(job,) = kinds["Job"]
assert job["apiVersion"] == "batch/v1"
spec = job["spec"]
assert spec["completionMode"] == "Indexed"
n = spec["completions"]
assert isinstance(n, int) and n >= 1 and 1 <= spec["parallelism"] <= n
pod = spec["template"]["spec"]
assert pod["restartPolicy"] == "Never", "podFailurePolicy needs restartPolicy Never"
names = [c["name"] for c in pod["containers"]]
rules = spec["podFailurePolicy"]["rules"]
for r in rules:
    assert r["action"] in ("FailJob", "FailIndex", "Ignore", "Count"), r
    assert ("onExitCodes" in r) != ("onPodConditions" in r), r
    if "onExitCodes" in r:
        e = r["onExitCodes"]
        assert e["operator"] in ("In", "NotIn") and e["containerName"] in names, e
        assert all(isinstance(v, int) and v != 0 for v in e["values"]), e
    if r["action"] == "FailIndex":
        assert isinstance(spec.get("backoffLimitPerIndex"), int), "FailIndex needs backoffLimitPerIndex"
# exit 1 and 2 fail the index (running again fixes nothing); 3 is retried
codes = [v for r in rules if r["action"] == "FailIndex" for v in r["onExitCodes"]["values"]]
assert sorted(codes) == [1, 2], codes
vols = {v["name"]: v for v in pod["volumes"]}
(c,) = pod["containers"]
assert dns.match(c["name"]) and c["image"], c
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
assert set(mounts) <= set(vols), set(mounts) - set(vols)
assert "secret" in vols["api-key"], "the key must come from a Secret volume"
assert vols["api-key"]["secret"]["secretName"] == "rbusage-api-key"
assert vols["state"]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
env = {e["name"]: e["value"] for e in c["env"]}
assert not any("KEY" in k for k in env), "no key in the environment"
assert int(env["SHARDS"]) == n, "SHARDS %s but completions %d" % (env["SHARDS"], n)
assert c["command"] == ["/bin/sh", "-c"] and len(c["args"]) == 1
script = c["args"][0]
assert "$((JOB_COMPLETION_INDEX + 1))" in script and '--shard "$k/$SHARDS"' in script
assert mounts["api-key"] + "/api-key" in script
# for the run below: the volumes as directories under $T
for name, path in mounts.items():
    script = script.replace(path, "$T/vol/" + name)
    env = {k: v.replace(path, "$T/vol/" + name) for k, v in env.items()}
open("pod.sh", "w").write(script)
print("N=%d" % n)
for k, v in env.items():
    if k not in ("REBILLY_BASE_URL", "REBILLY_ORGANIZATION_ID"):
        print("POD_%s=%s" % (k, shlex.quote(v)))
PY
. ./pods.env
sh -n pod.sh || fail "the pod's command is not valid sh"

# The volumes, the key file as Kubernetes mounts it, rbusage on the PATH.
mkdir -p vol/api-key vol/state vol/exports bin
start_fake
(umask 077; printf '%s\n' "$KEY" > vol/api-key/api-key)
chmod 440 vol/api-key/api-key
ln -s "$RBUSAGE" bin/rbusage
# the sample's input: rows of 2025, named as the pod expects
input=$(eval "T=$T; printf '%s' $POD_INPUT")
python3 - "$input" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("subscriptionId,quantity,usageTime\n")
    for i in range(40):
        f.write("sub_%03d,%d.5,2025-%02d-%02dT10:00:00Z\n" % (i, i % 9 + 1, i % 12 + 1, i % 28 + 1))
PY

pod() { # pod INDEX: the pod's command, as Kubernetes would run it
	env -u REBILLY_API_KEY PATH="$T/bin:$PATH" T="$T" JOB_COMPLETION_INDEX="$1" \
		SHARDS="$POD_SHARDS" RUN="$POD_RUN" INPUT="$input" \
		REBILLY_BASE_URL="$FAKE_URL" REBILLY_ORGANIZATION_ID=org-e2e \
		sh pod.sh > "pod$1.out" 2> "pod$1.err"
}
i=0
while [ $i -lt "$N" ]; do
	set +e
	pod $i
	rc=$?
	set -e
	[ $rc -eq 0 ] || fail "pod $i exited $rc: $(cat pod$i.err)"
	i=$((i + 1))
done
expect_eq "$(ledger_count)" 40 "usages after every shard"
k=1
while [ $k -le "$N" ]; do
	[ -s "vol/state/$POD_RUN.shard-$k.results.jsonl" ] || fail "no log for shard $k"
	[ -s "vol/state/$POD_RUN.shard-$k.prom" ] || fail "no metrics for shard $k"
	k=$((k + 1))
done
# a retried pod: same index, same log, nothing sent twice
set +e
pod 1
rc=$?
set -e
[ $rc -eq 0 ] || fail "the retried pod exited $rc: $(cat pod1.err)"
expect_eq "$(ledger_count)" 40 "usages after a retried pod"
grep -q "skipped" pod1.err || fail "the retried pod did not skip: $(cat pod1.err)"
# every shard's log together accounts for every row, once
run "$RBUSAGE" report vol/state/*.results.jsonl
expect_rc 0
expect_grep "^  created            40  (" out
echo ok
