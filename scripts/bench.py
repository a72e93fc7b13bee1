"""vigil benchmark on moto: full scan of N buckets and one PutBucketPolicy event; optionally an IAM
full scan of M entities (users, roles, groups, customer managed policies) and one AttachRolePolicy event.

Measures wall time, AWS calls (from VIGIL_OPS_LOG, every operation the binary performed) and the
binary's peak RSS (its own VmHWM, which `vigil` prints). Run through scripts/bench, which builds the binary and installs the tools.
"""
import argparse, collections, json, os, re, socket, subprocess, sys, tempfile, time

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(iam_managed_policies=True):
    port = free_port()
    proc = subprocess.Popen([os.path.join(ROOT, ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=open(os.environ.get("VIGIL_BENCH_MOTO_LOG", os.devnull), "w"),
                            env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true" if iam_managed_policies else "false", "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"})
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    sys.exit("moto did not start")


def create_table(ddb):
    """The findings table with the template's keys and indexes."""
    ddb.create_table(
        TableName="vigil-findings", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("resource_arn", "check_id", "status_severity", "opened_at", "export_due", "shard")],
        KeySchema=[{"AttributeName": "resource_arn", "KeyType": "HASH"}, {"AttributeName": "check_id", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "by_status_severity", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "status_severity", "KeyType": "HASH"}, {"AttributeName": "opened_at", "KeyType": "RANGE"}]},
            {"IndexName": "by_export_due", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [{"AttributeName": "export_due", "KeyType": "HASH"}]},
            {"IndexName": "by_shard", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [{"AttributeName": "shard", "KeyType": "HASH"}]}])


def seed(endpoint, n):
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")
    ddb, sns, sqs, s3 = (boto3.client(s, **kw) for s in ("dynamodb", "sns", "sqs", "s3"))
    create_table(ddb)
    topic = sns.create_topic(Name="vigil-alerts")["TopicArn"]
    sqs.create_queue(QueueName="inbox")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:inbox")
    for i in range(n):
        name = f"bench-{i:04d}"
        s3.create_bucket(Bucket=name)
        if i % 10 == 0:
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]}))
        elif i % 10 == 1:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    return topic, s3


def seed_iam(endpoint, n):
    """n IAM entities: 40% users, 25% roles, 10% groups, 25% customer managed policies."""
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")
    iam = boto3.client("iam", **kw)
    doc = lambda stmts: json.dumps({"Version": "2012-10-17", "Statement": stmts})
    trust = doc([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}])
    users, roles, groups = int(n * 0.4), int(n * 0.25), int(n * 0.1)
    policies = n - users - roles - groups
    arns = []
    for i in range(policies):
        action = "s3:*" if i % 4 == 0 else ["s3:GetObject", "s3:PutObject"]
        resource = "*" if i % 3 == 0 else f"arn:aws:s3:::data-{i}/*"
        arns.append(iam.create_policy(PolicyName=f"bench-policy-{i:04d}", PolicyDocument=doc([{"Effect": "Allow", "Action": action, "Resource": resource}]))["Policy"]["Arn"])
    for i in range(groups):
        iam.create_group(GroupName=f"bench-group-{i:04d}")
        iam.attach_group_policy(GroupName=f"bench-group-{i:04d}", PolicyArn=arns[i % len(arns)])
    for i in range(users):
        name = f"bench-user-{i:04d}"
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=doc([{"Effect": "Allow", "Action": "iam:CreateAccessKey" if i % 9 == 0 else "sqs:SendMessage", "Resource": "*"}]))
        if i % 5 == 0:
            iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        if i % 7 == 0:
            iam.create_login_profile(UserName=name, Password="Bench-Passw0rd!")
        if i % 3 == 0:
            iam.create_access_key(UserName=name)
        if groups:
            iam.add_user_to_group(GroupName=f"bench-group-{i % groups:04d}", UserName=name)
    for i in range(roles):
        name = f"bench-role-{i:04d}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName=name, PolicyArn=arns[i % len(arns)])
    return iam


