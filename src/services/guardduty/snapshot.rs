//! GuardDuty snapshots: a region's detectors. Plain data.

/// The detectors of one region (GuardDuty allows one per account and region).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detectors {
    /// (detector id, enabled) for each detector; `None` when its status was not returned.
    pub detectors: Vec<(String, Option<bool>)>,
}
