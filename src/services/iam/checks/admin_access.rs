//! `iam_admin_access`: a user, role or group may do every action on every resource.

use super::{one_step_lower, PRINCIPALS};
use crate::check::{evidence_of, Check, Context, On, Outcome};
use crate::model::Severity;
use crate::policy::engine;
use crate::services::iam::report::policies_of;
use crate::services::iam::snapshot::Principal;
use serde::{Deserialize, Serialize};
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "iam_admin_access",
    title: "IAM principal has full administrator access",
    severity: Severity::Critical,
    resource_types: PRINCIPALS,
    risk: "Whoever gets this principal's credentials (a leaked key, a phished console session, a compromised \
           workload that assumes the role) controls the whole account: data, logs, billing and every other \
           identity.",
    remediation: "Replace the administrator policy with one scoped to the services and resources this \
                  principal actually uses (IAM Access Advisor shows them); keep full admin behind a \
                  break-glass role with MFA.",
    remediation_cli: "aws iam generate-service-last-accessed-details --arn arn:aws:iam::ACCOUNT_ID:{id}",
    compliance: &[fsbp("IAM.1"), cis3("1.16"), cis5("1.15")],
    eval: &On(eval),
    advice: Some(|f| {
        let policies = evidence_of::<Evidence>(f).map(|e| policies_of(&e.policies)).unwrap_or_default();
        format!("Replace {policies} with a policy scoped to the services and resources this principal uses (IAM Access Advisor lists them).")
    }),
};

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let perms = p.permissions.as_ref()?;
    let governing = perms.governing();
    let Some(grant) = engine::full_access(&governing.set(), ctx.now) else { return Some(Outcome::Pass) };
    let mut detail = format!("may do * on * through {}", grant.sources.join(", "));
    let mut severity = None;
    if grant.is_conditional() {
        detail.push_str(&format!(" when {}", grant.gates.join(" and ")));
        severity = Some(one_step_lower(CHECK.severity));
    }
    Some(Outcome::fail_with(detail, severity, &Evidence { policies: grant.sources, conditions: grant.gates }))
}

/// The statements that grant `*` on `*`, and the conditions they depend on.
#[derive(Debug, Serialize, Deserialize)]
pub struct Evidence {
    pub policies: Vec<String>,
    pub conditions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::*;
    use crate::check::testing::ctx;
    use crate::services::iam::snapshot::{GroupPolicies, Permissions};

    const ADMIN: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;

    #[test]
    fn aws_managed_admin_policy() {
        let mut u = user("u");
        u.permissions = Some(Permissions {
            attached: vec![managed("arn:aws:iam::aws:policy/AdministratorAccess", ADMIN)],
            ..Default::default()
        });
        let Some(Outcome::Fail(f)) = eval(&u, &ctx()) else { panic!("admin not found") };
        assert_eq!(f.detail, "may do * on * through arn:aws:iam::aws:policy/AdministratorAccess statement 0");
        assert_eq!(f.severity, None);
    }

    #[test]
    fn equivalent_inline_policy_through_a_group() {
        let mut u = user("u");
        u.permissions = Some(Permissions {
            groups: vec![GroupPolicies { group: "ops".into(), policies: vec![inline("everything", r#"{"Effect":"Allow","Action":["*:*"],"Resource":["*"]}"#)] }],
            ..Default::default()
        });
        let Some(Outcome::Fail(f)) = eval(&u, &ctx()) else { panic!("admin via group not found") };
        assert!(f.detail.contains("inline:everything (via group ops)"), "{}", f.detail);
    }

    #[test]
    fn deny_or_scoping_is_not_admin() {
        let scoped = with_policies(user("u"), vec![inline("s3", r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#)]);
        assert_eq!(eval(&scoped, &ctx()), Some(Outcome::Pass));
        let denied = with_policies(
            user("u"),
            vec![inline("a", ADMIN), inline("guard", r#"{"Effect":"Deny","Action":"iam:*","Resource":"*"}"#)],
        );
        assert_eq!(eval(&denied, &ctx()), Some(Outcome::Pass));
    }

    #[test]
    fn conditional_admin_is_one_step_lower() {
        let mfa = with_policies(
            role("r", r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#),
            vec![inline("a", r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#)],
        );
        let Some(Outcome::Fail(f)) = eval(&mfa, &ctx()) else { panic!() };
        assert_eq!(f.severity, Some(Severity::High));
        assert!(f.detail.contains("when Bool aws:MultiFactorAuthPresent = true"), "{}", f.detail);
    }
}
