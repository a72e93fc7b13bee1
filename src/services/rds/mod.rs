//! RDS: DB instances, judged with the network of the VPC they are placed in (read through the EC2
//! service's shared network cache), and manual DB and cluster snapshots. Event rows, types and entry points; the collector is
//! `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::error::{AwsError, ReadFailure};
use crate::model::{partition, Arn, ResourceRef, ResourceType, TypeInfo};
use crate::router::{Effect, EventCx, EventRule, Focus, Located, Locator, RouteError, Target};
use crate::service::{failed, units, Memo, Read, ReadCx, Scan, Service, ServiceInfo, Snapshot, Subject, Tags};
use crate::services::ec2::{read::Networks, VPC};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::{DbInstance, DbSnapshot};
use std::sync::Arc;

pub const DB_INSTANCE: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::RDS::DBInstance",
    arn: |r| format!("arn:{}:rds:{}:{}:db:{}", partition(&r.region), r.region, r.account, r.id),
    tags: true,
    named: true,
    regional: true,
    has_findings: true,
    short: None,
});

pub const DB_SNAPSHOT: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::RDS::DBSnapshot",
    arn: |r| format!("arn:{}:rds:{}:{}:snapshot:{}", partition(&r.region), r.region, r.account, r.id),
    tags: true,
    named: true,
    regional: true,
    has_findings: true,
    short: None,
});

pub const DB_CLUSTER_SNAPSHOT: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::RDS::DBClusterSnapshot",
    arn: |r| format!("arn:{}:rds:{}:{}:cluster-snapshot:{}", partition(&r.region), r.region, r.account, r.id),
    tags: true,
    named: true,
    regional: true,
    has_findings: true,
    short: None,
});

const SOURCE: &str = "rds.amazonaws.com";
const SNAPSHOT_PARAM: Locator = Locator::At(DB_SNAPSHOT, &["detail.requestParameters.dBSnapshotIdentifier"]);
const CLUSTER_SNAPSHOT_PARAM: Locator = Locator::At(DB_CLUSTER_SNAPSHOT, &["detail.requestParameters.dBClusterSnapshotIdentifier"]);
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

static EVENTS: &[EventRule] = &[
    EventRule::new(SOURCE, "CreateDBInstance", Locator::Custom(instance_and_new_name), WHOLE),
    EventRule::new(SOURCE, "ModifyDBInstance", Locator::Custom(instance_and_new_name), WHOLE),
    EventRule::new(SOURCE, "DeleteDBInstance", Locator::At(DB_INSTANCE, &["detail.requestParameters.dBInstanceIdentifier"]), Effect::Delete),
    EventRule::new(SOURCE, "ModifyDBSnapshotAttribute", SNAPSHOT_PARAM, WHOLE),
    EventRule::new(SOURCE, "ModifyDBClusterSnapshotAttribute", CLUSTER_SNAPSHOT_PARAM, WHOLE),
    EventRule::new(SOURCE, "DeleteDBSnapshot", SNAPSHOT_PARAM, Effect::Delete),
    EventRule::new(SOURCE, "DeleteDBClusterSnapshot", CLUSTER_SNAPSHOT_PARAM, Effect::Delete),
    EventRule::new(SOURCE, "AddTagsToResource", Locator::Custom(tagged), WHOLE),
    EventRule::new(SOURCE, "RemoveTagsFromResource", Locator::Custom(tagged), WHOLE),
];

/// `AddTagsToResource` and `RemoveTagsFromResource` name the resource by ARN; resources vigil does
/// not audit (subnet groups, clusters) are ignored.
fn tagged(cx: &EventCx) -> Result<Located, RouteError> {
    let arn = cx.required("detail.requestParameters.resourceName")?;
    match Arn::parse(&arn).and_then(|a| Rds.parse_arn(&a)) {
        Some(r) => Ok(Located::Resources(vec![r])),
        None => Ok(Located::Ignored(format!("{} on {arn}: not an audited RDS resource", cx.name))),
    }
}

