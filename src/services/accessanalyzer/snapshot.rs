//! Access Analyzer snapshots: a region's analyzers. Plain data.

/// One analyzer: its name, zone of trust (`ACCOUNT`, `ORGANIZATION`, or an unused-access type)
/// and status (`ACTIVE`, `CREATING`, `DISABLED`, `FAILED`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analyzer {
    pub name: String,
    pub kind: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analyzers {
    pub analyzers: Vec<Analyzer>,
}

impl Analyzers {
    /// An active analyzer of external access (account or organization zone of trust).
    pub fn external_access_active(&self) -> bool {
        self.analyzers.iter().any(|a| a.status == "ACTIVE" && matches!(a.kind.as_str(), "ACCOUNT" | "ORGANIZATION"))
    }
}
