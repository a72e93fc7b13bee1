//! `s3_bucket_cross_account_unconditioned`: a policy grants another, untrusted account access with no condition.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::policy::Effect;
use crate::services::s3::snapshot::Bucket;
use crate::compliance::fsbp;

pub static CHECK: Check = Check {
    id: "s3_bucket_cross_account_unconditioned",
    title: "S3 bucket grants an untrusted account unconditioned access",
    severity: Severity::High,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "Any principal in the other account that its own admins allow can use the grant; if that account \
           is compromised or changes hands, the attacker inherits access to this bucket's data.",
    remediation: "Remove the grant, add the account to TRUSTED_ACCOUNT_IDS if it is yours, or restrict the \
                  statement with conditions such as aws:PrincipalOrgID or aws:SourceVpce.",
    remediation_cli: "aws s3api get-bucket-policy --bucket {id} --query Policy --output text > policy.json && \
                      aws s3api put-bucket-policy --bucket {id} --policy file://policy.json",
    compliance: &[fsbp("S3.6")],
    eval: &On(eval),
    advice: None,
};

fn eval(b: &Bucket, ctx: &Context) -> Option<Outcome> {
    let Some(doc) = b.policy.as_ref()? else { return Some(Outcome::Pass) };
    let grants: Vec<String> = doc
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect == Effect::Allow && !s.has_condition())
        .filter_map(|(i, s)| {
            let foreign: Vec<String> = s
                .named_accounts()
                .into_iter()
                .filter(|a| a != &ctx.account_id && !ctx.trusted_accounts.contains(a))
                .collect();
            (!foreign.is_empty())
                .then(|| format!("{} allows account {} {} with no condition", s.label(i), foreign.join(", "), s.actions_text()))
        })
        .collect();
    Some(if grants.is_empty() { Outcome::Pass } else { Outcome::fail(grants.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;

    fn out(principal: &str, condition: &str) -> Option<Outcome> {
        let b = with_policy(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":{principal}}},"Action":"s3:GetObject","Resource":"*"{condition}}}]}}"#
        ));
        eval(&b, &ctx())
    }

    #[test]
    fn cases() {
        let fail = |p: &str, c: &str| matches!(out(p, c), Some(Outcome::Fail(_)));
        assert!(fail(r#""arn:aws:iam::222222222222:root""#, ""));
        assert!(fail(r#"["333333333333"]"#, ""));
        assert!(!fail(r#""arn:aws:iam::123456789012:role/own""#, ""), "own account");
        assert!(!fail(r#""999999999999""#, ""), "trusted account");
        assert!(!fail(r#""222222222222""#, r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}"#));
        assert!(!fail(r#""*""#, ""), "public is a different check");
        assert_eq!(
            out(r#""arn:aws:iam::222222222222:root""#, ""),
            Some(Outcome::fail("statement 0 allows account 222222222222 s3:GetObject with no condition".into()))
        );
    }

    #[test]
    fn deny_to_other_account_is_fine() {
        let b = with_policy(r#"{"Statement":{"Effect":"Deny","Principal":{"AWS":"222222222222"},"Action":"s3:*"}}"#);
        assert_eq!(eval(&b, &ctx()), Some(Outcome::Pass));
    }
}
