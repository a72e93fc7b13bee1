//! S3 audit against moto: exact findings, lifecycle, focused event re-reads, deletions, scope,
//! dry run and failed reads.

mod common;

use common::*;
use serde_json::json;
use std::collections::BTreeSet;
use vigil::findings::{Status, RESOLVED_DELETED, RESOLVED_PASSED};

const T1: &str = "2026-11-01T10:00:00Z";
const T2: &str = "2026-11-01T11:00:00Z";
const T3: &str = "2026-11-01T12:00:00Z";
const T4: &str = "2026-11-01T13:00:00Z";

async fn seed_mixed_account(w: &World) {
    let s3 = w.s3();
    bucket(&s3, "open-policy").await;
    bucket_policy(&s3, "open-policy", public_read("open-policy")).await;

    bucket(&s3, "open-acl").await;
    s3.put_bucket_acl().bucket("open-acl").acl(aws_sdk_s3::types::BucketCannedAcl::PublicRead).send().await.unwrap();

    bucket(&s3, "clean").await;
    harden(&s3, "clean").await;

    for (name, account) in [("partner-share", "222222222222"), ("trusted-share", "999999999999")] {
        bucket(&s3, name).await;
        harden(&s3, name).await;
        let mut policy = tls_only(name);
        policy["Statement"].as_array_mut().unwrap().push(json!({"Sid":"Partner","Effect":"Allow",
            "Principal":{"AWS":format!("arn:aws:iam::{account}:root")},"Action":"s3:GetObject","Resource":format!("arn:aws:s3:::{name}/*")}));
        bucket_policy(&s3, name, policy).await;
    }

    bucket(&s3, "sse-s3-only").await;
    harden(&s3, "sse-s3-only").await;
    default_encryption(&s3, "sse-s3-only", aws_sdk_s3::types::ServerSideEncryption::Aes256).await;

    bucket(&s3, "break-glass").await;
    bucket_policy(&s3, "break-glass", public_read("break-glass")).await;
    tag(&s3, "break-glass", "EmergencyAccess", "true").await;

    let eu = w.s3_in("eu-west-1");
    eu.create_bucket()
        .bucket("eu-archive")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    harden(&eu, "eu-archive").await;
    eu.put_bucket_acl().bucket("eu-archive").acl(aws_sdk_s3::types::BucketCannedAcl::PublicRead).send().await.unwrap();
}

/// The hygiene checks (MFA delete, access logging, the account's Block Public Access), judged in
/// `hygiene_audit.rs` and left out of this file's exact sets.
const HYGIENE: &[&str] = &["s3_bucket_mfa_delete_disabled", "s3_bucket_access_logging_disabled", "s3_account_public_access_block_off"];

fn state(items: &[vigil::findings::Finding]) -> BTreeSet<(String, String, Status)> {
    items.iter().filter(|f| !HYGIENE.contains(&f.check_id.as_str())).map(|f| (f.resource_id.clone(), f.check_id.clone(), f.status)).collect()
}

fn set(rows: &[(&str, &str, Status)]) -> BTreeSet<(String, String, Status)> {
    rows.iter().map(|(b, c, s)| (b.to_string(), c.to_string(), *s)).collect()
}

const WEAK: &[&str] = &[
    "s3_bucket_public_access_block_off",
    "s3_bucket_default_encryption_not_kms",
    "s3_bucket_versioning_disabled",
    "s3_bucket_tls_not_enforced",
];