def run(vigil, args, env):
    ops = tempfile.NamedTemporaryFile(delete=False)
    ops.close()
    t0 = time.monotonic()
    out = subprocess.run([vigil, *args], env={**env, "VIGIL_OPS_LOG": ops.name}, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if out.returncode != 0:
        sys.exit(f"vigil {' '.join(args)} failed:\n{out.stderr}")
    calls = collections.Counter(l.strip() for l in open(ops.name) if l.strip())
    os.unlink(ops.name)
    handler_ms = re.search(r"Wall: (\d+) ms", out.stdout)
    # The binary's own peak (VmHWM). getrusage(RUSAGE_CHILDREN) would also count this Python
    # process's memory, which a child has when it forks, before it execs vigil.
    rss = re.search(r"Peak RSS: ([0-9.]+) MiB", out.stdout)
    return {"wall_s": wall, "handler_ms": int(handler_ms.group(1)) if handler_ms else None, "calls": calls, "stdout": out.stdout,
            "rss_mb": float(rss.group(1)) if rss else float("nan")}


def run_event(vigil, event, env):
    """Runs `vigil event` on an event document."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(event, f)
    try:
        return run(vigil, ["event", f.name], env)
    finally:
        os.unlink(f.name)


def print_operations(runs):
    for label, r in runs:
        print(f"\n{label} operations: " + ", ".join(f"{k} {v}" for k, v in sorted(r["calls"].items())))


def print_time_in_calls(runs):
    """The run summary's time spent in each service's calls (summed over concurrent calls)."""
    for label, r in runs:
        line = next((l for l in r["stdout"].splitlines() if l.startswith("AWS calls:")), None)
        if line:
            print(f"{label}: {line}")


def print_event_summary(ev):
    summary = [l for l in ev["stdout"].splitlines() if l.startswith(("Findings", "Changes", "Alerts"))]
    print("event run: " + " | ".join(summary))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--buckets", type=int, default=500)
    ap.add_argument("--iam", type=int, default=0, help="also benchmark an IAM full scan of this many entities")
    ap.add_argument("--sgs", type=int, default=0, help="also benchmark an EC2/RDS full scan with this many security groups")
    ap.add_argument("--concurrency", default="16")
    a = ap.parse_args()
    moto, endpoint = start_moto()
    try:
        t0 = time.monotonic()
        topic, s3 = seed(endpoint, a.buckets)
        print(f"seeded {a.buckets} buckets in {time.monotonic() - t0:.1f} s (moto at {endpoint})")
        env = {"PATH": os.environ["PATH"], "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
               "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint, "TABLE_NAME": "vigil-findings",
               "TOPIC_ARN": topic, "AUDIT_CONCURRENCY": a.concurrency, "SERVICES": "s3"}
        if a.buckets:
            first = run(a.vigil, ["scan"], env)
            rss_mb = first["rss_mb"]
            second = run(a.vigil, ["scan"], env)
            target = "bench-0002"
            s3.put_bucket_policy(Bucket=target, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{target}/*"}]}))
            event = json.load(open(os.path.join(ROOT, "events/s3/PutBucketPolicy.json")))
            event["detail"]["requestParameters"]["bucketName"] = target
            ev = run_event(a.vigil, event, env)
            rss_all_mb = max(first["rss_mb"], second["rss_mb"], ev["rss_mb"])

            def calls_line(r, per=None):
                total = sum(r["calls"].values())
                s = f"{total} calls"
                if per:
                    s += f" ({total / per:.1f} per bucket)"
                return s

            print(f"\n| measurement | wall (process) | wall (handler) | AWS calls | peak RSS |")
            print(f"|---|---|---|---|---|")
            print(f"| full scan, {a.buckets} buckets, first run (all findings new) | {first['wall_s']:.2f} s | {first['handler_ms']} ms | {calls_line(first, a.buckets)} | {rss_mb:.1f} MiB |")
            print(f"| full scan, {a.buckets} buckets, steady state | {second['wall_s']:.2f} s | {second['handler_ms']} ms | {calls_line(second, a.buckets)} | |")
            print(f"| one PutBucketPolicy event (bucket turns public) | {ev['wall_s']:.3f} s | {ev['handler_ms']} ms | {calls_line(ev)} | {rss_all_mb:.1f} MiB (max of all runs) |")
            print_operations((("first full scan", first), ("steady-state full scan", second), ("PutBucketPolicy event", ev)))
            print_event_summary(ev)
        if a.iam:
            bench_iam(a, endpoint, {**env, "SERVICES": "iam"})
        if a.sgs:
            bench_network(a, endpoint, {**env, "SERVICES": "ec2,rds"})
    finally:
        moto.terminate()
        moto.wait()


def bench_iam(a, endpoint, env):
    t0 = time.monotonic()
    iam = seed_iam(endpoint, a.iam)
    print(f"\nseeded {a.iam} IAM entities in {time.monotonic() - t0:.1f} s")
    first = run(a.vigil, ["scan"], env)
    second = run(a.vigil, ["scan"], env)
    iam.attach_role_policy(RoleName="bench-role-0000", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    event = json.load(open(os.path.join(ROOT, "events/iam/AttachRolePolicy.json")))
    event["detail"]["requestParameters"] = {"roleName": "bench-role-0000", "policyArn": "arn:aws:iam::aws:policy/IAMFullAccess"}
    ev = run_event(a.vigil, event, env)
    total = lambda r: sum(r["calls"].values())
    iam_calls = lambda r: sum(v for k, v in r["calls"].items() if k.startswith("iam:"))
    print(f"\n| IAM measurement | wall (process) | wall (handler) | AWS calls (IAM calls) |")
    print(f"|---|---|---|---|")
    print(f"| full scan, {a.iam} entities, first run | {first['wall_s']:.2f} s | {first['handler_ms']} ms | {total(first)} ({iam_calls(first)}) |")
    print(f"| full scan, {a.iam} entities, steady state | {second['wall_s']:.2f} s | {second['handler_ms']} ms | {total(second)} ({iam_calls(second)}) |")
    print(f"| one AttachRolePolicy event | {ev['wall_s']:.3f} s | {ev['handler_ms']} ms | {total(ev)} ({iam_calls(ev)}) |")
    print_operations((("IAM first full scan", first), ("IAM AttachRolePolicy event", ev)))


def seed_network(endpoint, n):
    """A VPC with two public and two private subnets, n security groups (every 5th opens SSH to the
    world, every 7th opens 8443, the rest admit 10.0.0.0/8 only), two RDS instances, ten volumes."""
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")
    ec2, rds = boto3.client("ec2", **kw), boto3.client("rds", **kw)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(VpcId=vpc, InternetGatewayId=igw)
    public = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    subnets = []
    for i, az in enumerate(["us-east-1a", "us-east-1b", "us-east-1a", "us-east-1b"]):
        sn = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        if i < 2:
            ec2.associate_route_table(RouteTableId=public, SubnetId=sn)
        subnets.append(sn)
    groups = []
    for i in range(n):
        gid = ec2.create_security_group(GroupName=f"bench-sg-{i:04d}", Description="bench", VpcId=vpc)["GroupId"]
        port, cidr = (22, "0.0.0.0/0") if i % 5 == 0 else (8443, "0.0.0.0/0") if i % 7 == 0 else (5432, "10.0.0.0/8")
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}])
        groups.append(gid)
    for name, sns, public_db in (("bench-public", subnets[:2], True), ("bench-private", subnets[2:], False)):
        rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription=name, SubnetIds=sns)
        rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres", MasterUsername="app",
                               MasterUserPassword="bench-password-1", AllocatedStorage=20, DBSubnetGroupName=name,
                               PubliclyAccessible=public_db, StorageEncrypted=not public_db)
    for i in range(10):
        ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=i % 2 == 0)
    return ec2, groups


def bench_network(a, endpoint, env):
    t0 = time.monotonic()
    ec2, groups = seed_network(endpoint, a.sgs)
    print(f"\nseeded {a.sgs} security groups, 1 VPC (4 subnets), 2 RDS instances, 10 volumes in {time.monotonic() - t0:.1f} s")
    first = run(a.vigil, ["scan"], env)
    second = run(a.vigil, ["scan"], env)
    target = groups[1]
    ec2.authorize_security_group_ingress(GroupId=target, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    event = json.load(open(os.path.join(ROOT, "events/ec2/AuthorizeSecurityGroupIngress.json")))
    event["region"] = event["detail"]["awsRegion"] = "us-east-1"
    event["detail"]["requestParameters"]["groupId"] = target
    ev = run_event(a.vigil, event, env)
    total = lambda r: sum(r["calls"].values())
    reads = lambda r: sum(v for k, v in r["calls"].items() if k.startswith(("ec2:", "rds:")))
    print(f"\n| EC2/RDS measurement | wall (process) | wall (handler) | AWS calls (EC2+RDS calls) |")
    print(f"|---|---|---|---|")
    print(f"| full scan, {a.sgs} security groups, first run | {first['wall_s']:.2f} s | {first['handler_ms']} ms | {total(first)} ({reads(first)}) |")
    print(f"| full scan, {a.sgs} security groups, steady state | {second['wall_s']:.2f} s | {second['handler_ms']} ms | {total(second)} ({reads(second)}) |")
    print(f"| one AuthorizeSecurityGroupIngress event | {ev['wall_s']:.3f} s | {ev['handler_ms']} ms | {total(ev)} ({reads(ev)}) |")
    print_operations((("EC2/RDS first full scan", first), ("EC2/RDS steady-state full scan", second), ("AuthorizeSecurityGroupIngress event", ev)))
    print_time_in_calls((("\nEC2/RDS first full scan", first), ("EC2/RDS steady-state full scan", second)))
    print_event_summary(ev)


if __name__ == "__main__":
    main()
