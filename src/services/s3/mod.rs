//! S3: buckets, and the account's Block Public Access settings. Event rows, the bucket type, and the service's entry points; the collector is
//! `read.rs`, the snapshot `snapshot.rs`, the checks `checks/` (one file each).

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::{partition, Arn, ResourceRef, ResourceType, TypeInfo, ACCOUNT};
use crate::router::{Effect, EventRule, Focus, Locator, Part};
use crate::service::{ServiceInfo, failed, Read, ReadCx, Scan, Service, Subject, Tags, Snapshot};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::{AccountPublicAccess, Bucket};

pub const BUCKET: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::S3::Bucket",
    arn: |r| format!("arn:{}:s3:::{}", partition(&r.region), r.id),
    tags: true,
    named: true,
    regional: true,
    has_findings: true,
    short: None,
});

/// The parts of a bucket's configuration that checks read, one S3 read each.
pub mod part {
    use crate::router::Part;
    pub const POLICY: Part = Part::new(0);
    pub const ACL: Part = Part::new(1);
    pub const PUBLIC_ACCESS_BLOCK: Part = Part::new(2);
    pub const ENCRYPTION: Part = Part::new(3);
    /// Versioning and MFA delete (one read).
    pub const VERSIONING: Part = Part::new(4);
    pub const LOGGING: Part = Part::new(5);
}

const BUCKET_NAME: Locator = Locator::At(BUCKET, &["detail.requestParameters.bucketName"]);

const fn on(name: &'static str, parts: &'static [Part]) -> EventRule {
    EventRule::new("s3.amazonaws.com", name, BUCKET_NAME, Effect::Audit(Focus::only(parts)))
}

const fn whole(name: &'static str) -> EventRule {
    EventRule::new("s3.amazonaws.com", name, BUCKET_NAME, Effect::Audit(Focus::EVERYTHING))
}

use part::*;

static EVENTS: &[EventRule] = &[
    whole("CreateBucket"),
    EventRule::new("s3.amazonaws.com", "DeleteBucket", BUCKET_NAME, Effect::Delete),
    on("PutBucketPolicy", &[POLICY]),
    on("DeleteBucketPolicy", &[POLICY]),
    on("PutBucketAcl", &[ACL]),
    on("PutBucketPublicAccessBlock", &[PUBLIC_ACCESS_BLOCK]),
    on("DeleteBucketPublicAccessBlock", &[PUBLIC_ACCESS_BLOCK]),
    on("PutBucketEncryption", &[ENCRYPTION]),
    on("DeleteBucketEncryption", &[ENCRYPTION]),
    on("PutBucketVersioning", &[VERSIONING]),
    on("PutBucketLogging", &[LOGGING]),
    // S3 Control's PutPublicAccessBlock and DeletePublicAccessBlock, as CloudTrail names them.
    EventRule::new("s3.amazonaws.com", "PutAccountPublicAccessBlock", Locator::Account(ACCOUNT), Effect::Audit(Focus::EVERYTHING)),
    EventRule::new("s3.amazonaws.com", "DeleteAccountPublicAccessBlock", Locator::Account(ACCOUNT), Effect::Audit(Focus::EVERYTHING)),
    // Tags decide exemption and scope, so a tag change re-evaluates every check.
    whole("PutBucketTagging"),
    whole("DeleteBucketTagging"),
];

impl Subject for AccountPublicAccess {}

