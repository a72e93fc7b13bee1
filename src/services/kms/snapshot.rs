//! KMS snapshots: one key's metadata, rotation, policy and tags. Plain data; `None` is "not read"
//! or "not returned", never "off".

use crate::policy::PolicyDocument;
use std::collections::BTreeMap;

/// Who manages a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// Created and controlled by the account: the checks apply.
    Customer,
    /// Created by an AWS service for the account (`aws/s3`): AWS rotates it and owns its policy.
    Aws,
}

/// Where a key is in its life (`KeyState`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Enabled,
    Disabled,
    PendingDeletion,
    /// Any other state (`Creating`, `PendingImport`, `Unavailable`, …), as AWS names it.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub id: String,
    pub manager: Option<Manager>,
    pub state: Option<State>,
    /// `KeySpec`: `SYMMETRIC_DEFAULT` for a symmetric encryption key.
    pub spec: Option<String>,
    /// `Origin`: `AWS_KMS` when KMS made the key material (only those rotate automatically).
    pub origin: Option<String>,
    /// When a key pending deletion is deleted (RFC 3339).
    pub deletion_date: Option<String>,
    /// Automatic rotation; `None` when not read, or when the key cannot rotate.
    pub rotation: Option<bool>,
    /// The key policy; `None` when not read.
    pub policy: Option<PolicyDocument>,
    /// `None` when not read (AWS managed keys are not asked).
    pub tags: Option<BTreeMap<String, String>>,
}

impl Key {
    /// A customer managed symmetric encryption key whose material KMS made: what automatic
    /// rotation applies to.
    pub fn rotatable(&self) -> bool {
        self.manager == Some(Manager::Customer) && self.spec.as_deref() == Some("SYMMETRIC_DEFAULT") && self.origin.as_deref() == Some("AWS_KMS")
    }
}
