//! The shard queue: a scheduled scan plans shards (one service in one account and region) and
//! sends them to SQS; the same function consumes them through an event source mapping and reports
//! the messages it could not settle, so SQS retries only those (and dead-letters them at last).

use crate::aws::{classify, Clients};
use crate::error::{AwsError, AwsErrorKind, Operation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One shard: audit `services` in one account and region (or the account's global services, listed
/// in the home region), the first resuming at `after` when an earlier pass reached its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMessage {
    pub account: String,
    /// The account's name from Organizations, for alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    pub region: String,
    pub services: Vec<String>,
    /// The first resource (ARN order) this pass audits; `None` from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// How many passes came before this one.
    #[serde(default)]
    pub pass: u32,
    /// The scheduled scan that planned it (its time), for logs.
    pub plan: String,
}

impl ShardMessage {
    /// The next pass of this shard: `services` left, the first resuming at `at`.
    pub fn continued(&self, services: Vec<String>, at: Option<String>) -> ShardMessage {
        ShardMessage { services, after: at, pass: self.pass + 1, ..self.clone() }
    }

    /// `account/region/services`, for logs and summaries.
    pub fn label(&self) -> String {
        format!("{}/{}/{}", self.account, self.region, self.services.join("+"))
    }
}

/// One message of an SQS event: its id (for `batchItemFailures`) and its shard, or why its body
/// is not one.
#[derive(Debug)]
pub struct Record {
    pub message_id: String,
    pub shard: Result<ShardMessage, String>,
}

/// The shards of an SQS event, or `None` when the event is not one (`Records` from `aws:sqs`).
pub fn records(event: &Value) -> Option<Vec<Record>> {
    let list = event.get("Records")?.as_array()?;
    if list.is_empty() || !list.iter().all(|r| r.get("eventSource").and_then(Value::as_str) == Some("aws:sqs")) {
        return None;
    }
    let parsed: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(event.clone()).ok()?;
    Some(
        parsed
            .records
            .into_iter()
            .map(|m| Record {
                message_id: m.message_id.unwrap_or_default(),
                shard: m
                    .body
                    .ok_or_else(|| "the message has no body".to_string())
                    .and_then(|b| serde_json::from_str(&b).map_err(|e| format!("the body is not a shard: {e}"))),
            })
            .collect(),
    )
}

/// One message the event source mapping is to retry (`batchItemFailures` of the response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemFailure {
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

/// Sends shards to the queue, ten to a batch; fails on the first entry SQS refused.
pub async fn send(clients: &Clients, queue_url: &str, shards: &[ShardMessage]) -> Result<(), AwsError> {
    use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
    let sqs = clients.regional("", |sdk, recorder| {
        aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(sdk).interceptor(recorder.clone()).build())
    });
    let refused = |message: String| AwsError {
        operation: Operation::of::<aws_sdk_sqs::operation::send_message_batch::SendMessageBatchError>(),
        kind: AwsErrorKind::Other,
        code: None,
        message,
    };
    for batch in shards.chunks(10) {
        let mut entries = Vec::with_capacity(batch.len());
        for (i, s) in batch.iter().enumerate() {
            let body = serde_json::to_string(s).map_err(|e| refused(e.to_string()))?;
            entries.push(SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(body).build().map_err(|e| refused(e.to_string()))?);
        }
        let out = sqs.send_message_batch().queue_url(queue_url).set_entries(Some(entries)).send().await.map_err(|e| classify(&e))?;
        if let Some(f) = out.failed().first() {
            return Err(AwsError { code: Some(f.code().to_string()), ..refused(format!("SQS refused shard {}: {}", f.id(), f.message().unwrap_or_default())) });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqs_events_yield_shards_and_bad_bodies_are_named() {
        let shard = ShardMessage {
            account: "111111111111".into(),
            account_name: Some("prod".into()),
            region: "eu-west-1".into(),
            services: vec!["ec2".into(), "rds".into()],
            after: None,
            pass: 0,
            plan: "2026-11-29T00:00:00.000Z".into(),
        };
        let event = serde_json::json!({"Records": [
            {"messageId": "m1", "body": serde_json::to_string(&shard).unwrap(), "eventSource": "aws:sqs", "attributes": {}, "messageAttributes": {}},
            {"messageId": "m2", "body": "{\"account\": 1}", "eventSource": "aws:sqs", "attributes": {}, "messageAttributes": {}},
        ]});
        let recs = records(&event).expect("an SQS event");
        assert_eq!(recs[0].shard.as_ref().unwrap(), &shard);
        assert!(recs[1].shard.as_ref().unwrap_err().contains("not a shard"));
        let next = shard.continued(vec!["rds".into()], Some("arn:x".into()));
        assert_eq!((next.pass, next.services.as_slice(), next.after.as_deref()), (1, ["rds".to_string()].as_slice(), Some("arn:x")));
        assert!(records(&serde_json::json!({"Records": [{"eventSource": "aws:s3"}]})).is_none());
        assert!(records(&serde_json::json!({"detail-type": "Scheduled Event"})).is_none());
        let failed = crate::engine::RunReport { batch_item_failures: Some(vec![ItemFailure { item_identifier: "m2".into() }]), ..Default::default() };
        assert_eq!(serde_json::to_value(&failed).unwrap()["batchItemFailures"], serde_json::json!([{"itemIdentifier": "m2"}]));
    }
}
