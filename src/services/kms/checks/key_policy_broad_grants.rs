//! `kms_key_policy_broad_grants`: the key policy gives `kms:*` or key administration to a
//! principal other than the account root.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::policy::{Effect, Principal, Statement};
use crate::services::kms::snapshot::{Key, Manager};

pub static CHECK: Check = Check {
    id: "kms_key_policy_broad_grants",
    title: "KMS key policy grants key administration beyond the account root",
    severity: Severity::High,
    resource_types: &[crate::services::kms::KEY],
    risk: "A principal that may change the key policy, schedule the key's deletion or create grants \
           controls the key: it can lock the account out of its own data, give the key to another \
           account, or destroy everything the key protects. A workload role needs encrypt and \
           decrypt, never administration.",
    remediation: "Grant workloads only the cryptographic operations they use (kms:Encrypt, kms:Decrypt, \
                  kms:GenerateDataKey*), keep administration with the account root (delegated through IAM \
                  policies), and give kms:CreateGrant only with the condition kms:GrantIsForAWSResource.",
    remediation_cli: "aws kms get-key-policy --key-id {id} --policy-name default",
    compliance: &[],
    eval: &On(eval),
    advice: None,
};

/// Actions that hand over control of the key.
const ADMINISTRATION: &[&str] = &["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"];

/// The AWS principals a statement names other than the account root (`*` included).
fn beyond_root(s: &Statement, account: &str, partition: &str) -> Vec<String> {
    let root = [format!("arn:{partition}:iam::{account}:root"), account.to_string()];
    match &s.principal {
        Some(Principal::Any) => vec!["*".into()],
        Some(Principal::Map(m)) => m.get("AWS").map(|v| v.iter().filter(|p| !root.contains(p)).cloned().collect()).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// Whether a condition requires that the grant be for an AWS service's resource.
fn grant_limited_to_aws_resources(s: &Statement) -> bool {
    s.conditions().any(|(op, key, values)| {
        key.eq_ignore_ascii_case("kms:GrantIsForAWSResource") && op.eq_ignore_ascii_case("Bool") && values.iter().any(|v| crate::policy::value_text(v).eq_ignore_ascii_case("true"))
    })
}

/// What a statement hands over: `kms:*`, the administration actions, an unconditioned CreateGrant.
fn handed_over(s: &Statement) -> Vec<&'static str> {
    if s.action.as_ref().is_some_and(|a| a.iter().any(|x| x == "*" || x.eq_ignore_ascii_case("kms:*"))) {
        return vec!["kms:*"];
    }
    let mut out: Vec<&'static str> = ADMINISTRATION.iter().copied().filter(|a| s.covers_action(a)).collect();
    if s.covers_action("kms:CreateGrant") && !grant_limited_to_aws_resources(s) {
        out.push("kms:CreateGrant without kms:GrantIsForAWSResource");
    }
    out
}

fn eval(k: &Key, ctx: &Context) -> Option<Outcome> {
    if k.manager? != Manager::Customer {
        return Some(Outcome::Pass);
    }
    let doc = k.policy.as_ref()?;
    let found: Vec<String> = doc
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect == Effect::Allow)
        .filter_map(|(i, s)| {
            let who = beyond_root(s, &ctx.account_id, ctx.partition);
            let what = handed_over(s);
            (!who.is_empty() && !what.is_empty()).then(|| format!("{} gives {} to {}", s.label(i), what.join(", "), who.join(", ")))
        })
        .collect();
    Some(if found.is_empty() { Outcome::Pass } else { Outcome::fail(found.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::kms::checks::fixtures::{key, with_policy};

    fn broad(statements: &str) -> Option<String> {
        match eval(&with_policy(statements), &ctx()).unwrap() {
            Outcome::Fail(f) => Some(f.detail),
            Outcome::Pass => None,
        }
    }

    const ROOT: &str = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}"#;

    #[test]
    fn the_root_may_administer_a_workload_may_only_use_the_key() {
        assert_eq!(eval(&key(), &ctx()), Some(Outcome::Pass));
        assert_eq!(broad(ROOT), None);
        let usage = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":["kms:Encrypt","kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*"}"#;
        assert_eq!(broad(&format!("{ROOT},{usage}")), None);
    }

    #[test]
    fn kms_star_to_a_lambda_role_is_broad() {
        let d = broad(r#"{"Sid":"Fn","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/fn-role"},"Action":"kms:*","Resource":"*"}"#).unwrap();
        assert!(d.contains("kms:*") && d.contains("role/fn-role") && d.contains("Fn"), "{d}");
    }

    #[test]
    fn administration_actions_and_open_grants_are_broad_however_written() {
        let admins = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/KeyAdmin"},"Action":["kms:Create*","kms:Put*","kms:ScheduleKeyDeletion"],"Resource":"*"}"#;
        let d = broad(admins).unwrap();
        assert!(d.contains("kms:PutKeyPolicy") && d.contains("kms:ScheduleKeyDeletion") && d.contains("kms:CreateGrant without"), "{d}");
        let grant = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"kms:CreateGrant","Resource":"*"}"#;
        assert!(broad(grant).is_some());
        let aws_only = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"kms:CreateGrant","Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}"#;
        assert_eq!(broad(aws_only), None, "grants for AWS services' resources (EBS, RDS) are expected");
        let other_root = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}"#;
        assert!(broad(other_root).is_some(), "another account's root is not this account's");
        assert_eq!(broad(r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:role/x"},"Action":"kms:*","Resource":"*"}"#), None);
        assert_eq!(broad(r#"{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"kms:*","Resource":"*"}"#), None, "service principals are for the key's use by AWS");
    }
}
