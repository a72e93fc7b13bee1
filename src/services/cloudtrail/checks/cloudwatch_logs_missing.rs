//! `cloudtrail_cloudwatch_logs_missing`: a trail does not deliver to CloudWatch Logs.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::services::cloudtrail::snapshot::Trail;

pub static CHECK: Check = Check {
    id: "cloudtrail_cloudwatch_logs_missing",
    title: "CloudTrail trail does not deliver to CloudWatch Logs",
    severity: Severity::Low,
    resource_types: &[crate::services::cloudtrail::TRAIL],
    risk: "Without CloudWatch Logs there are no metric filters and alarms on the trail: root logins, \
           policy changes and disabled keys go unnoticed until someone reads the bucket.",
    remediation: "Deliver the trail to a CloudWatch Logs group, then add the CIS metric filters and alarms.",
    remediation_cli: "aws cloudtrail update-trail --name {id} --cloud-watch-logs-log-group-arn LOG_GROUP_ARN --cloud-watch-logs-role-arn ROLE_ARN",
    compliance: &[fsbp("CloudTrail.5")],
    eval: &On(eval),
    advice: None,
};

fn eval(t: &Trail, _: &Context) -> Option<Outcome> {
    Some(match &t.log_group_arn {
        Some(_) => Outcome::Pass,
        None => Outcome::fail(format!("trail {} delivers to no CloudWatch Logs group", t.name)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::cloudtrail::checks::fixtures::trail;

    #[test]
    fn no_log_group_fails() {
        assert_eq!(eval(&trail(), &ctx()), Some(Outcome::Pass));
        assert!(eval(&Trail { log_group_arn: None, ..trail() }, &ctx()).unwrap().is_fail());
    }
}
