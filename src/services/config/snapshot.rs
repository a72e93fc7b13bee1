//! Config snapshots: a region's configuration recorders. Plain data; `None` is "not returned".

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    pub name: String,
    /// `RecordingGroup.AllSupported`.
    pub all_supported: Option<bool>,
    /// `RecordingGroup.IncludeGlobalResourceTypes` (IAM users, roles, groups, policies).
    pub global_types: Option<bool>,
    /// `Recording` in the recorder's status; `None` when it has no status.
    pub recording: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recorders {
    pub recorders: Vec<Recorder>,
    /// Whether this is the audit's home region, where the global types must be recorded.
    pub home: bool,
}