/// `requestParameters.dBInstanceIdentifier`, and `newDBInstanceIdentifier` when renamed: a rename
/// may apply now or in the maintenance window, so both names are audited, and the one that no
/// longer exists is forgotten by its read.
fn instance_and_new_name(cx: &EventCx) -> Result<Located, RouteError> {
    let id = cx.required("detail.requestParameters.dBInstanceIdentifier")?;
    let mut all = vec![cx.resource(DB_INSTANCE, id)];
    if let Some(new) = cx.text("detail.requestParameters.newDBInstanceIdentifier") {
        all.push(cx.resource(DB_INSTANCE, new));
    }
    Ok(Located::Resources(all))
}

impl Subject for DbInstance {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

impl Subject for DbSnapshot {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

/// Each region's DB instances, listed once per run.
#[derive(Debug, Default)]
struct Listings(Memo<String, Arc<Vec<DbInstance>>>);

impl Listings {
    async fn in_region(&self, cx: &ReadCx<'_>, region: &str) -> Result<Arc<Vec<DbInstance>>, AwsError> {
        let client = read::client(cx.clients, region);
        self.0.get_or_read(region.to_string(), || async { read::db_instances(&client, None).await.map(Arc::new) }).await
    }
}

fn unit(cx: &ReadCx<'_>, region: &str, db: DbInstance) -> Snapshot {
    Snapshot::new(ResourceRef::new(DB_INSTANCE, &db.id, cx.account_id, region), db)
}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[
    ("rds:DescribeDBInstances", &["rds:DescribeDBInstances"]),
    ("rds:DescribeDBSnapshots", &["rds:DescribeDBSnapshots"]),
    ("rds:DescribeDBSnapshotAttributes", &["rds:DescribeDBSnapshotAttributes"]),
    ("rds:DescribeDBClusterSnapshots", &["rds:DescribeDBClusterSnapshots"]),
    ("rds:DescribeDBClusterSnapshotAttributes", &["rds:DescribeDBClusterSnapshotAttributes"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "rds", types: &[DB_INSTANCE, DB_SNAPSHOT, DB_CLUSTER_SNAPSHOT], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

pub struct Rds;

impl Service for Rds {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    fn parse_arn(&self, arn: &Arn) -> Option<ResourceRef> {
        if !arn.is_regional(self.name()) {
            return None;
        }
        match arn.resource.split_once(':') {
            Some(("db", name)) if !name.is_empty() => Some(ResourceRef::new(DB_INSTANCE, name, arn.account, arn.region)),
            Some(("snapshot", name)) if !name.is_empty() => Some(ResourceRef::new(DB_SNAPSHOT, name, arn.account, arn.region)),
            Some(("cluster-snapshot", name)) if !name.is_empty() => Some(ResourceRef::new(DB_CLUSTER_SNAPSHOT, name, arn.account, arn.region)),
            _ => None,
        }
    }

    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let mut scan = Scan::default();
            let networks = cx.state::<Networks>();
            let listings = cx.state::<Listings>();
            let client = read::client(cx.clients, region);
            let (dbs, nets, snapshots, cluster_snapshots) = tokio::join!(
                listings.in_region(cx, region),
                networks.in_region(cx, region),
                read::db_snapshots(&client, false, None),
                read::db_snapshots(&client, true, None),
            );
            for (kind, found) in [(DB_SNAPSHOT, snapshots), (DB_CLUSTER_SNAPSHOT, cluster_snapshots)] {
                match found {
                    Ok((found, failures)) => {
                        scan.complete.push((kind, Some(region.to_string())));
                        scan.snapshots.extend(units(found, failures, |s| &s.id, |id| ResourceRef::new(kind, id, cx.account_id, region)));
                    }
                    Err(error) => {
                        scan.incomplete.push(kind);
                        scan.failures.push(ReadFailure::regional(kind.as_str(), region, error));
                    }
                }
            }
            let nets = match nets {
                Ok(n) => Some(n),
                Err(error) => {
                    scan.failures.push(ReadFailure::regional("AWS::EC2", region, error));
                    None
                }
            };
            match dbs {
                Ok(dbs) => {
                    scan.complete.push((DB_INSTANCE, Some(region.to_string())));
                    for db in dbs.iter() {
                        let mut db = db.clone();
                        db.network = db.vpc_id.as_ref().and_then(|v| nets.as_ref()?.get(v).cloned());
                        scan.snapshots.push(unit(cx, region, db));
                    }
                }
                Err(error) => {
                    scan.incomplete.push(DB_INSTANCE);
                    scan.failures.push(ReadFailure::regional(DB_INSTANCE.as_str(), region, error));
                }
            }
            scan
        }
        .boxed()
    }

    /// One instance, with the network of its VPC.
    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            let Some(r) = cx.regional(&target.resource) else { return vec![Read::OutOfScope(target.resource.clone())] };
            let region = r.region.clone();
            if r.kind == DB_SNAPSHOT || r.kind == DB_CLUSTER_SNAPSHOT {
                let at = |id: &str| ResourceRef { id: id.to_string(), ..r.clone() };
                return match read::db_snapshots(&read::client(cx.clients, &region), r.kind == DB_CLUSTER_SNAPSHOT, Some(&r.id)).await {
                    Ok((found, failures)) if !found.is_empty() => units(found, failures, |s| &s.id, at).into_iter().map(Read::Found).collect(),
                    Ok(_) => vec![Read::Gone(r)],
                    Err(e) => vec![failed(&r, e)],
                };
            }
            let mut db = match read::db_instances(&read::client(cx.clients, &region), Some(&r.id)).await {
                Ok(found) => match found.into_iter().next() {
                    Some(db) => db,
                    None => return vec![Read::Gone(r)],
                },
                Err(e) => return vec![failed(&r, e)],
            };
            let mut failures = Vec::new();
            if let Some(vpc) = db.vpc_id.clone() {
                match cx.state::<Networks>().of_vpc(cx, &region, &vpc).await {
                    Ok(n) => db.network = Some(n),
                    Err(error) => failures.push(ReadFailure { resource_arn: r.arn(), error }),
                }
            }
            vec![Read::Found(Snapshot { resource: r, subject: Box::new(db), failures })]
        }
        .boxed()
    }

