"""vigil organization benchmark on moto: an organization of ACCOUNTS accounts in two regions, with
security groups and buckets seeded to about RESOURCES in all, scanned through the shard queue by
WORKERS concurrent workers, twice (first run, then steady state), then one change event.

A worker plays one Lambda invocation of the SQS event source mapping (batch size 1, as in the
template): it receives a shard, runs the release `vigil event` on it (the handler the Lambda runs),
deletes it unless the run reported it for retry. Each worker's AWS calls come from VIGIL_OPS_LOG,
its peak RSS from wait4. The cost model multiplies the measured counts by AWS list prices.
Run through scripts/bench-org, which builds the binary and installs the tools.
"""
import argparse, collections, json, os, queue, subprocess, sys, tempfile, threading, time

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import create_table, start_moto, ROOT  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1"]
# List prices (us-east-1, arm64 Lambda, DynamoDB on demand, SQS standard), per unit.
LAMBDA_GB_S = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1e6
DDB_READ_UNIT = 0.125 / 1e6
DDB_WRITE_UNIT = 0.625 / 1e6
SQS_REQUEST = 0.40 / 1e6
MEMORY_GB = 256 / 1024


def client(kind, endpoint, region="us-east-1", creds=None):
    creds = creds or {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
    return boto3.client(kind, endpoint_url=endpoint, region_name=region, **creds)


def seed(endpoint, accounts, resources):
    create_table(client("dynamodb", endpoint))
    topic = client("sns", endpoint).create_topic(Name="vigil-alerts")["TopicArn"]
    shards = client("sqs", endpoint).create_queue(QueueName="vigil-shards")["QueueUrl"]
    org = client("organizations", endpoint)
    org.create_organization(FeatureSet="ALL")
    ids = ["123456789012"]
    for i in range(accounts - 1):
        ids.append(org.create_account(Email=f"m{i}@example.com", AccountName=f"member{i:02d}")["CreateAccountStatus"]["AccountId"])
    # Per account: buckets (a tenth public) and, in each region, security groups (a tenth open).
    buckets = max(1, resources // accounts // 10)
    groups = max(1, (resources // accounts - buckets) // len(REGIONS))
    sts = client("sts", endpoint)
    for n, account in enumerate(ids):
        creds = None
        if account != ids[0]:
            c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed")["Credentials"]
            creds = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": c["SessionToken"]}
        s3 = client("s3", endpoint, creds=creds)
        for b in range(buckets):
            name = f"bench-{n:02d}-{b:04d}"
            s3.create_bucket(Bucket=name)
            if b % 10 == 0:
                s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]}))
        for region in REGIONS:
            ec2 = client("ec2", endpoint, region, creds)
            for g in range(groups):
                gid = ec2.create_security_group(GroupName=f"bench-{g:04d}", Description="bench")["GroupId"]
                if g % 10 == 0:
                    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
                        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return ids, topic, shards, buckets, groups


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = collections.Counter()
        self.invocations = 0
        self.retried = 0
        self.busy_s = 0.0
        self.max_rss_kib = 0
        self.resources = 0

    def add(self, calls, busy, rss, audited):
        with self.lock:
            self.calls.update(calls)
            self.invocations += 1
            self.busy_s += busy
            self.max_rss_kib = max(self.max_rss_kib, rss)
            self.resources += audited


