//! KMS: customer managed keys, their rotation, deletion schedule and key policy. Event rows,
//! types and entry points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::{partition, Arn, ResourceRef, ResourceType, TypeInfo};
use crate::router::{Effect, EventCx, EventRule, Focus, Located, Locator, RouteError, Target};
use crate::service::{failed, Read, ReadCx, Scan, Service, ServiceInfo, Snapshot, Subject, Tags};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::Key;

pub const KEY: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::KMS::Key",
    arn: |r| format!("arn:{}:kms:{}:{}:key/{}", partition(&r.region), r.region, r.account, r.id),
    tags: true,
    named: false,
    regional: true,
    has_findings: true,
    short: None,
});

const SOURCE: &str = "kms.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

/// Each event names its key in `resources` (the key ARN CloudTrail records) and in
/// `requestParameters.keyId`; CreateKey in `responseElements.keyMetadata.keyId`.
const fn on(name: &'static str) -> EventRule {
    EventRule::new(SOURCE, name, Locator::Custom(key_of_event), WHOLE)
}

static EVENTS: &[EventRule] = &[
    on("CreateKey"),
    on("PutKeyPolicy"),
    on("EnableKeyRotation"),
    on("DisableKeyRotation"),
    on("ScheduleKeyDeletion"),
    on("CancelKeyDeletion"),
    on("DisableKey"),
    on("EnableKey"),
    // Tags decide scope, exemption and required tags.
    on("TagResource"),
    on("UntagResource"),
];

/// The key id in a key ARN or a bare key id; `None` for an alias, which names no key by itself.
fn key_id(text: &str) -> Option<String> {
    let id = match text.strip_prefix("arn:") {
        Some(_) => text.split_once(":key/")?.1,
        None => text,
    };
    (!id.is_empty() && !id.starts_with("alias/") && !id.contains(['/', ':'])).then(|| id.to_string())
}

fn key_of_event(cx: &EventCx) -> Result<Located, RouteError> {
    let candidates = [
        cx.text("detail.responseElements.keyMetadata.keyId"),
        cx.text("detail.resources.0.ARN"),
        cx.text("detail.requestParameters.keyId"),
    ];
    match candidates.iter().flatten().find_map(|t| key_id(t)) {
        Some(id) => Ok(Located::Resources(vec![cx.resource(KEY, id)])),
        None => match cx.text("detail.requestParameters.keyId") {
            Some(alias) => Ok(Located::Ignored(format!("{} names the key by alias {alias}; the next full scan reads it", cx.name))),
            None => Err(RouteError::MissingField { event: cx.name.to_string(), field: "detail.requestParameters.keyId" }),
        },
    }
}

impl Subject for Key {
    fn tags(&self) -> Option<&Tags> {
        self.tags.as_ref()
    }
}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[
    ("kms:ListKeys", &["kms:ListKeys"]),
    ("kms:DescribeKey", &["kms:DescribeKey"]),
    ("kms:GetKeyRotationStatus", &["kms:GetKeyRotationStatus"]),
    ("kms:GetKeyPolicy", &["kms:GetKeyPolicy"]),
    ("kms:ListResourceTags", &["kms:ListResourceTags"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "kms", types: &[KEY], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

pub struct Kms;

impl Service for Kms {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    fn parse_arn(&self, arn: &Arn) -> Option<ResourceRef> {
        if !arn.is_regional(self.name()) {
            return None;
        }
        let id = arn.resource.strip_prefix("key/")?;
        key_id(id).map(|id| ResourceRef::new(KEY, id, arn.account, arn.region))
    }

    /// ListKeys names every key in the region; each is then read as an event would.
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let mut scan = Scan::default();
            match read::key_ids(&read::client(cx.clients, region)).await {
                Ok(ids) => {
                    scan.targets = ids
                        .into_iter()
                        .map(|id| Target { resource: ResourceRef::new(KEY, id, cx.account_id, region), focus: Focus::EVERYTHING, service: self.name() })
                        .collect();
                    scan.complete.push((KEY, Some(region.to_string())));
                }
                Err(error) => {
                    scan.incomplete.push(KEY);
                    scan.failures.push(crate::error::ReadFailure::regional(KEY.as_str(), region, error));
                }
            }
            scan
        }
        .boxed()
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            let Some(r) = cx.regional(&target.resource) else { return vec![Read::OutOfScope(target.resource.clone())] };
            match read::key(&read::client(cx.clients, &r.region), &r.id, &r.arn()).await {
                Ok(Some((key, failures))) => vec![Read::Found(Snapshot { resource: r, subject: Box::new(key), failures })],
                Ok(None) => vec![Read::Gone(r)],
                Err(e) => vec![failed(&r, e)],
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_arns_round_trip_and_aliases_name_no_key() {
        let arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(ResourceRef::from_arn(arn).map(|r| r.arn()).as_deref(), Some(arn));
        assert!(ResourceRef::from_arn("arn:aws:kms:eu-west-1:123456789012:alias/app").is_none());
        assert_eq!(key_id(arn).as_deref(), Some("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert_eq!(key_id("alias/app"), None);
        assert_eq!(key_id("arn:aws:kms:eu-west-1:123456789012:alias/app"), None);
    }
}
