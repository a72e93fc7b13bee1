//! CloudTrail checks, one file each: per trail, then account-wide coverage.

crate::check::checks! {
    multi_region_trail_missing,
    trail_not_logging,
    log_file_validation_disabled,
    not_encrypted_with_kms,
    cloudwatch_logs_missing,
    bucket_access_logging_disabled,
    s3_object_write_events_missing,
    s3_object_read_events_missing,
}

use crate::check::Outcome;
use crate::services::cloudtrail::snapshot::{AccountTrails, Recorded, Trail};

/// An account-wide verdict: PASS when some trail qualifies, FAIL when every trail was read and
/// none does, no verdict when none qualifies and some trail was not fully read.
pub fn some_trail(account: &AccountTrails, qualifies: impl Fn(&Trail) -> Option<bool>, missing: &str) -> Option<Outcome> {
    let verdicts: Vec<Option<bool>> = account.trails.iter().map(&qualifies).collect();
    if verdicts.contains(&Some(true)) {
        return Some(Outcome::Pass);
    }
    if verdicts.contains(&None) {
        return None;
    }
    let seen = if account.trails.is_empty() { "there is no trail".to_string() } else { format!("trails: {}", account.trails.iter().map(Trail::shortfall).collect::<Vec<_>>().join(", ")) };
    Some(Outcome::fail(format!("{missing} ({seen})")))
}

/// Whether a trail records S3 object events of every bucket in every region, as `wanted` says.
pub fn records_s3_objects(t: &Trail, wanted: impl Fn(Recorded) -> bool) -> Option<bool> {
    Some(t.multi_region? && t.logging? && wanted(t.selectors?.s3_objects))
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Trails for the tests.
    use crate::services::cloudtrail::snapshot::{Recorded, Selectors, Trail};

    /// A multi-region trail that logs every management event, validated, encrypted, delivered to
    /// CloudWatch Logs, into a bucket with access logging.
    pub fn trail() -> Trail {
        Trail {
            name: "main".into(),
            arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/main".into(),
            home_region: "us-east-1".into(),
            multi_region: Some(true),
            logging: Some(true),
            log_file_validation: Some(true),
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()),
            log_group_arn: Some("arn:aws:logs:us-east-1:123456789012:log-group:trail:*".into()),
            bucket: Some("trail-logs".into()),
            bucket_access_logging: Some(true),
            selectors: Some(Selectors { management: Recorded::ALL, s3_objects: Recorded::default() }),
        }
    }
}
