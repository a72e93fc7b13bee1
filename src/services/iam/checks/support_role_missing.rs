//! `iam_support_role_missing`: no role can open AWS Support cases.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5};
use crate::model::Severity;
use crate::services::iam::snapshot::Account;

pub static CHECK: Check = Check {
    id: "iam_support_role_missing",
    title: "No IAM role has AWSSupportAccess",
    severity: Severity::Low,
    resource_types: &[crate::model::ACCOUNT],
    risk: "During an incident nobody without the root user or an administrator can reach AWS Support, so \
           teams share powerful credentials or wait.",
    remediation: "Create a role for incident responders and attach AWSSupportAccess to it.",
    remediation_cli: "aws iam attach-role-policy --role-name SupportRole --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess",
    compliance: &[cis3("1.17"), cis5("1.16")],
    eval: &On(eval),
    advice: None,
};

fn eval(a: &Account, _: &Context) -> Option<Outcome> {
    Some(if a.support_roles.as_ref()?.is_empty() {
        Outcome::fail("AWSSupportAccess is attached to no role".into())
    } else {
        Outcome::Pass
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    #[test]
    fn a_role_with_the_policy_passes() {
        let with = |roles: Option<Vec<String>>| Account { support_roles: roles, ..Default::default() };
        assert!(eval(&with(Some(vec![])), &ctx()).unwrap().is_fail());
        assert_eq!(eval(&with(Some(vec!["support".into()])), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&with(None), &ctx()), None);
    }
}
