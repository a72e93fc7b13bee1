//! `cloudtrail_log_file_validation_disabled`: a trail's log files carry no digest to validate.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::cloudtrail::snapshot::Trail;

pub static CHECK: Check = Check {
    id: "cloudtrail_log_file_validation_disabled",
    title: "CloudTrail log file validation is off",
    severity: Severity::Medium,
    resource_types: &[crate::services::cloudtrail::TRAIL],
    risk: "Without digest files nobody can prove the logs were not edited or deleted after delivery: an \
           intruder with access to the bucket can remove their tracks unnoticed.",
    remediation: "Turn on log file validation.",
    remediation_cli: "aws cloudtrail update-trail --name {id} --enable-log-file-validation",
    compliance: &[fsbp("CloudTrail.4"), cis3("3.2"), cis5("3.2")],
    eval: &On(eval),
    advice: None,
};

fn eval(t: &Trail, _: &Context) -> Option<Outcome> {
    Some(if t.log_file_validation? { Outcome::Pass } else { Outcome::fail(format!("trail {} has log file validation off", t.name)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::cloudtrail::checks::fixtures::trail;

    #[test]
    fn validation_off_fails() {
        assert_eq!(eval(&trail(), &ctx()), Some(Outcome::Pass));
        assert!(eval(&Trail { log_file_validation: Some(false), ..trail() }, &ctx()).unwrap().is_fail());
        assert_eq!(eval(&Trail { log_file_validation: None, ..trail() }, &ctx()), None);
    }
}
