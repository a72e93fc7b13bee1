//! Collectors: the only place that reads resources through the AWS SDK, producing plain snapshots.

pub mod ec2;
pub mod iam;
pub mod rds;
pub mod s3;

use crate::error::AwsError;

/// A read that failed for one resource; the audit reports it and concludes nothing from it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadFailure {
    pub resource_arn: String,
    pub error: AwsError,
}
