//! `iam_user_direct_policies`: a user holds policies of its own rather than through groups.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;

pub static CHECK: Check = Check {
    id: "iam_user_direct_policies",
    title: "IAM user has policies attached directly",
    severity: Severity::Low,
    resource_types: &[crate::services::iam::USER],
    risk: "Permissions granted user by user drift apart and outlive the job they were for; nobody reviews them \
           as a whole, and leavers keep what a group change would have taken away.",
    remediation: "Move the permissions to a group (or to roles the user assumes) and remove the user's own policies.",
    remediation_cli: "aws iam list-attached-user-policies --user-name {id}",
    compliance: &[fsbp("IAM.2"), cis3("1.15"), cis5("1.14")],
    eval: &On(eval),
    advice: None,
};

fn eval(p: &Principal, _: &Context) -> Option<Outcome> {
    let perms = p.permissions.as_ref()?;
    let own: Vec<String> = perms.inline.iter().chain(&perms.attached).map(|policy| policy.label()).collect();
    Some(if own.is_empty() { Outcome::Pass } else { Outcome::fail(format!("policies on the user: {}", own.join(", "))) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::iam::checks::fixtures::{inline, managed, user, with_policies};
    use crate::services::iam::snapshot::{GroupPolicies, Permissions};

    #[test]
    fn inline_or_attached_fail_groups_pass() {
        let allow = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
        assert_eq!(eval(&with_policies(user("a"), vec![inline("p", allow)]), &ctx()), Some(Outcome::fail("policies on the user: inline:p".into())));
        let mut u = user("b");
        u.permissions = Some(Permissions { attached: vec![managed("arn:aws:iam::aws:policy/ReadOnlyAccess", allow)], ..Default::default() });
        assert!(eval(&u, &ctx()).unwrap().is_fail());
        u.permissions = Some(Permissions { groups: vec![GroupPolicies { group: "dev".into(), policies: vec![inline("g", allow)] }], ..Default::default() });
        assert_eq!(eval(&u, &ctx()), Some(Outcome::Pass));
        u.permissions = None;
        assert_eq!(eval(&u, &ctx()), None);
    }
}
