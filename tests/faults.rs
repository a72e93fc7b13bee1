//! Fault injection: a faulty HTTP proxy (`tests/faultproxy.py`) between vigil and moto, per
//! service and per operation. On an account seeded across S3, IAM, EC2 and RDS, under every fault
//! kind: no false RESOLVED, no lost or invented finding, no duplicate alert, no panic, and the run
//! summary names the failed operations; once the faults stop, the next scan converges to the
//! fault-free state. Also the named reliability cases that need real AWS shapes (a stale
//! credential report, a failed listing, a replayed delete, unparseable documents, a scope change).

mod common;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use vigil::aws::{CallRecorder, Clients};
use vigil::config::{Settings, TagMatch};
use vigil::engine::RunReport;
use vigil::findings::{Status, RESOLVED_OUT_OF_SCOPE};
use vigil::handler::{RunOptions, Vigil};

/// A world whose vigil talks to moto through the proxy, with short timeouts and quick retries so
/// slow responses and throttling play out in a test's time.
struct Faulty {
    world: World,
    proxy: Proxy,
}

impl Faulty {
    async fn new() -> Faulty {
        let world = World::new().await;
        let proxy = Proxy::start(&world.moto.endpoint);
        Faulty { world, proxy }
    }

    fn vigil(&self, settings: Settings) -> Vigil {
        let sdk = sdk_config(&self.proxy.endpoint)
            .into_builder()
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(1))
                    .operation_attempt_timeout(Duration::from_millis(800))
                    .operation_timeout(Duration::from_secs(4))
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(2).with_initial_backoff(Duration::from_millis(20)))
            .build();
        Vigil::new(settings, Clients::new(&sdk, CallRecorder::default()), ACCOUNT.to_string())
    }

    /// (resource, check) of every OPEN or SUPPRESSED finding.
    async fn active(&self) -> BTreeSet<(String, String)> {
        self.world.items().await.into_iter().filter(|f| f.status != Status::Resolved).map(|f| (f.resource_arn, f.check_id)).collect()
    }

    async fn resolved(&self) -> BTreeSet<(String, String)> {
        self.world.items().await.into_iter().filter(|f| f.status == Status::Resolved).map(|f| (f.resource_arn, f.check_id)).collect()
    }
}

/// Seeds one misconfiguration of each kind the services audit.
async fn seed(w: &World) {
    let s3 = w.s3();
    bucket(&s3, "faults-public").await;
    bucket_policy(&s3, "faults-public", public_read("faults-public")).await;
    bucket(&s3, "faults-clean").await;
    harden(&s3, "faults-clean").await;

    let iam = aws_sdk_iam::Client::new(&w.sdk);
    iam.create_user().user_name("faults-admin").send().await.unwrap();
    iam.create_login_profile().user_name("faults-admin").password("Not-a-real-password-1").send().await.unwrap();
    iam.attach_user_policy().user_name("faults-admin").policy_arn("arn:aws:iam::aws:policy/AdministratorAccess").send().await.unwrap();
    let trust = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]});
    iam.create_role().role_name("faults-partner").assume_role_policy_document(trust.to_string()).send().await.unwrap();
    let admin = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]});
    iam.create_policy().policy_name("faults-everything").policy_document(admin.to_string()).send().await.unwrap();

    let ec2 = aws_sdk_ec2::Client::new(&w.sdk);
    let vpc = ec2.create_vpc().cidr_block("10.40.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    let sg = ec2.create_security_group().group_name("faults-ssh").description("ssh").vpc_id(&vpc).send().await.unwrap().group_id.unwrap();
    open_to_world(&ec2, &sg, 22).await;
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.40.1.0/24", "us-east-1a"), ("10.40.2.0/24", "us-east-1b")] {
        let s = ec2.create_subnet().vpc_id(&vpc).cidr_block(cidr).availability_zone(az).send().await.unwrap();
        subnets.push(s.subnet.unwrap().subnet_id.unwrap());
    }

    let rds = aws_sdk_rds::Client::new(&w.sdk);
    rds.create_db_subnet_group()
        .db_subnet_group_name("faults-db")
        .db_subnet_group_description("db")
        .set_subnet_ids(Some(subnets))
        .send()
        .await
        .unwrap();
    rds.create_db_instance()
        .db_instance_identifier("faults-db")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("app")
        .master_user_password("not-a-real-password-1")
        .allocated_storage(20)
        .db_subnet_group_name("faults-db")
        .publicly_accessible(true)
        .storage_encrypted(false)
        .send()
        .await
        .unwrap();
}

async fn scan(v: &Vigil) -> RunReport {
    v.handle(&json!({"scan": "full"}), &RunOptions::default()).await.expect("a scan whose audited reads fail still succeeds")
}

