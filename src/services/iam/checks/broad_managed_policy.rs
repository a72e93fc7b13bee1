//! `iam_broad_managed_policy`: a principal has a managed policy from the `BROAD_MANAGED_POLICIES` list.

use super::PRINCIPALS;
use crate::check::{evidence_of, Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::{NamedPolicy, Principal};
use serde::{Deserialize, Serialize};

pub static CHECK: Check = Check {
    id: "iam_broad_managed_policy",
    title: "IAM principal has an overly broad managed policy",
    severity: Severity::High,
    resource_types: PRINCIPALS,
    risk: "Policies such as PowerUserAccess or IAMFullAccess grant far more than any one job needs: \
           IAMFullAccess alone lets the holder make itself administrator, and PowerUserAccess reaches every \
           service's data.",
    remediation: "Detach the broad policy and attach one scoped to the actions the principal uses.",
    remediation_cli: "aws iam list-attached-user-policies --user-name {id}",
    compliance: &[],
    eval: &On(eval),
    advice: Some(|f| {
        let policies = evidence_of::<Evidence>(f).map(|e| e.policies.join(", ")).unwrap_or_default();
        format!("Replace {policies} with a policy scoped to the actions this principal uses.")
    }),
};

fn listed(p: &NamedPolicy, ctx: &Context) -> bool {
    ctx.broad_policies.iter().any(|b| if b.starts_with("arn:") { p.arn.as_deref() == Some(b) } else { p.name == *b })
}

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let perms = p.permissions.as_ref()?;
    let found: Vec<(String, String)> = perms
        .managed()
        .filter(|(policy, _)| listed(policy, ctx))
        .map(|(policy, group)| {
            let how = group.map(|g| format!(" (via group {g})")).unwrap_or_default();
            (policy.label(), how)
        })
        .collect();
    if found.is_empty() {
        return Some(Outcome::Pass);
    }
    let detail = format!(
        "attached: {}",
        found.iter().map(|(arn, how)| format!("{arn}{how}")).collect::<Vec<_>>().join(", ")
    );
    let policies = found.iter().map(|(arn, _)| arn.to_string()).collect();
    Some(Outcome::fail_with(detail, None, &Evidence { policies }))
}

/// The broad managed policies attached.
#[derive(Debug, Serialize, Deserialize)]
pub struct Evidence {
    pub policies: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::*;
    use crate::check::testing::ctx;
    use crate::services::iam::snapshot::{GroupPolicies, Permissions};

    #[test]
    fn cases() {
        let power = managed("arn:aws:iam::aws:policy/PowerUserAccess", r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
        let read = managed("arn:aws:iam::aws:policy/ReadOnlyAccess", r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}"#);
        let mut u = user("u");
        u.permissions = Some(Permissions { attached: vec![read.clone()], ..Default::default() });
        assert_eq!(eval(&u, &ctx()), Some(Outcome::Pass));
        u.permissions = Some(Permissions {
            groups: vec![GroupPolicies { group: "devs".into(), policies: vec![power] }],
            ..Default::default()
        });
        let Some(Outcome::Fail(f)) = eval(&u, &ctx()) else { panic!() };
        assert_eq!(f.detail, "attached: arn:aws:iam::aws:policy/PowerUserAccess (via group devs)");
        let same_name_inline = with_policies(user("u"), vec![inline("PowerUserAccess", r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#)]);
        assert_eq!(eval(&same_name_inline, &ctx()), Some(Outcome::Pass), "only managed policies are matched");
    }
}
