//! Alerts: composes the message for a newly OPEN finding (pure) and publishes batches to SNS.

use crate::aws::classify;
use crate::engine::ports::AlertSink;
use crate::error::{AwsError, AwsErrorKind, Operation};
use crate::findings::{Finding, Transition};
use futures::future::BoxFuture;
use futures::FutureExt;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use serde::Serialize;

/// SNS subjects must stay under 100 characters.
pub const MAX_SUBJECT: usize = 100;
/// PublishBatch takes at most 10 entries.
const MAX_BATCH: usize = 10;

/// What sqs/lambda subscribers receive: the finding plus why it alerted and the human text.
#[derive(Debug, Clone, Serialize)]
pub struct AlertPayload<'a> {
    #[serde(flatten)]
    pub finding: &'a Finding,
    pub transition: Transition,
    pub text: &'a str,
}

/// One alert, ready to publish.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub subject: String,
    /// The email/default text, for a person.
    pub text: String,
    #[serde(skip)]
    pub finding: Finding,
    pub transition: Transition,
}

impl Alert {
    pub fn new(finding: &Finding, transition: Transition) -> Self {
        Self::for_account(finding, transition, None)
    }

    /// An alert that names the account by its id and, when Organizations gave one, its name.
    pub fn for_account(finding: &Finding, transition: Transition, account_name: Option<&str>) -> Self {
        Alert {
            subject: subject(finding),
            text: text_named(finding, transition, account_name),
            finding: finding.clone(),
            transition,
        }
    }

    /// The `MessageStructure=json` body: per-protocol messages.
    pub fn message_json(&self) -> String {
        let payload = AlertPayload { finding: &self.finding, transition: self.transition, text: &self.text };
        let machine = serde_json::to_string(&payload).unwrap_or_else(|_| "{}".into());
        serde_json::json!({
            "default": self.text,
            "email": self.text,
            "sqs": machine,
            "lambda": machine,
        })
        .to_string()
    }
}

/// `[vigil] CRITICAL s3_bucket_public_policy on my-bucket`, ASCII, at most 100 characters.
pub fn subject(f: &Finding) -> String {
    let raw = format!("[vigil] {} {} on {}", f.severity, f.check_id, f.resource_id);
    let ascii: String = raw.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect();
    if ascii.len() <= MAX_SUBJECT {
        ascii
    } else {
        format!("{}...", &ascii[..MAX_SUBJECT - 3])
    }
}

/// The human text: what, where, why it matters, how to fix, first seen.
pub fn text(f: &Finding, transition: Transition) -> String {
    text_named(f, transition, None)
}

/// [`text`], naming the account as `id (name)` when its name is known.
pub fn text_named(f: &Finding, transition: Transition, account_name: Option<&str>) -> String {
    let check = crate::check::by_id(&f.check_id);
    let what = match transition {
        Transition::Reopened => "reopened (it had been resolved)",
        Transition::Unsuppressed => "open again (its exemption was removed)",
        _ => "new",
    };
    let risk = check.map(|c| c.risk).unwrap_or("See the check catalogue.");
    format!(
        "{severity} security finding ({what}): {title}\n\n\
         What:   {detail}\n\
         Where:  account {account}, region {region}\n\
         \x20       {rtype} {arn}\n\n\
         Why it matters:\n  {risk}\n\n\
         How to fix:\n  {remediation}\n\n\
         First seen: {first_seen}   Check: {check_id}   Compliance: {compliance}\n",
        severity = f.severity,
        title = f.title,
        detail = f.detail,
        account = match account_name {
            Some(name) => format!("{} ({name})", f.account_id),
            None => f.account_id.clone(),
        },
        region = if f.region.is_empty() { "-" } else { &f.region },
        rtype = f.resource_type,
        arn = f.resource_arn,
        remediation = f.remediation,
        first_seen = f.first_seen,
        check_id = f.check_id,
        compliance = f.compliance.join(", "),
    )
}

fn attr(v: &str) -> Result<MessageAttributeValue, AwsError> {
    MessageAttributeValue::builder().data_type("String").string_value(v).build().map_err(|e| build_error(e.to_string()))
}

fn publish_batch() -> Operation {
    Operation::of::<aws_sdk_sns::operation::publish_batch::PublishBatchError>()
}

fn build_error(message: String) -> AwsError {
    AwsError { operation: publish_batch(), kind: AwsErrorKind::Other, code: None, message }
}

/// The SNS topic that receives alerts: the production [`AlertSink`].
#[derive(Debug, Clone)]
pub struct SnsSink {
    pub client: aws_sdk_sns::Client,
    pub topic_arn: String,
}

impl AlertSink for SnsSink {
    fn name(&self) -> &str {
        &self.topic_arn
    }

    fn publish<'a>(&'a self, alerts: &'a [Alert]) -> BoxFuture<'a, (Vec<Finding>, Option<AwsError>)> {
        publish(&self.client, &self.topic_arn, alerts).boxed()
    }
}

