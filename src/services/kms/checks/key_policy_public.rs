//! `kms_key_policy_public`: the key policy lets anyone use or manage the key.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::policy::resource::open_to_anyone;
use crate::services::kms::snapshot::{Key, Manager};

pub static CHECK: Check = Check {
    id: "kms_key_policy_public",
    title: "KMS key policy grants access to anyone",
    severity: Severity::Critical,
    resource_types: &[crate::services::kms::KEY],
    risk: "Any AWS account can call the granted operations on the key: decrypt what it protects, encrypt \
           with it, or (with kms:PutKeyPolicy or kms:ScheduleKeyDeletion) take it over or destroy it.",
    remediation: "Name the principals in the statement, or limit `*` with a condition on kms:CallerAccount, \
                  aws:PrincipalOrgID or aws:PrincipalAccount.",
    remediation_cli: "aws kms get-key-policy --key-id {id} --policy-name default",
    compliance: &[fsbp("KMS.5")],
    eval: &On(eval),
    advice: None,
};

fn eval(k: &Key, _: &Context) -> Option<Outcome> {
    if k.manager? != Manager::Customer {
        return Some(Outcome::Pass);
    }
    let doc = k.policy.as_ref()?;
    let open: Vec<String> = open_to_anyone(doc).map(|(i, s)| format!("{} allows anyone {}", s.label(i), s.actions_text())).collect();
    Some(if open.is_empty() { Outcome::Pass } else { Outcome::fail(open.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::kms::checks::fixtures::{key, with_policy};

    fn public(statements: &str) -> bool {
        eval(&with_policy(statements), &ctx()).unwrap().is_fail()
    }

    #[test]
    fn anyone_without_a_narrowing_condition_is_public() {
        assert!(public(r#"{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}"#));
        assert!(public(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}"#));
        assert!(public(r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:Decrypt","Resource":"*"}"#));
        assert!(!public(r#"{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*"}"#));
    }

    #[test]
    fn anyone_narrowed_to_an_account_or_organization_is_not_public() {
        // The shape of AWS's own key policies: anyone in the account, through one service.
        assert!(!public(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"123456789012","kms:ViaService":"s3.eu-west-1.amazonaws.com"}}}"#));
        assert!(!public(r#"{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#));
        assert!(public(r#"{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEquals":{"kms:CallerAccount":"111111111111"}}}"#), "a negated condition narrows nothing");
        assert!(!public(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}"#));
    }

    #[test]
    fn an_unread_policy_is_no_verdict() {
        assert_eq!(eval(&Key { policy: None, ..key() }, &ctx()), None);
    }
}