#[tokio::test]
async fn full_scan_finds_exactly_the_seeded_misconfigurations() {
    let w = World::new().await;
    seed_mixed_account(&w).await;
    let mut settings = w.s3_settings();
    settings.trusted_account_ids.insert("999999999999".into());
    settings.regions = vec!["us-east-1".into(), "eu-west-1".into()];
    let report = w.vigil(settings).handle(&json!({"scan":"full"}), &at(T1)).await.unwrap();

    let mut expected = Vec::new();
    for b in ["open-policy", "open-acl"] {
        for c in WEAK {
            expected.push((b, *c, Status::Open));
        }
    }
    expected.push(("open-policy", "s3_bucket_public_policy", Status::Open));
    expected.push(("open-acl", "s3_bucket_public_acl", Status::Open));
    expected.push(("partner-share", "s3_bucket_cross_account_unconditioned", Status::Open));
    expected.push(("sse-s3-only", "s3_bucket_default_encryption_not_kms", Status::Open));
    expected.push(("eu-archive", "s3_bucket_public_acl", Status::Open));
    for c in WEAK.iter().chain(["s3_bucket_public_policy"].iter()) {
        expected.push(("break-glass", *c, Status::Suppressed));
    }
    assert_eq!(state(&w.items().await), set(&expected));
    assert_eq!(state(&report.findings), set(&expected), "the run reports what it stored");
    assert!(report.audit_errors.is_empty(), "{:?}", report.audit_errors);
    assert_eq!(report.resources_audited, 9, "eight buckets and the account");

    let eu = w.item("eu-archive", "s3_bucket_public_acl").await.unwrap();
    assert_eq!(eu.region, "eu-west-1", "each bucket is read in its own region");
    let detail = w.item("open-policy", "s3_bucket_public_policy").await.unwrap().detail;
    assert!(detail.contains("\"PublicRead\""), "detail names the statement: {detail}");

    let alerts = w.alerts().await;
    let alerted: BTreeSet<(String, String)> = alerts
        .iter()
        .map(|a| (a["resource_id"].as_str().unwrap().to_string(), a["check_id"].as_str().unwrap().to_string()))
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("open-policy", "s3_bucket_public_policy"),
        ("open-acl", "s3_bucket_public_acl"),
        ("eu-archive", "s3_bucket_public_acl"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(alerted, want, "only CRITICAL, only non-exempt");
    let a = &alerts[0];
    assert!(a["_subject"].as_str().unwrap().len() <= 100);
    assert!(a["text"].as_str().unwrap().contains("How to fix"));
    for key in ["severity", "check_id", "resource_type", "account_id"] {
        assert!(a["_attributes"][key]["Value"].is_string(), "message attribute {key} missing: {}", a["_attributes"]);
    }
    assert!(w.items().await.iter().all(|f| !f.alert_pending), "delivered alerts are no longer pending");
}

#[tokio::test]
async fn lifecycle_new_still_open_resolved_reopened_duplicate_and_stale() {
    let w = World::new().await;
    let s3 = w.s3();
    bucket(&s3, "site").await;
    harden(&s3, "site").await;
    bucket_policy(&s3, "site", public_read("site")).await;
    let vigil = w.vigil(w.s3_settings());

    vigil.handle(&json!({"scan":"full"}), &at(T1)).await.unwrap();
    let first = w.item("site", "s3_bucket_public_policy").await.unwrap();
    assert_eq!(first.status, Status::Open);
    assert_eq!(w.alerts().await.len(), 1, "new critical finding alerts once");

    vigil.handle(&json!({"scan":"full"}), &at(T2)).await.unwrap();
    let second = w.item("site", "s3_bucket_public_policy").await.unwrap();
    assert_eq!(second.first_seen, first.first_seen, "first_seen never changes");
    // Unchanged an hour later: reported, not rewritten (last_seen is refreshed once a day).
    assert_eq!(second, first, "an unchanged failure is not rewritten");
    assert!(w.alerts().await.is_empty(), "staying open never re-alerts");

    bucket_policy(&s3, "site", tls_only("site")).await;
    vigil.handle(&s3_event("PutBucketPolicy", "site"), &at(T3)).await.unwrap();
    let resolved = w.item("site", "s3_bucket_public_policy").await.unwrap();
    assert_eq!(resolved.status, Status::Resolved);
    assert_eq!(resolved.resolution.as_deref(), Some(RESOLVED_PASSED));
    assert!(resolved.expires_at.is_some(), "resolved items get a TTL");

    bucket_policy(&s3, "site", public_read("site")).await;
    let event = s3_event("PutBucketPolicy", "site");
    vigil.handle(&event, &at(T4)).await.unwrap();
    let reopened = w.item("site", "s3_bucket_public_policy").await.unwrap();
    assert_eq!(reopened.status, Status::Open);
    assert_eq!(reopened.first_seen, first.first_seen);
    assert_eq!(reopened.opened_at, "2026-11-01T13:00:00.000Z");
    let alerts = w.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["transition"], "reopened");

    // The same event delivered again: no transition, no alert.
    let dup = vigil.handle(&event, &at(T4)).await.unwrap();
    assert!(dup.transitions.is_empty(), "{:?}", dup.transitions);
    let dup_later = vigil.handle(&event, &at("2026-11-01T13:00:05Z")).await.unwrap();
    assert!(dup_later.alerts.is_empty());
    assert!(w.alerts().await.is_empty(), "a duplicated event alerts once");

    // An older observation arriving late never overwrites the newer one.
    bucket_policy(&s3, "site", tls_only("site")).await;
    let stale = vigil.handle(&event, &at(T2)).await.unwrap();
    assert!(stale.transitions.is_empty());
    let after = w.item("site", "s3_bucket_public_policy").await.unwrap();
    assert_eq!(after.status, Status::Open);
    assert_eq!(after.observed_at, "2026-11-01T13:00:00.000Z", "the duplicate five seconds later wrote nothing");
}

