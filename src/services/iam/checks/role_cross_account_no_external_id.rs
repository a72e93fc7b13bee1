//! `iam_role_cross_account_no_external_id`: another account may assume the role without an
//! `sts:ExternalId` condition.

use crate::check::{evidence_of, Check, Context, On, Outcome};
use crate::model::Severity;
use crate::policy::Effect;
use crate::services::iam::snapshot::Principal;
use serde::{Deserialize, Serialize};

pub static CHECK: Check = Check {
    id: "iam_role_cross_account_no_external_id",
    title: "IAM role trusts another account without an external ID",
    severity: Severity::High,
    resource_types: &[crate::services::iam::ROLE],
    risk: "Without an external ID the role is open to the confused-deputy attack: any customer of the \
           trusted vendor can ask the vendor to assume this role on their behalf and reach your account.",
    remediation: "Add a Condition StringEquals sts:ExternalId with a secret agreed with the trusted party, \
                  or add the account to TRUSTED_ACCOUNT_IDS if it is one of yours.",
    remediation_cli: "aws iam update-assume-role-policy --role-name {id} --policy-document file://trust.json",
    compliance: &[],
    eval: &On(eval),
    advice: Some(|f| {
        let accounts = evidence_of::<Evidence>(f).map(|e| e.accounts.join(", ")).unwrap_or_default();
        format!("Add ExternalId: a StringEquals sts:ExternalId condition for account(s) {accounts}.")
    }),
};

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let trust = p.role.as_ref()?.trust.as_ref()?;
    let mut found = Vec::new();
    let mut accounts = Vec::new();
    for (i, s) in trust.statements.iter().enumerate().filter(|(_, s)| s.effect == Effect::Allow) {
        let Some(principal) = &s.principal else { continue };
        if principal.is_anyone() {
            continue; // iam_role_trust_any_principal
        }
        let has_external_id = s.conditions().any(|(_, key, _)| key.eq_ignore_ascii_case("sts:ExternalId"));
        let foreign: Vec<String> = principal
            .aws_accounts()
            .into_iter()
            .filter(|a| *a != ctx.account_id && !ctx.trusted_accounts.contains(a))
            .collect();
        if !foreign.is_empty() && !has_external_id {
            found.push(format!("{} trusts account {} without sts:ExternalId", s.label(i), foreign.join(", ")));
            accounts.extend(foreign);
        }
    }
    if found.is_empty() {
        return Some(Outcome::Pass);
    }
    Some(Outcome::fail_with(found.join("; "), None, &Evidence { accounts }))
}

/// The accounts trusted without an ExternalId.
#[derive(Debug, Serialize, Deserialize)]
pub struct Evidence {
    pub accounts: Vec<String>,
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
        assert!(run(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#));
        assert!(!run(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t"}}}"#));
        assert!(!run(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}"#), "own account");
        assert!(!run(r#"{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"sts:AssumeRole"}"#), "trusted account");
        assert!(!run(r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#));
    }
}
