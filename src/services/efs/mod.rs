//! EFS: file systems and their encryption at rest. Event rows, types and entry points; the
//! collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::{partition, Arn, ResourceRef, ResourceType, TypeInfo};
use crate::router::{Effect, EventRule, Focus, Locator, Target};
use crate::service::{failed, Read, ReadCx, Scan, Service, ServiceInfo, Snapshot, Subject, Tags};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::FileSystem;

pub const FILE_SYSTEM: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::EFS::FileSystem",
    arn: |r| format!("arn:{}:elasticfilesystem:{}:{}:file-system/{}", partition(&r.region), r.region, r.account, r.id),
    tags: true,
    named: false,
    regional: true,
    has_findings: true,
    short: None,
});

const SOURCE: &str = "elasticfilesystem.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);
const BY_PARAM: Locator = Locator::At(FILE_SYSTEM, &["detail.requestParameters.fileSystemId"]);
/// TagResource and UntagResource name the file system (or an access point, which is ignored by
/// its read) by id.
const TAGGED: Locator = Locator::At(FILE_SYSTEM, &["detail.requestParameters.resourceId"]);

static EVENTS: &[EventRule] = &[
    EventRule::new(SOURCE, "CreateFileSystem", Locator::At(FILE_SYSTEM, &["detail.responseElements.fileSystemId"]), WHOLE),
    EventRule::new(SOURCE, "DeleteFileSystem", BY_PARAM, Effect::Delete),
    EventRule::new(SOURCE, "TagResource", TAGGED, WHOLE),
    EventRule::new(SOURCE, "UntagResource", TAGGED, WHOLE),
    // EFS's older tagging calls.
    EventRule::new(SOURCE, "CreateTags", BY_PARAM, WHOLE),
    EventRule::new(SOURCE, "DeleteTags", BY_PARAM, WHOLE),
];

impl Subject for FileSystem {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[("efs:DescribeFileSystems", &["elasticfilesystem:DescribeFileSystems"])];

static INFO: ServiceInfo = ServiceInfo { name: "efs", types: &[FILE_SYSTEM], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

pub struct Efs;

impl Service for Efs {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    fn parse_arn(&self, arn: &Arn) -> Option<ResourceRef> {
        if !arn.is_regional("elasticfilesystem") {
            return None;
        }
        let id = arn.resource.strip_prefix("file-system/")?;
        (!id.is_empty()).then(|| ResourceRef::new(FILE_SYSTEM, id, arn.account, arn.region))
    }

    /// One DescribeFileSystems listing gives every file system with its encryption and tags.
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let mut scan = Scan::default();
            match read::file_systems(cx.clients, region, None).await {
                Ok(found) => {
                    scan.snapshots = found.into_iter().map(|f| Snapshot::new(ResourceRef::new(FILE_SYSTEM, &f.id, cx.account_id, region), f)).collect();
                    scan.complete.push((FILE_SYSTEM, Some(region.to_string())));
                }
                Err(error) => {
                    scan.incomplete.push(FILE_SYSTEM);
                    scan.failures.push(crate::error::ReadFailure::regional(FILE_SYSTEM.as_str(), region, error));
                }
            }
            scan
        }
        .boxed()
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            let Some(r) = cx.regional(&target.resource) else { return vec![Read::OutOfScope(target.resource.clone())] };
            if !r.id.starts_with("fs-") {
                // An access point (`fsap-`) named by a tagging call: nothing of ours.
                return vec![Read::Skipped];
            }
            vec![match read::file_systems(cx.clients, &r.region, Some(&r.id)).await {
                Ok(found) => match found.into_iter().next() {
                    Some(f) => Read::Found(Snapshot::new(r, f)),
                    None => Read::Gone(r),
                },
                Err(e) => failed(&r, e),
            }]
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_system_arns_round_trip() {
        let arn = "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0";
        assert_eq!(ResourceRef::from_arn(arn).map(|r| r.arn()).as_deref(), Some(arn));
        assert!(ResourceRef::from_arn("arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-1").is_none());
    }
}
