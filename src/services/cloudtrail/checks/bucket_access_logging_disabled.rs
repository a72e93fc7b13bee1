//! `cloudtrail_bucket_access_logging_disabled`: the trail's bucket has no server access logging.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::cloudtrail::snapshot::Trail;

pub static CHECK: Check = Check {
    id: "cloudtrail_bucket_access_logging_disabled",
    title: "CloudTrail bucket has no access logging",
    severity: Severity::Low,
    resource_types: &[crate::services::cloudtrail::TRAIL],
    risk: "Who read or deleted the audit logs themselves is not recorded: an intruder covering their \
           tracks in the log bucket leaves no trace.",
    remediation: "Turn on server access logging for the trail's bucket, into a separate bucket.",
    remediation_cli: "aws s3api put-bucket-logging --bucket TRAIL_BUCKET --bucket-logging-status file://logging.json",
    compliance: &[fsbp("CloudTrail.7"), cis3("3.4"), cis5("3.4")],
    eval: &On(eval),
    advice: None,
};

fn eval(t: &Trail, _: &Context) -> Option<Outcome> {
    let bucket = t.bucket.as_deref()?;
    Some(if t.bucket_access_logging? {
        Outcome::Pass
    } else {
        Outcome::fail(format!("trail {} delivers to bucket {bucket}, which has server access logging off", t.name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::cloudtrail::checks::fixtures::trail;

    #[test]
    fn a_bucket_without_access_logging_fails() {
        assert_eq!(eval(&trail(), &ctx()), Some(Outcome::Pass));
        assert!(eval(&Trail { bucket_access_logging: Some(false), ..trail() }, &ctx()).unwrap().is_fail());
        assert_eq!(eval(&Trail { bucket_access_logging: None, ..trail() }, &ctx()), None, "another account's bucket, say");
    }
}
