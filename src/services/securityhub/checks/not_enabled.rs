//! `securityhub_not_enabled`: Security Hub is off in the region.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5};
use crate::model::Severity;
use crate::services::securityhub::snapshot::Hub;

pub static CHECK: Check = Check {
    id: "securityhub_not_enabled",
    title: "Security Hub is not enabled in the region",
    severity: Severity::Medium,
    resource_types: &[crate::model::ACCOUNT_REGION],
    risk: "Findings of GuardDuty, Inspector, Macie and the security standards are not gathered or \
           scored in the region, so what they detect is easily missed; disabling it removes that view.",
    remediation: "Enable Security Hub in every region, with the AWS Foundational Security Best Practices and CIS standards.",
    remediation_cli: "aws securityhub enable-security-hub --enable-default-standards",
    compliance: &[cis3("4.16"), cis5("4.16")],
    eval: &On(eval),
    advice: None,
};

fn eval(h: &Hub, _: &Context) -> Option<Outcome> {
    Some(if h.enabled { Outcome::Pass } else { Outcome::fail("Security Hub is not enabled in the region".into()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    #[test]
    fn a_disabled_hub_fails() {
        assert_eq!(eval(&Hub { enabled: true, arn: Some("arn:aws:securityhub:us-east-1:123456789012:hub/default".into()) }, &ctx()), Some(Outcome::Pass));
        assert!(eval(&Hub { enabled: false, arn: None }, &ctx()).unwrap().is_fail());
    }
}
