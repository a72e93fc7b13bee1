//! The regional detectors against moto: GuardDuty, Security Hub, AWS Config and IAM Access
//! Analyzer off in one account and on in its hardened twin, and their events re-reading only the
//! region's own detector. moto has no Access Analyzer: the fault proxy answers ListAnalyzers
//! with the response AWS documents.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use vigil::aws::{CallRecorder, Clients};
use vigil::findings::Status;
use vigil::handler::{RunOptions, Vigil};

const DETECTORS: &[&str] = &["guardduty_not_enabled", "securityhub_not_enabled", "config_recorder_disabled", "accessanalyzer_not_enabled"];

fn through(w: &World, proxy: &Proxy) -> Vigil {
    let settings = w.only(&["guardduty", "securityhub", "config", "accessanalyzer"]);
    Vigil::new(settings, Clients::new(&sdk_config(&proxy.endpoint), CallRecorder::from_env()), ACCOUNT.to_string())
}

fn analyzers(list: Value) -> Value {
    json!({"service": "access-analyzer", "operation": "ListAnalyzers", "fault": "respond", "body": {"analyzers": list}})
}

async fn open(w: &World) -> BTreeSet<String> {
    w.items().await.into_iter().filter(|f| f.status == Status::Open && DETECTORS.contains(&f.check_id.as_str())).map(|f| f.check_id).collect()
}

fn in_region(file: &str) -> Value {
    let mut e = event(file);
    e["region"] = json!(REGION);
    e["detail"]["awsRegion"] = json!(REGION);
    e
}

#[tokio::test]
async fn detectors_off_are_found_and_on_are_not() {
    let w = World::new().await;
    let proxy = Proxy::start(&w.moto.endpoint);
    proxy.inject(json!([analyzers(json!([]))]));
    let vigil = through(&w, &proxy);
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    assert_eq!(open(&w).await, DETECTORS.iter().map(|s| s.to_string()).collect());
    let config = w.items().await.into_iter().find(|f| f.check_id == "config_recorder_disabled").unwrap();
    assert_eq!(config.resource_type.as_str(), "AWS::::AccountRegion");
    assert!(config.detail.contains("no configuration recorder"), "{}", config.detail);

    // The hardened twin: every detector on.
    let gd = aws_sdk_guardduty::Client::new(&w.sdk);
    let detector = gd.create_detector().enable(true).send().await.unwrap().detector_id.unwrap();
    aws_sdk_securityhub::Client::new(&w.sdk).enable_security_hub().send().await.unwrap();
    let cfg = aws_sdk_config::Client::new(&w.sdk);
    let group = aws_sdk_config::types::RecordingGroup::builder().all_supported(true).include_global_resource_types(true).build();
    let recorder = aws_sdk_config::types::ConfigurationRecorder::builder().name("default").role_arn(format!("arn:aws:iam::{ACCOUNT}:role/config")).recording_group(group).build();
    cfg.put_configuration_recorder().configuration_recorder(recorder).send().await.unwrap();
    bucket(&w.s3(), "config-history").await;
    let channel = aws_sdk_config::types::DeliveryChannel::builder().name("default").s3_bucket_name("config-history").build();
    cfg.put_delivery_channel().delivery_channel(channel).send().await.unwrap();
    cfg.start_configuration_recorder().configuration_recorder_name("default").send().await.unwrap();
    let active = json!([{"arn": format!("arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/account"), "name": "account", "type": "ACCOUNT", "status": "ACTIVE", "createdAt": "2026-11-01T00:00:00Z"}]);
    proxy.inject(json!([analyzers(active)]));
    let r = vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap();
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    assert_eq!(open(&w).await, BTreeSet::new(), "the hardened twin");

    // DeleteDetector: only the region's GuardDuty is read again, and the finding reopens.
    gd.delete_detector().detector_id(&detector).send().await.unwrap();
    let r = vigil.handle(&in_region("guardduty/DeleteDetector.json"), &RunOptions::default()).await.unwrap();
    assert_eq!(r.resources_audited, 1);
    let ops: BTreeSet<&str> = r.calls.operations.keys().map(String::as_str).filter(|o| !o.starts_with("dynamodb:") && !o.starts_with("sns:")).collect();
    assert_eq!(ops, ["guardduty:ListDetectors"].into_iter().collect());
    assert_eq!(open(&w).await, ["guardduty_not_enabled".to_string()].into_iter().collect());

    // StopConfigurationRecorder, DisableSecurityHub: each re-reads its own detector.
    cfg.stop_configuration_recorder().configuration_recorder_name("default").send().await.unwrap();
    let r = vigil.handle(&in_region("config/StopConfigurationRecorder.json"), &RunOptions::default()).await.unwrap();
    assert!(r.calls.operations.keys().all(|o| !o.starts_with("guardduty:")), "{:?}", r.calls.operations);
    let f = w.items().await.into_iter().find(|f| f.check_id == "config_recorder_disabled").unwrap();
    assert_eq!(f.status, Status::Open);
    assert!(f.detail.contains("not recording"), "{}", f.detail);
    aws_sdk_securityhub::Client::new(&w.sdk).disable_security_hub().send().await.unwrap();
    vigil.handle(&in_region("securityhub/DisableSecurityHub.json"), &RunOptions::default()).await.unwrap();
    assert!(open(&w).await.contains("securityhub_not_enabled"));
    proxy.inject(json!([analyzers(json!([]))]));
    vigil.handle(&in_region("access-analyzer/DeleteAnalyzer.json"), &RunOptions::default()).await.unwrap();
    assert!(open(&w).await.contains("accessanalyzer_not_enabled"));
}
