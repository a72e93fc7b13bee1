//! `s3_bucket_access_logging_disabled`: requests to the bucket are not logged.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::services::s3::snapshot::Bucket;

pub static CHECK: Check = Check {
    id: "s3_bucket_access_logging_disabled",
    title: "S3 bucket server access logging is not enabled",
    severity: Severity::Low,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "Without access logs, who read or deleted which objects (including anonymous and cross-account \
           requests CloudTrail data events may not cover) cannot be established after an incident.",
    remediation: "Enable server access logging to a separate log bucket that the bucket's writers cannot modify.",
    remediation_cli: "aws s3api put-bucket-logging --bucket {id} --bucket-logging-status '{\"LoggingEnabled\":{\"TargetBucket\":\"LOG-BUCKET\",\"TargetPrefix\":\"{id}/\"}}'",
    compliance: &[fsbp("S3.9")],
    eval: &On(eval),
    advice: None,
};

fn eval(b: &Bucket, _: &Context) -> Option<Outcome> {
    Some(if b.access_logging? { Outcome::Pass } else { Outcome::fail("server access logging is off".into()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;

    #[test]
    fn cases() {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        assert_eq!(eval(&b, &ctx()), None, "not read");
        b.access_logging = Some(false);
        assert!(fails(&CHECK, &b));
        b.access_logging = Some(true);
        assert!(!fails(&CHECK, &b));
    }
}
