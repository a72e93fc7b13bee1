//! `iam_cloudshell_full_access_attached`: a user, group or role holds `AWSCloudShellFullAccess`.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;

/// The AWS managed policy's name.
pub const POLICY: &str = "AWSCloudShellFullAccess";

pub static CHECK: Check = Check {
    id: "iam_cloudshell_full_access_attached",
    title: "AWSCloudShellFullAccess is attached",
    severity: Severity::Low,
    resource_types: &[crate::services::iam::USER, crate::services::iam::GROUP, crate::services::iam::ROLE],
    risk: "CloudShell with full access uploads and downloads files and has internet egress: a shell that moves \
           data out of the account past network controls.",
    remediation: "Detach AWSCloudShellFullAccess; grant a narrower CloudShell policy without file transfer where a shell is needed.",
    remediation_cli: "aws iam list-entities-for-policy --policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess",
    compliance: &[cis3("1.22"), cis5("1.21")],
    eval: &On(eval),
    advice: None,
};

fn eval(p: &Principal, _: &Context) -> Option<Outcome> {
    let perms = p.permissions.as_ref()?;
    let held = perms.attached.iter().any(|a| a.arn.as_deref().is_some_and(|arn| arn.ends_with(&format!(":aws:policy/{POLICY}"))));
    Some(if held { Outcome::fail(format!("{POLICY} is attached")) } else { Outcome::Pass })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::iam::checks::fixtures::{managed, user};
    use crate::services::iam::snapshot::Permissions;

    #[test]
    fn the_aws_policy_fails_a_lookalike_passes() {
        let allow = r#"{"Effect":"Allow","Action":"cloudshell:*","Resource":"*"}"#;
        let mut u = user("a");
        u.permissions = Some(Permissions { attached: vec![managed("arn:aws:iam::aws:policy/AWSCloudShellFullAccess", allow)], ..Default::default() });
        assert!(eval(&u, &ctx()).unwrap().is_fail());
        u.permissions = Some(Permissions { attached: vec![managed("arn:aws:iam::123456789012:policy/AWSCloudShellFullAccess", allow)], ..Default::default() });
        assert_eq!(eval(&u, &ctx()), Some(Outcome::Pass), "a customer policy of that name is another policy");
    }
}
