//! Security Hub snapshots: whether a region's hub is on. Plain data.

/// A region's Security Hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hub {
    /// Whether the account is subscribed to Security Hub in the region.
    pub enabled: bool,
    /// The hub's ARN, when on.
    pub arn: Option<String>,
}
