//! `iam_role_trust_any_principal`: a role's trust policy lets anyone assume it.

use crate::policy::resource::open_to_anyone;
use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;

pub static CHECK: Check = Check {
    id: "iam_role_trust_any_principal",
    title: "IAM role can be assumed by anyone",
    severity: Severity::Critical,
    resource_types: &[crate::services::iam::ROLE],
    risk: "Any AWS account in the world can call sts:AssumeRole on this role and act with its permissions; \
           attackers scan for such roles by name.",
    remediation: "Name the accounts or roles that may assume it in Principal, or restrict it with \
                  aws:PrincipalOrgID.",
    remediation_cli: "aws iam get-role --role-name {id} --query Role.AssumeRolePolicyDocument",
    compliance: &[],
    eval: &On(eval),
    advice: Some(|_| "Restrict the trust policy: name the accounts or roles that may assume it.".into()),
};

fn eval(p: &Principal, _: &Context) -> Option<Outcome> {
    let trust = p.role.as_ref()?.trust.as_ref()?;
    let open: Vec<String> =
        open_to_anyone(trust).map(|(i, s)| format!("{} lets any principal {}", s.label(i), s.actions_text())).collect();
    Some(if open.is_empty() { Outcome::Pass } else { Outcome::fail(open.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::role;
    use crate::check::testing::ctx;

    fn run(trust: &str) -> bool {
        eval(&role("r", trust), &ctx()).unwrap().is_fail()
    }

    #[test]
    fn cases() {
        assert!(run(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}"#));
        assert!(run(r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-1"}}}"#));
        assert!(!run(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#));
        assert!(!run(r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#));
    }
}