const SERVICES: [&str; 4] = ["s3", "iam", "ec2", "rds"];

/// One operation per service whose failure leaves part of the account unread.
const ONE_OPERATION: [(&str, &str); 4] = [
    ("s3", "GetBucketPolicy"),
    ("iam", "GetAccountAuthorizationDetails"),
    ("ec2", "DescribeSecurityGroups"),
    ("rds", "DescribeDBInstances"),
];

const FAULTS: [&str; 8] = ["throttle", "server", "unavailable", "denied", "slow", "reset", "truncated", "malformed"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_kind_concludes_nothing_and_the_next_scan_converges() {
    let f = Faulty::new().await;
    seed(&f.world).await;
    let vigil = f.vigil(f.world.settings());
    let baseline = scan(&vigil).await;
    assert!(baseline.audit_errors.is_empty(), "{:?}", baseline.audit_errors);
    let open = f.active().await;
    for prefix in ["AWS::S3", "AWS::IAM", "AWS::EC2", "AWS::RDS"] {
        let items = f.world.items().await;
        assert!(items.iter().any(|i| i.resource_type.as_str().starts_with(prefix)), "the seed has a {prefix} finding");
    }
    let alerted = f.world.alerts().await.len();
    assert!(alerted > 0);
    let resolved = f.resolved().await;

    for fault in FAULTS {
        let rules = |ops: &[(&str, Option<&str>)]| -> Value {
            ops.iter().map(|(s, op)| json!({"service": s, "operation": op, "fault": fault, "seconds": 1.2})).collect()
        };
        let phases: [(&str, Value); 2] = [
            ("one operation per service", rules(&ONE_OPERATION.map(|(s, op)| (s, Some(op))))),
            ("every operation of every audited service", rules(&SERVICES.map(|s| (s, None)))),
        ];
        for (phase, rule) in phases {
            f.proxy.clear();
            f.proxy.inject(rule);
            let report = scan(&vigil).await;
            let hits = f.proxy.hits();
            f.proxy.clear();
            let what = format!("{fault} on {phase}");
            assert!(!hits.is_empty(), "{what}: the fault hit nothing");
            assert_eq!(f.active().await, open, "{what}: no finding lost or invented");
            assert_eq!(f.resolved().await, resolved, "{what}: nothing resolved without evidence");
            assert_eq!(f.world.alerts().await.len(), 0, "{what}: no duplicate alert");
            let failed: BTreeSet<String> = report.audit_errors.iter().map(|e| e.operation.to_string()).collect();
            for service in SERVICES {
                assert!(
                    failed.iter().any(|op| op.starts_with(&format!("{service}:"))),
                    "{what}: the summary names the failed {service} operations: {failed:?} (hits {hits:?})"
                );
            }
            assert!(report.audit_errors.iter().all(|e| !e.is_infrastructure()), "{what}: {:?}", report.audit_errors);
            assert!(!report.unsettled.is_empty() || !report.incomplete_types.is_empty(), "{what}");
        }
        let converged = scan(&vigil).await;
        assert!(converged.audit_errors.is_empty(), "after {fault}: {:?}", converged.audit_errors);
        assert_eq!(f.active().await, open, "after {fault}: converged");
        assert_eq!(f.world.alerts().await.len(), 0, "after {fault}: nothing to alert again");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vigils_own_store_and_topic_failing_fail_the_run_and_lose_no_alert() {
    let f = Faulty::new().await;
    seed(&f.world).await;
    let vigil = f.vigil(f.world.only(&["s3"]));
    scan(&vigil).await;
    let open = f.active().await;
    let first = f.world.alerts().await.len();
    assert!(first > 0);

    for fault in ["throttle", "server", "reset", "denied"] {
        f.proxy.inject(json!([{"service": "dynamodb", "fault": fault}]));
        let err = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.expect_err("the store is down");
        assert_eq!(err.is_retryable(), fault != "denied", "{fault}: {err}");
        f.proxy.clear();
        assert_eq!(f.active().await, open, "{fault}");
        assert_eq!(f.world.alerts().await.len(), 0, "{fault}: no duplicate alert");
    }

    // A new critical finding whose alert SNS refuses: the run fails, the alert stays pending, and
    // the next audit delivers it exactly once.
    let s3 = f.world.s3();
    bucket(&s3, "faults-late").await;
    bucket_policy(&s3, "faults-late", public_read("faults-late")).await;
    f.proxy.inject(json!([{"service": "sns", "fault": "unavailable"}]));
    assert!(vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.is_err());
    f.proxy.clear();
    assert_eq!(f.world.alerts().await.len(), 0);
    scan(&vigil).await;
    assert_eq!(f.world.alerts().await.len(), 1, "delivered once the topic is back");
    scan(&vigil).await;
    assert_eq!(f.world.alerts().await.len(), 0, "and never twice");
}

/// A user created after the credential report was generated is absent from it: absent is "not
/// read", never "no credentials", and an older report never overturns a newer read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_report_gap_never_resolves_a_newer_finding() {
    let f = Faulty::new().await;
    let vigil = f.vigil(f.world.only(&["iam"]));
    scan(&vigil).await;
    let iam = aws_sdk_iam::Client::new(&f.world.sdk);
    iam.create_user().user_name("late-admin").send().await.unwrap();
    iam.create_login_profile().user_name("late-admin").password("Not-a-real-password-1").send().await.unwrap();
    let mut created = event("iam/CreateLoginProfile.json");
    created["detail"]["requestParameters"]["userName"] = json!("late-admin");
    vigil.handle(&created, &RunOptions::default()).await.unwrap();
    let check = "iam_user_console_no_mfa";
    assert_eq!(f.world.item("late-admin", check).await.map(|i| i.status), Some(Status::Open));

    // IAM serves the report it generated three hours ago, before the user existed.
    f.proxy.inject(json!([{"service": "iam", "operation": "GetCredentialReport", "fault": "stale_report", "users": ["late-admin"], "hours": 3}]));
    let report = scan(&vigil).await;
    assert!(report.audit_errors.is_empty(), "{:?}", report.audit_errors);
    assert_eq!(f.world.item("late-admin", check).await.map(|i| i.status), Some(Status::Open), "read one by one, still failing");

    // The event's read is newer than any report: a fresh scan agrees, and nothing was resolved.
    f.proxy.clear();
    scan(&vigil).await;
    assert_eq!(f.world.item("late-admin", check).await.map(|i| i.status), Some(Status::Open));
}

/// A listing that fails with a not-found code (of any kind) is a failed listing: no sweep.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_listing_with_a_not_found_code_sweeps_nothing() {
    let f = Faulty::new().await;
    seed(&f.world).await;
    let vigil = f.vigil(f.world.only(&["ec2", "rds"]));
    scan(&vigil).await;
    let open = f.active().await;
    f.proxy.inject(json!([
        {"service": "ec2", "operation": "DescribeSecurityGroups", "fault": "error", "status": 400, "code": "InvalidGroup.NotFound"},
        {"service": "rds", "operation": "DescribeDBInstances", "fault": "error", "status": 404, "code": "DBInstanceNotFound"},
    ]));
    let report = scan(&vigil).await;
    assert!(!report.incomplete_types.is_empty(), "{report:?}");
    assert_eq!(f.active().await, open, "nothing swept");
}

/// A delayed or replayed delete event for a resource that exists is audited, not trusted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_delete_event_never_resolves_an_existing_resource() {
    let f = Faulty::new().await;
    seed(&f.world).await;
    let vigil = f.vigil(f.world.settings());
    scan(&vigil).await;
    let open = f.active().await;
    let deletes = [
        s3_event("DeleteBucket", "faults-public"),
        {
            let mut e = event("iam/DeleteUser.json");
            e["detail"]["requestParameters"]["userName"] = json!("faults-admin");
            e
        },
        {
            let mut e = event("iam/DeletePolicy.json");
            e["detail"]["requestParameters"]["policyArn"] = json!(format!("arn:aws:iam::{ACCOUNT}:policy/faults-everything"));
            e
        },
    ];
    for e in &deletes {
        let r = vigil.handle(e, &RunOptions::default()).await.unwrap();
        assert_eq!(r.resources_deleted, 0, "{r:?}");
    }
    assert_eq!(f.active().await, open);
    // Truly deleted: the same event resolves the findings as deleted.
    let s3 = f.world.s3();
    s3.delete_bucket_policy().bucket("faults-public").send().await.unwrap();
    s3.delete_bucket().bucket("faults-public").send().await.unwrap();
    let r = vigil.handle(&deletes[0], &RunOptions::default()).await.unwrap();
    assert_eq!(r.resources_deleted, 1);
}

