//! The transition sinks end to end on moto: Security Hub (`SECURITY_HUB=on`) and EventBridge
//! (`EVENT_BUS`) receive every lifecycle transition (new, suppressed, resolved, reopened), a
//! throttled import is retried by the next audit and loses nothing, and a transition owed for a
//! resource that no longer exists is still delivered.
//!
//! moto has no `BatchUpdateFindings`: the fault proxy answers it with the response AWS documents,
//! and the test checks the request vigil sent.

mod common;

use aws_sdk_eventbridge::types::Target;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;
use vigil::aws::{CallRecorder, Clients};
use vigil::config::Settings;
use vigil::findings::Status;
use vigil::handler::{RunOptions, Vigil};

const BUS: &str = "vigil-findings";
const CHECK: &str = "s3_bucket_public_policy";

struct Sinks {
    world: World,
    proxy: Proxy,
    hub: aws_sdk_securityhub::Client,
    queue_url: String,
}

impl Sinks {
    /// A world whose bus forwards vigil's events to a queue the test reads.
    async fn new() -> Sinks {
        let world = World::new().await;
        let proxy = Proxy::start(&world.moto.endpoint);
        let events = aws_sdk_eventbridge::Client::new(&world.sdk);
        events.create_event_bus().name(BUS).send().await.unwrap();
        let queue_url = world.sqs.create_queue().queue_name("transitions").send().await.unwrap().queue_url.unwrap();
        let pattern = json!({"source": ["vigil"], "detail-type": ["vigil Finding Transition"]});
        events.put_rule().name("all-transitions").event_bus_name(BUS).event_pattern(pattern.to_string()).send().await.unwrap();
        let target = Target::builder().id("queue").arn(format!("arn:aws:sqs:{REGION}:{ACCOUNT}:transitions")).build().unwrap();
        events.put_targets().rule("all-transitions").event_bus_name(BUS).targets(target).send().await.unwrap();
        let hub = aws_sdk_securityhub::Client::new(&world.sdk);
        hub.enable_security_hub().send().await.unwrap();
        Sinks { world, proxy, hub, queue_url }
    }

    fn settings(&self) -> Settings {
        Settings { security_hub: true, event_bus: Some(BUS.into()), ..self.world.only(&["s3"]) }
    }

    /// The handler, talking to AWS through the fault proxy.
    fn vigil(&self) -> Vigil {
        let sdk = sdk_config(&self.proxy.endpoint)
            .into_builder()
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(20)))
            .build();
        Vigil::new(self.settings(), Clients::new(&sdk, CallRecorder::from_env()), ACCOUNT.to_string())
    }

    /// The recorded answer of `BatchUpdateFindings` (every finding processed), which moto lacks.
    fn batch_update_answers(&self) -> Value {
        json!({"service": "securityhub", "operation": "BatchUpdateFindings", "fault": "respond",
               "body": {"ProcessedFindings": [], "UnprocessedFindings": []}})
    }

    /// Drains the queue: the `detail` of every event the bus delivered.
    async fn events(&self) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let got = self.world.sqs.receive_message().queue_url(&self.queue_url).max_number_of_messages(10).send().await.unwrap();
            if got.messages().is_empty() {
                return out;
            }
            for m in got.messages() {
                let event: Value = serde_json::from_str(m.body().unwrap()).unwrap();
                assert_eq!((event["source"].as_str(), event["detail-type"].as_str()), (Some("vigil"), Some("vigil Finding Transition")));
                out.push(event["detail"].clone());
                self.world.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
            }
        }
    }

    /// (compliance status, record state) of the Security Hub finding of `check` on `bucket`.
    async fn hub_state(&self, bucket: &str, check: &str) -> Option<(String, String)> {
        let id = format!("vigil/{ACCOUNT}/{check}/arn:aws:s3:::{bucket}");
        let out = self.hub.get_findings().send().await.unwrap();
        let f = out.findings().iter().find(|f| f.id() == Some(id.as_str()))?;
        Some((
            f.compliance().and_then(|c| c.status()).map(|s| s.as_str().to_string()).unwrap_or_default(),
            f.record_state().map(|s| s.as_str().to_string()).unwrap_or_default(),
        ))
    }
}

