//! CloudTrail snapshots: one trail's configuration, status and event selectors, and the account's
//! view of its multi-region trails. Plain data; `None` is "not read" or "not returned".

/// Which events of a category a trail records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recorded {
    pub read: bool,
    pub write: bool,
}

impl Recorded {
    pub const ALL: Recorded = Recorded { read: true, write: true };

    pub fn all(self) -> bool {
        self.read && self.write
    }

    pub fn add(&mut self, other: Recorded) {
        self.read |= other.read;
        self.write |= other.write;
    }
}

/// What a trail's event selectors (basic or advanced) record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Selectors {
    /// Management events of every source.
    pub management: Recorded,
    /// S3 object-level (data) events of every bucket.
    pub s3_objects: Recorded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trail {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub multi_region: Option<bool>,
    /// `GetTrailStatus.IsLogging`; `None` when not read.
    pub logging: Option<bool>,
    pub log_file_validation: Option<bool>,
    /// The KMS key its log files are encrypted with; `None` when they are not.
    pub kms_key_id: Option<String>,
    /// The CloudWatch Logs group it delivers to; `None` when it delivers to none.
    pub log_group_arn: Option<String>,
    pub bucket: Option<String>,
    /// Server access logging of its bucket; `None` when not read (another account's bucket,
    /// say).
    pub bucket_access_logging: Option<bool>,
    /// `None` when not read.
    pub selectors: Option<Selectors>,
}

impl Trail {
    /// Multi-region, logging, and recording read and write management events: what CIS 3.1 asks.
    /// `None` when a part of that was not read.
    pub fn covers_the_account(&self) -> Option<bool> {
        Some(self.multi_region? && self.logging? && self.selectors?.management.all())
    }

    /// How the trail falls short of [`Trail::covers_the_account`], for a finding's detail.
    pub fn shortfall(&self) -> String {
        let mut out = Vec::new();
        if self.multi_region == Some(false) {
            out.push("single-region");
        }
        if self.logging == Some(false) {
            out.push("not logging");
        }
        if self.selectors.is_some_and(|s| !s.management.all()) {
            out.push("not all management events");
        }
        format!("{} ({})", self.name, if out.is_empty() { "not fully read".to_string() } else { out.join(", ") })
    }
}

/// The account's trails as one region sees them (its own and every multi-region trail): what the
/// account-wide checks judge.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountTrails {
    pub trails: Vec<Trail>,
}
