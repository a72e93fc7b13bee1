//! CloudTrail against moto: a seeded account with a stopped trail and an unhardened one gets
//! exactly the expected findings, a hardened twin gets none, and trail events re-read only the
//! trail they name and the account's coverage; StopLogging on the only multi-region trail alerts.

mod common;

use aws_sdk_cloudtrail::types::{DataResource, EventSelector, ReadWriteType};
use aws_sdk_cloudtrail::Client;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use vigil::findings::Status;
use vigil::handler::RunOptions;

fn open(items: &[vigil::findings::Finding]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .filter(|f| f.status == Status::Open && f.check_id.starts_with("cloudtrail_"))
        .map(|f| (f.resource_id.clone(), f.check_id.clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter().map(|(r, c)| (r.to_string(), c.to_string())).collect()
}

/// A committed CloudTrail event sample, pointed at `trail` in the test region.
fn trail_event(name: &str, trail: &str) -> Value {
    let mut e = event(&format!("cloudtrail/{name}.json"));
    let arn = format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{trail}");
    e["region"] = json!(REGION);
    e["detail"]["awsRegion"] = json!(REGION);
    e["detail"]["requestParameters"]["name"] = json!(arn);
    e
}

#[tokio::test]
async fn seeded_trails_get_exactly_their_findings() {
    let w = World::new().await;
    let s3 = w.s3();
    bucket(&s3, "trail-logs").await;
    let ct = Client::new(&w.sdk);
    ct.create_trail().name("stopped").s3_bucket_name("trail-logs").is_multi_region_trail(true).send().await.unwrap();
    ct.create_trail().name("plain").s3_bucket_name("trail-logs").send().await.unwrap();
    ct.start_logging().name("plain").send().await.unwrap();

    let vigil = w.vigil(w.only(&["cloudtrail"]));
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    let per_trail = ["cloudtrail_log_file_validation_disabled", "cloudtrail_not_encrypted_with_kms", "cloudtrail_cloudwatch_logs_missing", "cloudtrail_bucket_access_logging_disabled"];
    let mut want: Vec<(&str, &str)> = per_trail.iter().flat_map(|c| [("stopped", *c), ("plain", *c)]).collect();
    want.extend([
        ("stopped", "cloudtrail_trail_not_logging"),
        (ACCOUNT, "cloudtrail_multi_region_trail_missing"),
        (ACCOUNT, "cloudtrail_s3_object_write_events_missing"),
        (ACCOUNT, "cloudtrail_s3_object_read_events_missing"),
    ]);
    assert_eq!(open(&w.items().await), pairs(&want));
    let f = w.item(ACCOUNT, "cloudtrail_multi_region_trail_missing").await.unwrap();
    assert!(f.detail.contains("stopped (not logging") && f.detail.contains("plain (single-region"), "{}", f.detail);
}

#[tokio::test]
async fn a_hardened_twin_has_no_finding_and_stop_logging_alerts_once() {
    let w = World::new().await;
    let s3 = w.s3();
    bucket(&s3, "trail-logs").await;
    bucket(&s3, "access-logs").await;
    let delivery = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::access-logs/*"}]});
    bucket_policy(&s3, "access-logs", delivery).await;
    let logging = aws_sdk_s3::types::BucketLoggingStatus::builder()
        .logging_enabled(aws_sdk_s3::types::LoggingEnabled::builder().target_bucket("access-logs").target_prefix("trail-logs/").build().unwrap())
        .build();
    s3.put_bucket_logging().bucket("trail-logs").bucket_logging_status(logging).send().await.unwrap();
    let kms = aws_sdk_kms::Client::new(&w.sdk);
    let key = kms.create_key().send().await.unwrap().key_metadata.unwrap().arn.unwrap();
    let ct = Client::new(&w.sdk);
    ct.create_trail()
        .name("main")
        .s3_bucket_name("trail-logs")
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .kms_key_id(&key)
        .cloud_watch_logs_log_group_arn(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:trail:*"))
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/trail-to-logs"))
        .send()
        .await
        .unwrap();
    let every_bucket = DataResource::builder().r#type("AWS::S3::Object").values("arn:aws:s3").build();
    let all = EventSelector::builder().read_write_type(ReadWriteType::All).include_management_events(true).data_resources(every_bucket).build();
    ct.put_event_selectors().trail_name("main").event_selectors(all).send().await.unwrap();
    ct.start_logging().name("main").send().await.unwrap();

    let vigil = w.vigil(w.only(&["cloudtrail"]));
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    assert_eq!(open(&w.items().await), BTreeSet::new(), "the hardened twin");
    assert!(r.evaluated >= 8, "every check judged: {}", r.evaluated);

    // StopLogging on the only multi-region trail: one event, the trail and the account re-read,
    // and the CRITICAL finding alerts at once.
    ct.stop_logging().name("main").send().await.unwrap();
    let r = vigil.handle(&trail_event("StopLogging", "main"), &RunOptions::default()).await.unwrap();
    assert_eq!((r.kind.as_str(), r.resources_audited), ("resources", 2), "the trail and the account");
    assert_eq!(open(&w.items().await), pairs(&[("main", "cloudtrail_trail_not_logging"), (ACCOUNT, "cloudtrail_multi_region_trail_missing"), (ACCOUNT, "cloudtrail_s3_object_write_events_missing"), (ACCOUNT, "cloudtrail_s3_object_read_events_missing")]));
    let alerts = w.alerts().await;
    assert_eq!(alerts.iter().map(|a| a["check_id"].as_str().unwrap()).collect::<Vec<_>>(), ["cloudtrail_trail_not_logging"]);
    let again = vigil.handle(&trail_event("StopLogging", "main"), &RunOptions::default()).await.unwrap();
    assert!(again.alerts.is_empty(), "never twice");

    // StartLogging settles it; DeleteTrail resolves the trail's findings and reopens the account's.
    ct.start_logging().name("main").send().await.unwrap();
    vigil.handle(&trail_event("StartLogging", "main"), &RunOptions::default()).await.unwrap();
    assert_eq!(open(&w.items().await), BTreeSet::new());
    ct.delete_trail().name("main").send().await.unwrap();
    let r = vigil.handle(&trail_event("DeleteTrail", "main"), &RunOptions::default()).await.unwrap();
    assert_eq!(r.resources_deleted, 1, "{r:?}");
    assert!(open(&w.items().await).contains(&(ACCOUNT.to_string(), "cloudtrail_multi_region_trail_missing".to_string())));
}
