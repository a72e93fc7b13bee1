//! EFS snapshots: one file system. Plain data.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSystem {
    pub id: String,
    /// `Encrypted`; `None` when not returned.
    pub encrypted: Option<bool>,
    pub kms_key: Option<String>,
    pub tags: BTreeMap<String, String>,
}