/// Documents that cannot be parsed, and a policy version that vanished mid-read, are audit
/// errors that keep the findings; never deletions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unparseable_or_vanishing_policy_versions_keep_their_findings() {
    let f = Faulty::new().await;
    seed(&f.world).await;
    let vigil = f.vigil(f.world.only(&["iam"]));
    scan(&vigil).await;
    let open = f.active().await;
    let policy = format!("arn:aws:iam::{ACCOUNT}:policy/faults-everything");
    assert!(open.iter().any(|(arn, _)| *arn == policy), "{open:?}");

    // Every managed policy version document in the listing is garbage.
    f.proxy.inject(json!([{"service": "iam", "operation": "GetAccountAuthorizationDetails", "fault": "rewrite",
        "find": "<Document>[^<]*</Document>", "replace": "<Document>%7Bnot-json</Document>"}]));
    let report = scan(&vigil).await;
    assert!(report.audit_errors.iter().any(|e| e.resource == policy), "{:?}", report.audit_errors);
    assert!(report.unsettled.contains(&policy));
    assert_eq!(f.active().await, open, "kept, not swept");

    // A CreatePolicyVersion event whose GetPolicyVersion finds the version gone (replaced again).
    f.proxy.inject(json!([{"service": "iam", "operation": "GetPolicyVersion", "fault": "error", "status": 404, "code": "NoSuchEntity"}]));
    let mut changed = event("iam/CreatePolicyVersion.json");
    changed["detail"]["requestParameters"]["policyArn"] = json!(policy);
    let r = vigil.handle(&changed, &RunOptions::default()).await;
    assert!(r.is_ok() || r.as_ref().is_err_and(|e| !e.is_retryable()), "{:?}", r.as_ref().err().map(ToString::to_string));
    assert_eq!(f.active().await, open, "a vanished version is not a deleted policy");
}