#[tokio::test]
async fn policy_event_rereads_only_the_policy() {
    let w = World::new().await;
    let s3 = w.s3();
    bucket(&s3, "reports").await;
    let vigil = w.vigil(w.s3_settings());
    vigil.handle(&json!({"scan":"full"}), &at(T1)).await.unwrap();
    w.alerts().await;

    bucket_policy(&s3, "reports", public_read("reports")).await;
    let report = vigil.handle(&s3_event("PutBucketPolicy", "reports"), &at(T2)).await.unwrap();
    let ops: BTreeSet<&str> = report.calls.operations.keys().map(String::as_str).collect();
    let s3_ops: BTreeSet<&str> = ops.iter().copied().filter(|o| o.starts_with("s3:")).collect();
    assert_eq!(s3_ops, BTreeSet::from(["s3:GetBucketTagging", "s3:GetBucketPolicy"]), "{ops:?}");
    assert!(report.calls.total() <= 8, "{:?}", report.calls.operations);
    assert_eq!(report.evaluated, 3, "only the policy checks are evaluated");
    let versioning = w.item("reports", "s3_bucket_versioning_disabled").await.unwrap();
    assert_eq!(versioning.observed_at, "2026-11-01T10:00:00.000Z", "checks not re-read are left alone");
    assert_eq!(w.alerts().await.len(), 1);
}

#[tokio::test]
async fn deleted_buckets_resolve_by_event_and_by_full_scan() {
    let w = World::new().await;
    let s3 = w.s3();
    for b in ["old-logs", "tmp-export"] {
        bucket(&s3, b).await;
    }
    let vigil = w.vigil(w.s3_settings());
    vigil.handle(&json!({"scan":"full"}), &at(T1)).await.unwrap();
    // Six per bucket, and the account's Block Public Access.
    assert_eq!(w.items().await.len(), 13);

    s3.delete_bucket().bucket("old-logs").send().await.unwrap();
    let r = vigil.handle(&s3_event("DeleteBucket", "old-logs"), &at(T2)).await.unwrap();
    assert_eq!(r.resources_deleted, 1);
    for f in w.items().await.iter().filter(|f| f.resource_id == "old-logs") {
        assert_eq!(f.status, Status::Resolved);
        assert_eq!(f.resolution.as_deref(), Some(RESOLVED_DELETED));
    }

    // Deleted without an event reaching us: the next full scan notices.
    s3.delete_bucket().bucket("tmp-export").send().await.unwrap();
    vigil.handle(&json!({"scan":"full"}), &at(T3)).await.unwrap();
    assert!(w.items().await.iter().filter(|f| f.resource_type == vigil::services::s3::BUCKET).all(|f| f.status == Status::Resolved));

    // An event about a bucket that is already gone resolves instead of failing.
    let r = vigil.handle(&s3_event("PutBucketAcl", "never-existed"), &at(T4)).await.unwrap();
    assert_eq!(r.resources_deleted, 1);
    assert!(r.audit_errors.is_empty());
}

#[tokio::test]
async fn scope_filters_skip_resources() {
    let w = World::new().await;
    let s3 = w.s3();
    for b in ["api-prod", "api-dev", "tagged"] {
        bucket(&s3, b).await;
    }
    tag(&s3, "tagged", "env", "prod").await;
    let mut settings = w.s3_settings();
    settings.scope_name_suffix = Some("-prod".into());
    let r = w.vigil(settings).handle(&json!({"scan":"full"}), &at(T1)).await.unwrap();
    assert_eq!((r.resources_audited, r.resources_skipped), (2, 2), "api-prod and the account");
    assert!(w.items().await.iter().all(|f| f.resource_id == "api-prod" || f.resource_id == ACCOUNT));

    let mut settings = w.s3_settings();
    settings.scope_tag = Some(vigil::config::TagMatch { key: "env".into(), value: "prod".into() });
    let r = w.vigil(settings).handle(&json!({"scan":"full"}), &at(T2)).await.unwrap();
    assert_eq!((r.resources_audited, r.resources_skipped), (2, 2), "tagged and the account");
    assert!(r.findings.iter().all(|f| f.resource_id == "tagged" || f.resource_id == ACCOUNT));
}

