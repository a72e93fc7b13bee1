//! RDS collection: DB instances with their subnet group placement.

use crate::aws::classify;
use crate::error::AwsError;
use crate::services::rds::snapshot::DbInstance;
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