/// Publishes alerts in batches of 10. Returns the findings whose alerts SNS accepted, and the
/// first failure if any batch or entry was refused.
async fn publish(sns: &aws_sdk_sns::Client, topic_arn: &str, alerts: &[Alert]) -> (Vec<Finding>, Option<AwsError>) {
    let mut delivered = Vec::new();
    let mut first_error = None;
    for batch in alerts.chunks(MAX_BATCH) {
        let mut entries = Vec::with_capacity(batch.len());
        for (i, a) in batch.iter().enumerate() {
            let entry = (|| {
                PublishBatchRequestEntry::builder()
                    .id(format!("a{i}"))
                    .subject(&a.subject)
                    .message(a.message_json())
                    .message_structure("json")
                    .message_attributes("severity", attr(a.finding.severity.as_str())?)
                    .message_attributes("check_id", attr(&a.finding.check_id)?)
                    .message_attributes("resource_type", attr(a.finding.resource_type.as_str())?)
                    .message_attributes("account_id", attr(&a.finding.account_id)?)
                    .build()
                    .map_err(|e| build_error(e.to_string()))
            })();
            match entry {
                Ok(e) => entries.push(e),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match sns.publish_batch().topic_arn(topic_arn).set_publish_batch_request_entries(Some(entries)).send().await {
            Ok(out) => {
                for ok in out.successful() {
                    let idx = ok.id().and_then(|id| id.strip_prefix('a')).and_then(|n| n.parse::<usize>().ok());
                    if let Some(a) = idx.and_then(|i| batch.get(i)) {
                        delivered.push(a.finding.clone());
                    }
                }
                if let Some(failed) = out.failed().first() {
                    first_error.get_or_insert(AwsError {
                        operation: publish_batch(),
                        kind: if failed.sender_fault() { AwsErrorKind::Other } else { AwsErrorKind::ServerError },
                        code: Some(failed.code().to_string()),
                        message: failed.message().unwrap_or_default().to_string(),
                    });
                }
            }
            Err(e) => {
                first_error.get_or_insert(classify(&e));
            }
        }
    }
    (delivered, first_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Status;
    use crate::model::Severity;

    fn finding(id: &str) -> Finding {
        Finding {
            resource_arn: format!("arn:aws:s3:::{id}"),
            check_id: "s3_bucket_public_policy".into(),
            title: "S3 bucket policy grants public access".into(),
            severity: Severity::Critical,
            status: Status::Open,
            resource_type: crate::services::s3::BUCKET,
            resource_id: id.into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            detail: "statement 0 allows anyone s3:GetObject".into(),
            remediation: "Remove it.".into(),
            compliance: vec!["AWS FSBP S3.2".into()],
            first_seen: "2026-11-01T00:00:00.000Z".into(),
            last_seen: "2026-11-01T00:00:00.000Z".into(),
            resolved_at: None,
            resolution: None,
            observed_at: "2026-11-01T00:00:00.000Z".into(),
            opened_at: "2026-11-01T00:00:00.000Z".into(),
            status_severity: "OPEN#CRITICAL".into(),
            alert_pending: true,
            evidence: None,
            risk_score: None,
            expires_at: None,
            triage: None,
            transition: None,
            exports_pending: Vec::new(),
            export_due: None,
            shard: None,
        }
    }

    #[test]
    fn subject_is_bounded_and_ascii() {
        let long = finding(&"b".repeat(63));
        let s = subject(&long);
        assert!(s.len() <= MAX_SUBJECT, "{}", s.len());
        assert!(s.is_ascii());
        assert_eq!(subject(&finding("x")), "[vigil] CRITICAL s3_bucket_public_policy on x");
    }

    #[test]
    fn text_says_what_where_why_how_when() {
        let t = text(&finding("data"), Transition::New);
        for part in ["CRITICAL", "statement 0 allows anyone", "account 123456789012", "eu-west-1", "arn:aws:s3:::data", "Why it matters", "Remove it.", "First seen: 2026-11-01"] {
            assert!(t.contains(part), "missing {part:?} in\n{t}");
        }
        assert!(text(&finding("d"), Transition::Reopened).contains("reopened"));
    }

    #[test]
    fn json_structure_has_protocol_messages() {
        let a = Alert::new(&finding("x"), Transition::New);
        let v: serde_json::Value = serde_json::from_str(&a.message_json()).unwrap();
        assert_eq!(v["default"], v["email"]);
        let machine: serde_json::Value = serde_json::from_str(v["sqs"].as_str().unwrap()).unwrap();
        assert_eq!(machine["check_id"], "s3_bucket_public_policy");
        assert_eq!(machine["transition"], "new");
        assert_eq!(machine["resource_arn"], "arn:aws:s3:::x");
    }
}
