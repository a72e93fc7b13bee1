//! `cloudtrail_s3_object_read_events_missing`: no trail records S3 object reads of every bucket.

use super::{records_s3_objects, some_trail};
use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5};
use crate::model::Severity;
use crate::services::cloudtrail::snapshot::AccountTrails;

pub static CHECK: Check = Check {
    id: "cloudtrail_s3_object_read_events_missing",
    title: "No trail records S3 object-level read events",
    severity: Severity::Low,
    resource_types: &[crate::model::ACCOUNT],
    risk: "Who read or downloaded an object is not recorded: data exfiltrated from a bucket cannot be \
           traced or sized.",
    remediation: "Record S3 data events (read, or all) for every bucket on a multi-region trail.",
    remediation_cli: "aws cloudtrail put-event-selectors --trail-name TRAIL --event-selectors '[{\"ReadWriteType\":\"ReadOnly\",\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3\"]}]}]'",
    compliance: &[cis3("3.9"), cis5("3.9")],
    eval: &On(eval),
    advice: None,
};

fn eval(a: &AccountTrails, _: &Context) -> Option<Outcome> {
    some_trail(a, |t| records_s3_objects(t, |r| r.read), "no logging multi-region trail records S3 object reads for every bucket")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::cloudtrail::checks::fixtures::trail;
    use crate::services::cloudtrail::snapshot::{Recorded, Selectors, Trail};

    #[test]
    fn read_events_of_every_bucket_pass() {
        let with = |s3: Recorded| Trail { selectors: Some(Selectors { management: Recorded::ALL, s3_objects: s3 }), ..trail() };
        let run = |t: Trail| eval(&AccountTrails { trails: vec![t] }, &ctx());
        assert!(run(trail()).unwrap().is_fail(), "management events only");
        assert_eq!(run(with(Recorded { read: true, write: false })), Some(Outcome::Pass));
        assert_eq!(run(with(Recorded::ALL)), Some(Outcome::Pass));
        assert!(run(with(Recorded { read: false, write: true })).unwrap().is_fail());
        assert!(run(Trail { multi_region: Some(false), ..with(Recorded::ALL) }).unwrap().is_fail(), "one region's buckets only");
    }
}