/// A resource that leaves scope has its findings resolved as out of scope, without an alert; back
/// in scope, they reopen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_scope_closes_findings_and_coming_back_reopens_them() {
    let f = Faulty::new().await;
    seed(&f.world).await;
    let vigil = f.vigil(f.world.only(&["s3"]));
    scan(&vigil).await;
    f.world.alerts().await;
    let scoped = Settings { scope_tag: Some(TagMatch { key: "audit".into(), value: "yes".into() }), ..f.world.only(&["s3"]) };
    let narrowed = f.vigil(scoped);
    scan(&narrowed).await;
    let item = f.world.item("faults-public", "s3_bucket_public_policy").await.unwrap();
    assert_eq!((item.status, item.resolution.as_deref()), (Status::Resolved, Some(RESOLVED_OUT_OF_SCOPE)));
    assert_eq!(f.world.alerts().await.len(), 0, "leaving scope never alerts");
    tag(&f.world.s3(), "faults-public", "audit", "yes").await;
    scan(&narrowed).await;
    assert_eq!(f.world.item("faults-public", "s3_bucket_public_policy").await.unwrap().status, Status::Open);
}

/// Answers that lack what a conclusion needs are failed reads, never evidence: a policy without
/// its default version id, a credential report without its content, a listed security group
/// without its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_missing_what_a_conclusion_needs_conclude_nothing() {
    let f = Faulty::new().await;
    seed(&f.world).await;
    let vigil = f.vigil(f.world.settings());
    scan(&vigil).await;
    let open = f.active().await;

    // Before, a missing DefaultVersionId read version v1, whatever the default was.
    f.proxy.inject(json!([{"service": "iam", "operation": "GetPolicy", "fault": "rewrite",
        "find": "<DefaultVersionId>[^<]*</DefaultVersionId>", "replace": ""}]));
    let mut changed = event("iam/CreatePolicyVersion.json");
    changed["detail"]["requestParameters"]["policyArn"] = json!(format!("arn:aws:iam::{ACCOUNT}:policy/faults-everything"));
    let r = vigil.handle(&changed, &RunOptions::default()).await.expect("a malformed answer is not worth a retry");
    assert!(r.audit_errors.iter().any(|e| e.message.contains("DefaultVersionId")), "{:?}", r.audit_errors);
    assert_eq!(f.active().await, open);

    // Before, a report without content read as "no user has credentials".
    f.proxy.inject(json!([
        {"service": "iam", "operation": "GetCredentialReport", "fault": "rewrite", "find": "<Content>[^<]*</Content>", "replace": ""},
        {"service": "ec2", "operation": "DescribeSecurityGroups", "fault": "rewrite", "find": "<groupId>[^<]*</groupId>", "replace": "", "times": 1},
    ]));
    let report = scan(&vigil).await;
    f.proxy.clear();
    let failed: BTreeSet<String> = report.audit_errors.iter().map(|e| e.operation.to_string()).collect();
    assert!(failed.contains("iam:GetCredentialReport"), "{failed:?}");
    assert!(failed.contains("ec2:DescribeSecurityGroups"), "{failed:?}");
    assert!(report.incomplete_types.iter().any(|t| t.as_str() == "AWS::EC2::SecurityGroup"), "{:?}", report.incomplete_types);
    assert_eq!(f.active().await, open, "nothing resolved, nothing swept");
}
