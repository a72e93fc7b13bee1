//! RDS snapshots: DB instances with the network of the VPC they are placed in, and DB and
//! cluster snapshots with who may restore them. Plain data.

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
    /// `AutoMinorVersionUpgrade`; `None` when not returned.
    pub auto_minor_version_upgrade: Option<bool>,
    /// The VPC of its DB subnet group.
    pub vpc_id: Option<String>,
    /// The subnets of its DB subnet group.
    pub subnet_ids: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// Its VPC's network; `None` when not read.
    pub network: Option<Arc<Network>>,
}


/// A manual DB snapshot or DB cluster snapshot the account owns (automated ones cannot be shared).
#[derive(Debug, Clone, PartialEq)]
pub struct DbSnapshot {
    pub id: String,
    /// A cluster snapshot (Aurora, Multi-AZ clusters) rather than an instance snapshot.
    pub cluster: bool,
    /// The instance or cluster it was taken of.
    pub source: Option<String>,
    /// Who may restore it besides the owner (the `restore` attribute); `None` when not read.
    pub restorable_by: Option<crate::services::ec2::snapshot::Restorable>,
    pub tags: BTreeMap<String, String>,
}