    /// The instances whose subnet group lies in a VPC whose network changed.
    fn read_related<'a>(&'a self, cx: &'a ReadCx<'a>, r: &'a ResourceRef) -> Option<BoxFuture<'a, Vec<Read>>> {
        (r.kind == VPC).then(|| {
            async move {
                let dbs = match cx.state::<Listings>().in_region(cx, &r.region).await {
                    Ok(dbs) => dbs,
                    Err(error) => {
                        return vec![Read::Failed(ReadFailure::regional(DB_INSTANCE.as_str(), &r.region, error))];
                    }
                };
                let mut out = Vec::new();
                for db in dbs.iter().filter(|d| d.vpc_id.as_deref() == Some(r.id.as_str())) {
                    let mut db = db.clone();
                    match cx.state::<Networks>().of_vpc(cx, &r.region, &r.id).await {
                        Ok(n) => db.network = Some(n),
                        Err(e) => return vec![failed(&ResourceRef::new(DB_INSTANCE, &db.id, cx.account_id, &r.region), e)],
                    }
                    out.push(Read::Found(unit(cx, &r.region, db)));
                }
                out
            }
            .boxed()
        })
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_arns_round_trip() {
        let arn = "arn:aws:rds:eu-west-1:123456789012:db:orders";
        assert_eq!(ResourceRef::from_arn(arn).map(|r| r.arn()).as_deref(), Some(arn));
        assert!(ResourceRef::from_arn("arn:aws:rds:eu-west-1:123456789012:cluster:c").is_none());
        for arn in ["arn:aws:rds:eu-west-1:123456789012:snapshot:orders-final", "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:c-final"] {
            assert_eq!(ResourceRef::from_arn(arn).map(|r| r.arn()).as_deref(), Some(arn));
        }
    }
}