impl Subject for Bucket {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[
    ("s3:ListBuckets", &["s3:ListAllMyBuckets"]),
    ("s3:GetBucketLocation", &["s3:GetBucketLocation"]),
    ("s3:GetBucketTagging", &["s3:GetBucketTagging"]),
    ("s3:GetBucketPolicy", &["s3:GetBucketPolicy"]),
    ("s3:GetBucketAcl", &["s3:GetBucketAcl"]),
    ("s3:GetPublicAccessBlock", &["s3:GetBucketPublicAccessBlock"]),
    ("s3:GetBucketEncryption", &["s3:GetEncryptionConfiguration"]),
    ("s3:GetBucketVersioning", &["s3:GetBucketVersioning"]),
    ("s3:GetBucketLogging", &["s3:GetBucketLogging"]),
    ("s3 control:GetPublicAccessBlock", &["s3:GetAccountPublicAccessBlock"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "s3", types: &[BUCKET, ACCOUNT], checks: checks::CHECKS, events: EVENTS, global: true, permissions: OPERATIONS };

pub struct S3;

/// The account's Block Public Access settings, judged on the account.
async fn account(cx: &ReadCx<'_>) -> Read {
    crate::service::account_unit(cx, read::account_public_access(cx.clients, cx.account_id).await.map(|s| (s, Vec::new())))
}

impl Service for S3 {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    fn parse_arn(&self, arn: &Arn) -> Option<ResourceRef> {
        let bucket = arn.service == "s3" && !arn.resource.is_empty() && !arn.resource.contains('/') && arn.account.is_empty();
        bucket.then(|| ResourceRef::new(BUCKET, arn.resource, arn.account, arn.region))
    }

    /// ListBuckets names every bucket with its region; each is then read as an event would.
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, _region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let mut scan = Scan::default();
            match read::list_buckets(cx.clients).await {
                Ok(buckets) => {
                    scan.targets = buckets
                        .into_iter()
                        .map(|(name, region)| crate::router::Target {
                            resource: ResourceRef::new(BUCKET, name, cx.account_id, region.unwrap_or_default()),
                            focus: Focus::EVERYTHING,
                            service: self.name(),
                        })
                        .collect();
                    scan.complete.push((BUCKET, None));
                }
                Err(error) => {
                    scan.incomplete.push(BUCKET);
                    scan.failures.push(crate::error::ReadFailure { resource_arn: BUCKET.as_str().into(), error });
                }
            }
            let account = Scan::of(account(cx).await);
            scan.snapshots.extend(account.snapshots);
            scan.failures.extend(account.failures);
            scan
        }
        .boxed()
    }

    /// The bucket's region (when the event did not say), its tags (scope is decided on them before
    /// anything else is read), then the parts the focus names.
    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a crate::router::Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            if target.resource.kind == ACCOUNT {
                return vec![account(cx).await];
            }
            let mut r = target.resource.clone();
            if r.region.is_empty() {
                match read::bucket_region(cx.clients, &r.id).await {
                    Ok(Some(region)) => r.region = region,
                    Ok(None) => return vec![Read::Gone(r)],
                    Err(e) => return vec![failed(&r, e)],
                }
            }
            if !cx.admits(&r, None) {
                return vec![Read::OutOfScope(r)];
            }
            let tags = match read::read_tags(cx.clients, &r).await {
                Ok(Some(tags)) => tags,
                Ok(None) => return vec![Read::Gone(r)],
                Err(e) => return vec![failed(&r, e)],
            };
            if !cx.admits(&r, Some(&tags)) {
                return vec![Read::OutOfScope(r)];
            }
            vec![match read::read_bucket(cx.clients, &r, tags, target.focus).await {
                read::BucketRead::Found { bucket, failures } => Read::Found(Snapshot { resource: r, subject: Box::new(bucket), failures }),
                read::BucketRead::Gone => Read::Gone(r),
            }]
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing;

    #[test]
    fn bucket_arn_round_trips() {
        let r = ResourceRef::from_arn("arn:aws:s3:::my-bucket").expect("parses");
        assert_eq!(r.kind, BUCKET);
        assert_eq!(r.id, "my-bucket");
        assert_eq!(r.arn(), "arn:aws:s3:::my-bucket");
    }

    #[test]
    fn operations_are_named_as_iam_and_the_recorder_name_them() {
        let op = crate::error::Operation::of::<aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyError>();
        assert_eq!(op.to_string(), "s3:GetBucketPolicy");
    }

    #[test]
    fn object_arns_are_not_buckets() {
        assert!(ResourceRef::from_arn("arn:aws:s3:::b/key").is_none());
        assert!(ResourceRef::from_arn("arn:aws:s3:::").is_none());
    }

    #[test]
    fn unread_parts_are_not_evaluated() {
        let b = Bucket::new("b", testing::ACCOUNT, "us-east-1");
        for c in checks::CHECKS {
            assert_eq!(c.evaluate(&b, &testing::ctx()), None, "{} concluded without data", c.id);
        }
    }
}
