//! `cloudtrail_trail_not_logging`: a trail exists but is stopped.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::cloudtrail::snapshot::Trail;

pub static CHECK: Check = Check {
    id: "cloudtrail_trail_not_logging",
    title: "CloudTrail trail is not logging",
    severity: Severity::Critical,
    resource_types: &[crate::services::cloudtrail::TRAIL],
    risk: "A stopped trail records nothing: what anyone does in the account from now on leaves no audit \
           trail. Stopping logging is among the first things an intruder does.",
    remediation: "Start logging again, find who stopped it (the StopLogging event) and why, and limit \
                  cloudtrail:StopLogging with an SCP.",
    remediation_cli: "aws cloudtrail start-logging --name {id}",
    compliance: &[],
    eval: &On(eval),
    advice: None,
};

fn eval(t: &Trail, _: &Context) -> Option<Outcome> {
    Some(if t.logging? { Outcome::Pass } else { Outcome::fail(format!("trail {} exists but is not logging", t.name)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::cloudtrail::checks::fixtures::trail;

    #[test]
    fn a_stopped_trail_fails() {
        assert_eq!(eval(&trail(), &ctx()), Some(Outcome::Pass));
        assert!(eval(&Trail { logging: Some(false), ..trail() }, &ctx()).unwrap().is_fail());
        assert_eq!(eval(&Trail { logging: None, ..trail() }, &ctx()), None);
    }
}