#[tokio::test]
async fn dry_run_writes_and_publishes_nothing() {
    let w = World::new().await;
    let s3 = w.s3();
    public_bucket(&s3, "open").await;
    let mut settings = w.s3_settings();
    settings.dry_run = true;
    let r = w.vigil(settings).handle(&json!({"scan":"full"}), &at(T1)).await.unwrap();
    // Seven for the bucket, and the account's Block Public Access (off in moto).
    assert_eq!(r.findings.len(), 8);
    assert_eq!(r.alerts.len(), 1, "the alert that would be sent is reported");
    assert_eq!(r.alerts_sent, 0);
    assert!(w.items().await.is_empty());
    assert!(w.alerts().await.is_empty());
}

#[tokio::test]
async fn failed_reads_never_resolve_anything() {
    let w = World::new().await;
    let s3 = w.s3();
    public_bucket(&s3, "open").await;
    w.vigil(w.s3_settings()).handle(&json!({"scan":"full"}), &at(T1)).await.unwrap();
    let before = w.items().await;
    assert_eq!(before.iter().filter(|f| f.status == Status::Open && !HYGIENE.contains(&f.check_id.as_str())).count(), 5);
    // Fix the bucket, then audit with S3 unreachable: nothing may be concluded.
    harden(&s3, "open").await;
    let dead_s3 = format!("http://127.0.0.1:{}", free_port());
    let broken = [("AWS_ENDPOINT_URL_S3", dead_s3.as_str()), ("AWS_MAX_ATTEMPTS", "2"), ("SERVICES", "s3")];

    let (ok, out, err) = cli(&w, &["scan", "--as-of", T2], &broken);
    assert!(ok, "a full scan with a failed listing still completes: {err}");
    assert!(out.contains("Audit errors: 1"), "{out}");
    assert!(out.contains("Incomplete listing"), "{out}");

    let (ok, _, err) = cli(&w, &["audit", "arn:aws:s3:::open", "--as-of", T2], &broken);
    assert!(!ok, "an unreadable resource on an event run is a retryable failure");
    assert_eq!(
        err,
        format!("error: cannot reach AWS at {dead_s3} (s3:GetBucketLocation): check the network connection, a proxy, or AWS_ENDPOINT_URL_S3\n")
    );

    // The bucket's findings; the account's Block Public Access is read through S3 Control, which
    // still answers.
    let buckets = |items: Vec<vigil::findings::Finding>| items.into_iter().filter(|f| f.resource_type == vigil::services::s3::BUCKET).collect::<Vec<_>>();
    assert_eq!(buckets(w.items().await), buckets(before), "no finding of the bucket changed");

    // Once S3 answers again the fix is recognised.
    let (ok, out, err) = cli(&w, &["audit", "arn:aws:s3:::open", "--as-of", T3, "--format", "json"], &[("SERVICES", "s3")]);
    assert!(ok, "{err}");
    let findings: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 2, "MFA delete and access logging stay off: {out}");
    assert!(w.items().await.iter().filter(|f| f.resource_type == vigil::services::s3::BUCKET && !HYGIENE.contains(&f.check_id.as_str())).all(|f| f.status == Status::Resolved));
}

#[tokio::test]
async fn open_findings_by_severity_newest_first_without_a_scan() {
    let w = World::new().await;
    let s3 = w.s3();
    let vigil = w.vigil(w.s3_settings());
    bucket(&s3, "older").await;
    bucket_policy(&s3, "older", public_read("older")).await;
    vigil.handle(&json!({"scan":"full"}), &at(T1)).await.unwrap();
    bucket(&s3, "newer").await;
    bucket_policy(&s3, "newer", public_read("newer")).await;
    vigil.handle(&s3_event("CreateBucket", "newer"), &at(T2)).await.unwrap();

    let store = vigil.store().unwrap();
    let critical = store.by_status_severity(Status::Open, vigil::model::Severity::Critical, None).await.unwrap();
    let order: Vec<&str> = critical.iter().map(|f| f.resource_id.as_str()).collect();
    assert_eq!(order, ["newer", "older"]);
    let limited = store.by_status_severity(Status::Open, vigil::model::Severity::Critical, Some(1)).await.unwrap();
    assert_eq!(limited.len(), 1);

    let (ok, out, err) = cli(&w, &["findings", "--status", "open", "--severity", "critical", "--format", "json"], &[]);
    assert!(ok, "{err}");
    let listed: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|f| f["severity"] == "CRITICAL" && f["status"] == "OPEN"));
    let (ok, out, _) = cli(&w, &["findings", "--severity", "medium"], &[]);
    assert!(ok && out.contains("s3_bucket_versioning_disabled"), "{out}");

    let (ok, _, err) = cli(&w, &["scan"], &[("ALERT_MIN_SEVERITY", "urgent")]);
    assert!(!ok);
    assert!(err.contains("ALERT_MIN_SEVERITY"), "invalid settings name the variable: {err}");
}
