//! The EventBridge sink (`EVENT_BUS`): one event per lifecycle transition, so users route findings
//! to chat, tickets or paging with ordinary rules on `detail.severity`, `detail.transition`,
//! `detail.check_id` and the rest.

use crate::aws::{classify, Clients};
use crate::engine::ports::ExportSink;
use crate::error::{AwsError, AwsErrorKind, Operation};
use crate::findings::Finding;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{json, Value};

pub const NAME: &str = "eventbridge";
pub const SOURCE: &str = "vigil";
pub const DETAIL_TYPE: &str = "vigil Finding Transition";
/// The version of the detail's shape; raised when a field changes meaning or goes away.
pub const DETAIL_VERSION: u32 = 1;
/// `PutEvents` takes at most 10 entries per call.
const MAX_BATCH: usize = 10;
/// Keeps an event well under EventBridge's 256 KB limit, whatever a detail text holds.
const TEXT_MAX: usize = 4_000;

/// SDK operation → IAM actions, for the least-privilege proof.
pub const PERMISSIONS: &[(&str, &[&str])] = &[("eventbridge:PutEvents", &["events:PutEvents"])];

/// An event bus (name or ARN) in the function's region.
#[derive(Debug, Clone)]
pub struct EventBus {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBus {
    pub fn new(clients: &Clients, bus: &str) -> Self {
        let client = clients.regional("", |sdk, recorder| {
            aws_sdk_eventbridge::Client::from_conf(aws_sdk_eventbridge::config::Builder::from(sdk).interceptor(recorder.clone()).build())
        });
        EventBus { client, bus: bus.to_string() }
    }
}

fn cut(s: &str) -> String {
    s.chars().take(TEXT_MAX).collect()
}

/// The event's `detail`. `event_id` is stable per transition (finding and observation time), so
/// a consumer can drop the rare duplicate of an at-least-once delivery.
pub fn detail(f: &Finding) -> Value {
    let transition = f.transition.map(|t| t.as_str()).unwrap_or("unknown");
    let mut d = json!({
        "version": DETAIL_VERSION,
        "event_id": format!("{}#{}#{}", f.resource_arn, f.check_id, f.observed_at),
        "transition": transition,
        "status": f.status.as_str(),
        "severity": f.severity.as_str(),
        "check_id": f.check_id,
        "title": f.title,
        "resource_arn": f.resource_arn,
        "resource_type": f.resource_type.as_str(),
        "resource_id": f.resource_id,
        "account_id": f.account_id,
        "region": f.region,
        "detail": cut(&f.detail),
        "remediation": cut(&f.remediation),
        "compliance": f.compliance,
        "first_seen": f.first_seen,
        "observed_at": f.observed_at,
    });
    if let Some(score) = f.risk_score {
        d["risk_score"] = json!(score);
    }
    if let Some(r) = &f.resolution {
        d["resolution"] = json!(r);
    }
    if let Some(t) = &f.triage {
        d["accepted_risk"] = json!({"by": t.by, "reason": cut(&t.reason), "at": t.at, "until": t.until});
    }
    d
}

fn put_events() -> Operation {
    Operation::of::<aws_sdk_eventbridge::operation::put_events::PutEventsError>()
}

fn entry(bus: &str, f: &Finding) -> PutEventsRequestEntry {
    let time = chrono::DateTime::parse_from_rfc3339(&f.observed_at).ok().map(|t| DateTime::from_millis(t.timestamp_millis()));
    PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(SOURCE)
        .detail_type(DETAIL_TYPE)
        .resources(&f.resource_arn)
        .set_time(time)
        .detail(detail(f).to_string())
        .build()
}

impl ExportSink for EventBus {
    fn name(&self) -> &'static str {
        NAME
    }

    fn export<'a>(&'a self, findings: &'a [Finding]) -> BoxFuture<'a, (Vec<usize>, Option<AwsError>)> {
        async move {
            let mut accepted = Vec::new();
            let mut first_error = None;
            for (n, chunk) in findings.chunks(MAX_BATCH).enumerate() {
                let entries = chunk.iter().map(|f| entry(&self.bus, f)).collect();
                match self.client.put_events().set_entries(Some(entries)).send().await {
                    // Result entries are in request order; a failed one has an error code.
                    Ok(out) => {
                        for (i, result) in out.entries().iter().enumerate().take(chunk.len()) {
                            match result.error_code() {
                                None if result.event_id().is_some() => accepted.push(n * MAX_BATCH + i),
                                code => {
                                    first_error.get_or_insert_with(|| AwsError {
                                        operation: put_events(),
                                        kind: if code == Some("ThrottlingException") { AwsErrorKind::Throttled } else { AwsErrorKind::Other },
                                        code: code.map(str::to_string),
                                        message: result.error_message().unwrap_or("event not accepted").to_string(),
                                    });
                                }
                            }
                        }
                    }
                    Err(e) => {
                        first_error.get_or_insert(classify(&e));
                    }
                }
            }
            (accepted, first_error)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Status, Transition, Triage};

    #[test]
    fn the_detail_carries_what_a_rule_routes_on() {
        let mut f = crate::render::testing::finding(Status::Suppressed);
        f.transition = Some(Transition::Suppressed);
        f.triage = Some(Triage { by: "arn:aws:iam::123456789012:user/sec".into(), reason: "partner feed".into(), at: "2026-11-02T10:00:00Z".into(), until: None });
        f.detail = "x".repeat(10_000);
        let d = detail(&f);
        for (key, want) in [("transition", "suppressed"), ("status", "SUPPRESSED"), ("severity", "CRITICAL"), ("check_id", "s3_bucket_public_policy"), ("account_id", "123456789012"), ("region", "eu-west-1"), ("resource_arn", "arn:aws:s3:::logs-bucket")] {
            assert_eq!(d[key], want, "{key}");
        }
        assert_eq!(d["accepted_risk"]["reason"], "partner feed");
        assert_eq!(d["detail"].as_str().unwrap().len(), TEXT_MAX, "long text is cut");
        assert_eq!(d["event_id"], "arn:aws:s3:::logs-bucket#s3_bucket_public_policy#2026-11-02T10:00:00Z");
        let e = entry("vigil-bus", &f);
        assert_eq!((e.source(), e.detail_type(), e.event_bus_name()), (Some(SOURCE), Some(DETAIL_TYPE), Some("vigil-bus")));
        assert!(e.time().is_some());
    }
}
