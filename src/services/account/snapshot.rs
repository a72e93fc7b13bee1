//! Account snapshots: the account's alternate contacts. Plain data.

/// One alternate contact as AWS holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contacts {
    /// The security contact: `Some(None)` when read and none is registered; `None` when not read.
    pub security: Option<Option<Contact>>,
}