fn transitions(events: &[Value], check: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = events
        .iter()
        .filter(|d| d["check_id"] == check)
        .map(|d| (d["resource_id"].as_str().unwrap().to_string(), d["transition"].as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_transition_reaches_security_hub_and_eventbridge_and_a_throttled_import_loses_nothing() {
    // The test reads Security Hub back with GetFindings, whose unoptimized SDK deserializer needs
    // more than a test thread's 2 MB of stack (ASFF's Resource type alone is 31 KB). vigil never
    // calls GetFindings.
    let run = || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(transitions_reach_both_sinks());
    let outcome = std::thread::Builder::new().stack_size(16 << 20).spawn(run).unwrap().join();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn transitions_reach_both_sinks() {
    let s = Sinks::new().await;
    let s3 = s.world.s3();
    public_bucket(&s3, "open-policy").await;
    public_bucket(&s3, "short-lived").await;
    let vigil = s.vigil();
    let scan = || async { vigil.handle(&json!({"scan": "full"}), &RunOptions::default()).await.unwrap() };

    // Security Hub throttles every attempt of the first import: the scan still completes, and the
    // transitions stay owed on the items.
    s.proxy.inject(json!([{"service": "securityhub", "operation": "BatchImportFindings", "fault": "throttle", "times": 3}, s.batch_update_answers()]));
    let first = scan().await;
    assert!(first.audit_errors.is_empty(), "a sink outage does not fail the audit: {:?}", first.audit_errors);
    assert_eq!(first.export_errors.len(), 1, "{:?}", first.export_errors);
    assert_eq!(first.export_errors[0].code.as_deref(), Some("TooManyRequestsException"));
    let owed = first.exports_owed;
    assert!(owed >= 2, "every new finding is owed to Security Hub: {owed}");
    let item = s.world.item("open-policy", CHECK).await.unwrap();
    assert_eq!((item.exports_pending.clone(), item.export_due.as_deref()), (vec!["securityhub".to_string()], Some(ACCOUNT)));
    assert_eq!(s.hub_state("open-policy", CHECK).await, None);
    let events = s.events().await;
    assert_eq!(transitions(&events, CHECK), vec![("open-policy".into(), "new".into()), ("short-lived".into(), "new".into())]);
    let detail = events.iter().find(|d| d["check_id"] == CHECK).unwrap();
    for key in ["severity", "account_id", "region", "resource_arn", "title", "remediation", "event_id"] {
        assert!(detail.get(key).is_some(), "{key} in {detail}");
    }
    assert_eq!(detail["severity"], "CRITICAL");

    // One bucket is deleted while its transition is still owed; the next audit finds what is owed
    // through the index, delivers it, and resolves the deleted bucket's findings.
    s3.delete_bucket_policy().bucket("short-lived").send().await.unwrap();
    s3.delete_bucket().bucket("short-lived").send().await.unwrap();
    let second = scan().await;
    assert!(second.export_errors.is_empty(), "{:?}", second.export_errors);
    assert_eq!(second.exports_owed, 0);
    assert_eq!(s.hub_state("open-policy", CHECK).await, Some(("FAILED".into(), "ACTIVE".into())));
    assert_eq!(s.hub_state("short-lived", CHECK).await, Some(("PASSED".into(), "ARCHIVED".into())), "deleted: resolved and archived");
    assert!(s.world.items().await.iter().all(|f| f.export_due.is_none()), "nothing owed");
    assert_eq!(transitions(&s.events().await, CHECK), vec![("short-lived".into(), "resolved".into())], "each transition once");

    // Accepted risk: the Security Hub workflow is set through BatchUpdateFindings with the note.
    let arn = "arn:aws:s3:::open-policy";
    let env = [("AWS_ENDPOINT_URL", s.proxy.endpoint.as_str()), ("SECURITY_HUB", "on"), ("EVENT_BUS", BUS)];
    let (ok, out, err) = cli(&s.world, &["suppress", arn, CHECK, "--reason", "public website, reviewed"], &env);
    assert!(ok && out.contains("SUPPRESSED"), "{out}{err}");
    let requests = s.proxy.control("GET", &json!({}))["requests"].clone();
    let update = &requests.as_array().unwrap().iter().find(|r| r[0] == "BatchUpdateFindings").expect("BatchUpdateFindings sent")[1];
    assert_eq!(update["Workflow"]["Status"], "SUPPRESSED");
    assert!(update["Note"]["Text"].as_str().unwrap().contains("public website, reviewed"), "{update}");
    assert_eq!(update["FindingIdentifiers"][0]["Id"], format!("vigil/{ACCOUNT}/{CHECK}/{arn}"));
    assert_eq!(transitions(&s.events().await, CHECK), vec![("open-policy".into(), "suppressed".into())]);
    let item = s.world.item("open-policy", CHECK).await.unwrap();
    assert_eq!((item.status, item.exports_pending.len()), (Status::Suppressed, 0));

    // Fixed: resolved and archived; the check failing again reopens it everywhere.
    let (ok, _, err) = cli(&s.world, &["unsuppress", arn, CHECK], &env);
    assert!(ok, "{err}");
    s3.delete_bucket_policy().bucket("open-policy").send().await.unwrap();
    scan().await;
    assert_eq!(s.hub_state("open-policy", CHECK).await, Some(("PASSED".into(), "ARCHIVED".into())));
    s3.put_bucket_policy().bucket("open-policy").policy(public_read("open-policy").to_string()).send().await.unwrap();
    scan().await;
    assert_eq!(s.hub_state("open-policy", CHECK).await, Some(("FAILED".into(), "ACTIVE".into())));
    let later = transitions(&s.events().await, CHECK);
    assert_eq!(later, vec![("open-policy".into(), "reopened".into()), ("open-policy".into(), "resolved".into()), ("open-policy".into(), "unsuppressed".into())]);
}
