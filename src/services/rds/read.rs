//! RDS collection: DB instances with their subnet group placement, and manual DB and cluster
//! snapshots with their restore attribute.

use crate::aws::classify;
use crate::error::AwsError;
use crate::services::ec2::snapshot::Restorable;
use crate::services::rds::snapshot::{DbInstance, DbSnapshot};
use futures::StreamExt;
use aws_sdk_rds::Client;

/// The RDS client for a region.
pub fn client(clients: &crate::aws::Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_rds::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// Reads DB instances: all in the region, or one (empty when it is gone). Networks are attached
/// by the caller.
pub async fn db_instances(client: &Client, id: Option<&str>) -> Result<Vec<DbInstance>, AwsError> {
    let mut out = Vec::new();
    let mut pages = client.describe_db_instances().set_db_instance_identifier(id.map(str::to_string)).into_paginator().send();
    let read = async {
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e))?;
            for d in page.db_instances() {
                // Without its id, which instance it is is unknown: the listing fails rather than
                // let that instance be swept as deleted.
                let Some(name) = d.db_instance_identifier() else {
                    return Err(AwsError {
                        operation: crate::error::Operation::of::<aws_sdk_rds::operation::describe_db_instances::DescribeDBInstancesError>(),
                        kind: crate::error::AwsErrorKind::Other,
                        code: None,
                        message: "an instance in the listing has no DBInstanceIdentifier".into(),
                    });
                };
                let group = d.db_subnet_group();
                out.push(DbInstance {
                    id: name.to_string(),
                    engine: d.engine().unwrap_or_default().to_string(),
                    publicly_accessible: d.publicly_accessible(),
                    storage_encrypted: d.storage_encrypted(),
                    auto_minor_version_upgrade: d.auto_minor_version_upgrade(),
                    vpc_id: group.and_then(|g| g.vpc_id()).map(str::to_string),
                    subnet_ids: group
                        .map(|g| g.subnets().iter().filter_map(|s| s.subnet_identifier().map(str::to_string)).collect())
                        .unwrap_or_default(),
                    tags: d
                        .tag_list()
                        .iter()
                        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
                        .collect(),
                    network: None,
                });
            }
        }
        Ok::<(), AwsError>(())
    };
    match read.await {
        // DBInstanceNotFound answers a lookup of one instance; a listing that fails is an error.
        Err(e) if id.is_some() && e.has_code(&["DBInstanceNotFound", "DBInstanceNotFoundFault"]) => Ok(Vec::new()),
        other => other.map(|()| out),
    }
}

fn restorable(attributes: impl Iterator<Item = (Option<String>, Vec<String>)>) -> Restorable {
    let mut who = Restorable::default();
    for (name, values) in attributes {
        if name.as_deref() != Some("restore") {
            continue;
        }
        for v in values {
            if v == "all" {
                who.everyone = true;
            } else {
                who.accounts.push(v);
            }
        }
    }
    who
}

fn malformed<E: std::error::Error + 'static>(message: String) -> AwsError {
    AwsError { operation: crate::error::Operation::of::<E>(), kind: crate::error::AwsErrorKind::Other, code: None, message }
}

fn unnamed<E: std::error::Error + 'static>(what: &str) -> AwsError {
    malformed::<E>(format!("a snapshot in the listing has no {what}"))
}

/// Reads the account's manual DB snapshots (or cluster snapshots): all in the region, or one
/// (empty when it is gone), each with its `restore` attribute. A snapshot whose attribute read
/// fails has `restorable_by: None`, and the failure is returned beside it.
pub async fn db_snapshots(client: &Client, cluster: bool, id: Option<&str>) -> Result<(Vec<DbSnapshot>, Vec<(String, AwsError)>), AwsError> {
    let tags = |list: &[aws_sdk_rds::types::Tag]| list.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string()))).collect();
    let mut out = Vec::new();
    let listed: Result<(), AwsError> = if cluster {
        let mut pages = client.describe_db_cluster_snapshots().snapshot_type("manual").set_db_cluster_snapshot_identifier(id.map(str::to_string)).into_paginator().send();
        async {
            while let Some(page) = pages.next().await {
                for s in page.map_err(|e| classify(&e))?.db_cluster_snapshots() {
                    let name = s.db_cluster_snapshot_identifier().ok_or_else(|| {
                        unnamed::<aws_sdk_rds::operation::describe_db_cluster_snapshots::DescribeDBClusterSnapshotsError>("DBClusterSnapshotIdentifier")
                    })?;
                    out.push(DbSnapshot { id: name.to_string(), cluster, source: s.db_cluster_identifier().map(str::to_string), restorable_by: None, tags: tags(s.tag_list()) });
                }
            }
            Ok(())
        }
        .await
    } else {
        let mut pages = client.describe_db_snapshots().snapshot_type("manual").set_db_snapshot_identifier(id.map(str::to_string)).into_paginator().send();
        async {
            while let Some(page) = pages.next().await {
                for s in page.map_err(|e| classify(&e))?.db_snapshots() {
                    let name = s
                        .db_snapshot_identifier()
                        .ok_or_else(|| unnamed::<aws_sdk_rds::operation::describe_db_snapshots::DescribeDBSnapshotsError>("DBSnapshotIdentifier"))?;
                    out.push(DbSnapshot { id: name.to_string(), cluster, source: s.db_instance_identifier().map(str::to_string), restorable_by: None, tags: tags(s.tag_list()) });
                }
            }
            Ok(())
        }
        .await
    };
    match listed {
        Err(e) if id.is_some() && e.has_code(&["DBSnapshotNotFound", "DBSnapshotNotFoundFault", "DBClusterSnapshotNotFoundFault"]) => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    // The futures are built before the stream so its type names no closure (the scan future must be Send).
    let reads: Vec<_> = out.iter().map(|s| restore_attribute(client, cluster, &s.id)).collect();
    let reads: Vec<Result<Restorable, AwsError>> = futures::stream::iter(reads).buffered(8).collect().await;
    let mut failures = Vec::new();
    for (s, r) in out.iter_mut().zip(reads) {
        match r {
            Ok(who) => s.restorable_by = Some(who),
            Err(e) => failures.push((s.id.clone(), e)),
        }
    }
    Ok((out, failures))
}

/// Who may restore one snapshot.
async fn restore_attribute(client: &Client, cluster: bool, id: &str) -> Result<Restorable, AwsError> {
    if cluster {
        let out = client.describe_db_cluster_snapshot_attributes().db_cluster_snapshot_identifier(id).send().await.map_err(|e| classify(&e))?;
        use aws_sdk_rds::operation::describe_db_cluster_snapshot_attributes::DescribeDBClusterSnapshotAttributesError as E;
        let attrs = out.db_cluster_snapshot_attributes_result().ok_or_else(|| malformed::<E>("no DBClusterSnapshotAttributesResult".into()))?.db_cluster_snapshot_attributes();
        Ok(restorable(attrs.iter().map(|a| (a.attribute_name().map(str::to_string), a.attribute_values().to_vec()))))
    } else {
        let out = client.describe_db_snapshot_attributes().db_snapshot_identifier(id).send().await.map_err(|e| classify(&e))?;
        use aws_sdk_rds::operation::describe_db_snapshot_attributes::DescribeDBSnapshotAttributesError as E;
        let attrs = out.db_snapshot_attributes_result().ok_or_else(|| malformed::<E>("no DBSnapshotAttributesResult".into()))?.db_snapshot_attributes();
        Ok(restorable(attrs.iter().map(|a| (a.attribute_name().map(str::to_string), a.attribute_values().to_vec()))))
    }
}
