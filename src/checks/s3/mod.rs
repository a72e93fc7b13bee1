//! S3 bucket checks, one file each.

pub mod cross_account_unconditioned;
pub mod default_encryption_not_kms;
pub mod public_access_block_off;
pub mod public_acl;
pub mod public_policy;
pub mod tls_not_enforced;
pub mod versioning_disabled;
