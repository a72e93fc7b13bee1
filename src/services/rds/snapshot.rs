//! RDS snapshots: DB instances with the network of the VPC they are placed in. Plain data.

use crate::services::ec2::snapshot::Network;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct DbInstance {
    pub id: String,
    pub engine: String,
    /// `None` when DescribeDBInstances did not return the field: the check is not evaluated.
    pub publicly_accessible: Option<bool>,
    /// `None` when not returned.
    pub storage_encrypted: Option<bool>,
    /// The VPC of its DB subnet group.
    pub vpc_id: Option<String>,
    /// The subnets of its DB subnet group.
    pub subnet_ids: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// Its VPC's network; `None` when not read.
    pub network: Option<Arc<Network>>,
}

