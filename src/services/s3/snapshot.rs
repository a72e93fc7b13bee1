//! S3 snapshots: one bucket as the checks see it. Plain data; no SDK types.
//!
//! A field that is `None` was not read in this audit (an event re-reads only what changed, or the
//! read failed); checks that need it are not evaluated, so their stored findings stay as they are.

use crate::policy::PolicyDocument;
use std::collections::BTreeMap;

/// Who an ACL grant is to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    /// A predefined group, by URI (AllUsers, AuthenticatedUsers, LogDelivery).
    Group(String),
    CanonicalUser(String),
    Email(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub grantee: Grantee,
    pub permission: String,
}

/// Bucket-level S3 Block Public Access. A bucket with no configuration has all four false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioning {
    Never,
    Enabled,
    Suspended,
}

/// The account's S3 Block Public Access settings (S3 Control), which apply to every bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountPublicAccess {
    /// `None` when not read; an account without a configuration has all four off.
    pub block: Option<PublicAccessBlock>,
}

/// One S3 bucket as the checks see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub name: String,
    pub account: String,
    pub region: String,
    pub tags: BTreeMap<String, String>,
    /// `Some(None)`: read, and the bucket has no policy.
    pub policy: Option<Option<PolicyDocument>>,
    pub acl: Option<Vec<Grant>>,
    pub public_access_block: Option<PublicAccessBlock>,
    /// The default-encryption algorithms of the bucket's rules; empty when none is configured.
    pub encryption: Option<Vec<String>>,
    pub versioning: Option<Versioning>,
    /// MFA delete, from the same read as `versioning`.
    pub mfa_delete: Option<bool>,
    /// Server access logging.
    pub access_logging: Option<bool>,
}

impl Bucket {
    /// A bucket with nothing read but its identity.
    pub fn new(name: &str, account: &str, region: &str) -> Self {
        Bucket {
            name: name.into(),
            account: account.into(),
            region: region.into(),
            tags: BTreeMap::new(),
            policy: None,
            acl: None,
            public_access_block: None,
            encryption: None,
            versioning: None,
            mfa_delete: None,
            access_logging: None,
        }
    }
}