def invoke(vigil, env, event, stats):
    """One Lambda invocation: the release binary on one event. Returns its exit code."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(event, f)
    ops = tempfile.NamedTemporaryFile(delete=False)
    ops.close()
    t0 = time.monotonic()
    proc = subprocess.Popen([vigil, "event", f.name], env={**env, "VIGIL_OPS_LOG": ops.name}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    busy = time.monotonic() - t0
    calls = collections.Counter(l.strip() for l in open(ops.name) if l.strip())
    os.unlink(ops.name)
    os.unlink(f.name)
    audited = 0
    rss_kib = 0
    for line in out.splitlines():
        if line.startswith("Resources:"):
            audited = int(line.split()[1])
        # The worker's own peak (VmHWM): wait4's ru_maxrss would include this Python process,
        # whose memory the child had at fork.
        if line.startswith("Peak RSS:"):
            rss_kib = int(float(line.split()[2]) * 1024)
    stats.add(calls, busy, rss_kib, audited)
    return os.waitstatus_to_exitcode(status)


def drain(vigil, env, endpoint, shards, workers, stats):
    """The event source mapping: `workers` invocations at once until the queue stays empty."""
    sqs = client("sqs", endpoint)
    idle = {"since": None}
    lock = threading.Lock()

    def worker():
        while True:
            got = sqs.receive_message(QueueUrl=shards, MaxNumberOfMessages=1, VisibilityTimeout=600).get("Messages", [])
            if not got:
                with lock:
                    if idle["since"] is None:
                        idle["since"] = time.monotonic()
                    # Empty for a moment with nobody busy: continuations would have arrived by now.
                    if time.monotonic() - idle["since"] > 1.5:
                        return
                time.sleep(0.2)
                continue
            with lock:
                idle["since"] = None
            m = got[0]
            event = {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"], "attributes": {},
                                  "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                                  "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:vigil-shards", "awsRegion": "us-east-1"}]}
            code = invoke(vigil, env, event, stats)
            if code == 0:
                sqs.delete_message(QueueUrl=shards, ReceiptHandle=m["ReceiptHandle"])
            else:
                with stats.lock:
                    stats.retried += 1
                sqs.change_message_visibility(QueueUrl=shards, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def scan(vigil, env, endpoint, shards, workers):
    stats = Stats()
    t0 = time.monotonic()
    code = invoke(vigil, env, {"version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
                               "account": "123456789012", "time": "2026-11-29T00:00:00Z", "region": "us-east-1",
                               "resources": [], "detail": {}}, stats)
    if code != 0:
        sys.exit("planning failed")
    plan_invocations = stats.invocations
    drain(vigil, env, endpoint, shards, workers, stats)
    return time.monotonic() - t0, stats, stats.invocations - plan_invocations


def kind(op):
    service, name = op.split(":", 1)
    if service == "dynamodb":
        return "dynamodb"
    if service in ("sqs", "sns", "sts", "organizations"):
        return "vigil"
    per_resource = ("GetBucket", "GetPublicAccessBlock", "GetObjectLock", "DescribeSnapshotAttribute", "DescribeDBSnapshotAttributes",
                    "GetKeyPolicy", "GetKeyRotationStatus", "DescribeKey", "ListResourceTags", "GetPolicy", "GetFunctionUrlConfig",
                    "GetTrailStatus", "GetEventSelectors", "GetLoginProfile", "ListMFADevices", "GetRole", "GetUser")
    return "per_resource" if name.startswith(per_resource) else "listing"


def breakdown(stats):
    out = collections.Counter()
    for op, n in stats.calls.items():
        out[kind(op)] += n
    return out


def cost(per_scan, events_per_day, per_event, resources, measured_resources, scans_per_day=4):
    """Monthly cost of `resources`, scaled from a measured scan of `measured_resources`."""
    f = resources / measured_resources
    days = 30
    gb_s = (per_scan["busy_s"] * f * scans_per_day + per_event["busy_s"] * events_per_day) * MEMORY_GB * days
    requests = (per_scan["invocations"] * f * scans_per_day + events_per_day) * days
    ddb_reads = (per_scan["ddb_reads"] * f * scans_per_day + per_event["ddb_reads"] * events_per_day) * days
    ddb_writes = (per_scan["ddb_writes"] * f * scans_per_day + per_event["ddb_writes"] * events_per_day) * days
    sqs = per_scan["sqs"] * f * scans_per_day * days
    lam = gb_s * LAMBDA_GB_S + requests * LAMBDA_REQUEST
    ddb = ddb_reads * DDB_READ_UNIT + ddb_writes * DDB_WRITE_UNIT
    return {"lambda": lam, "dynamodb": ddb, "sqs": sqs * SQS_REQUEST, "gb_s": gb_s, "total": lam + ddb + sqs * SQS_REQUEST}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--resources", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=8)
    # Every service moto emulates (Access Analyzer is not).
    ap.add_argument("--services", default="s3,iam,ec2,rds,kms,cloudtrail,config,guardduty,securityhub,cloudwatch,efs,lambda,account")
    a = ap.parse_args()
    # AWS managed policies are not loaded into each of moto's accounts: 20 copies would only
    # measure moto's memory.
    moto, endpoint = start_moto(iam_managed_policies=False)
    try:
        t0 = time.monotonic()
        ids, topic, shards, buckets, groups = seed(endpoint, a.accounts, a.resources)
        print(f"seeded {a.accounts} accounts x {len(REGIONS)} regions: {buckets} buckets per account, {groups} security groups "
              f"per account and region ({a.accounts * (buckets + groups * len(REGIONS))} resources) in {time.monotonic() - t0:.0f} s")
        env = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
               "AWS_ENDPOINT_URL": endpoint, "TABLE_NAME": "vigil-findings", "TOPIC_ARN": topic, "ACCOUNTS": "organization",
               "REGIONS": ",".join(REGIONS), "SHARD_QUEUE_URL": shards, "SERVICES": a.services}
        rows = []
        for label in ("first run (every finding new)", "steady state"):
            wall, stats, shard_invocations = scan(a.vigil, env, endpoint, shards, a.workers)
            b = breakdown(stats)
            rows.append((label, wall, stats, shard_invocations, b))
        # One change event in a member account: a bucket turns public.
        member = ids[1]
        sts = client("sts", endpoint)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/seed", RoleSessionName="seed")["Credentials"]
        s3 = client("s3", endpoint, creds={"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": c["SessionToken"]})
        target = "bench-01-0001"
        s3.put_bucket_policy(Bucket=target, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{target}/*"}]}))
        event = json.load(open(os.path.join(ROOT, "events/s3/PutBucketPolicy.json")))
        event["account"] = member
        event["detail"]["recipientAccountId"] = member
        event["detail"]["requestParameters"]["bucketName"] = target
        ev = Stats()
        invoke(a.vigil, env, event, ev)

        resources = rows[0][2].resources
        print(f"\n| full scan ({a.accounts} accounts x {len(REGIONS)} regions, {a.workers} workers) | wall | shard invocations | resources audited | AWS calls per resource: listing / per-resource reads / DynamoDB | DynamoDB calls | peak RSS of one worker |")
        print("|---|---|---|---|---|---|---|")
        for label, wall, stats, n, b in rows:
            per = lambda k: b[k] / max(1, stats.resources)
            print(f"| {label} | {wall:.1f} s | {n} | {stats.resources} | {per('listing'):.3f} / {per('per_resource'):.2f} / {per('dynamodb'):.3f} | "
                  f"{b['dynamodb']} ({100 * b['dynamodb'] / max(1, stats.resources):.2f} per 100 resources) | {stats.max_rss_kib / 1024:.1f} MiB |")
        eb = breakdown(ev)
        print(f"| one PutBucketPolicy event from a member account | {ev.busy_s:.2f} s | 1 | {ev.resources} | {eb['listing']} / {eb['per_resource']} / {eb['dynamodb']} (calls) | {eb['dynamodb']} | {ev.max_rss_kib / 1024:.1f} MiB |")
        steady = rows[1][2]
        ddb = lambda s: (sum(v for k, v in s.calls.items() if k in ("dynamodb:Query",)), sum(v for k, v in s.calls.items() if k in ("dynamodb:PutItem", "dynamodb:UpdateItem")))
        sr, sw = ddb(steady)
        er, ew = ddb(ev)
        sqs_requests = rows[1][3] * 3 + steady.calls.get("sqs:SendMessageBatch", 0)
        per_scan = {"busy_s": steady.busy_s, "invocations": steady.invocations, "ddb_reads": sr, "ddb_writes": sw, "sqs": sqs_requests}
        per_event = {"busy_s": ev.busy_s, "ddb_reads": er, "ddb_writes": ew}
        print("\nsteady-state operations: " + ", ".join(f"{k} {v}" for k, v in sorted(steady.calls.items())))
        print(f"\nMonthly cost model (4 full scans a day, 1,000 change events a day, 256 MB arm64; each DynamoDB call counted as one request unit;"
              f" scaled from the steady-state scan of {resources} resources: {steady.busy_s:.0f} s of worker time, {steady.invocations} invocations,"
              f" {sr} DynamoDB reads, {sw} writes, {sqs_requests} SQS requests; one event: {ev.busy_s:.2f} s, {er} reads, {ew} writes):")
        print("| resources | Lambda GB-s | Lambda | DynamoDB | SQS | total per month |")
        print("|---|---|---|---|---|---|")
        for n in (1000, 10000):
            c = cost(per_scan, 1000, per_event, n, resources)
            print(f"| {n:,} | {c['gb_s']:,.0f} | ${c['lambda']:.2f} | ${c['dynamodb']:.2f} | ${c['sqs']:.4f} | ${c['total']:.2f} |")
    finally:
        moto.terminate()
        moto.wait()


if __name__ == "__main__":
    main()
