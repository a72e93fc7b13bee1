//! `s3_bucket_tls_not_enforced`: no bucket policy statement denies requests without TLS.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::policy::{value_text, Effect, Statement};
use crate::services::s3::snapshot::Bucket;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "s3_bucket_tls_not_enforced",
    title: "S3 bucket does not require TLS",
    severity: Severity::Medium,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "Clients may reach the bucket over plain HTTP, where a network attacker can read or alter objects \
           and requests in transit.",
    remediation: "Add a Deny statement for all principals and s3:* when aws:SecureTransport is false.",
    remediation_cli: "aws s3api put-bucket-policy --bucket {id} --policy '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyInsecureTransport\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::{id}\",\"arn:aws:s3:::{id}/*\"],\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}'",
    compliance: &[fsbp("S3.5"), cis3("2.1.1"), cis5("2.1.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(b: &Bucket, _: &Context) -> Option<Outcome> {
    let Some(doc) = b.policy.as_ref()? else {
        return Some(Outcome::fail("no bucket policy, so nothing denies plain-HTTP requests".into()));
    };
    Some(if doc.statements.iter().any(denies_insecure_transport) {
        Outcome::Pass
    } else {
        Outcome::fail("no Deny statement for all principals on s3:* with aws:SecureTransport = false".into())
    })
}

/// A Deny to everyone, on every S3 action, when `aws:SecureTransport` is false.
fn denies_insecure_transport(s: &Statement) -> bool {
    s.effect == Effect::Deny
        && s.principal.as_ref().is_some_and(|p| p.is_anyone())
        && s.covers_action("s3:*")
        && s.action.as_ref().is_some_and(|a| a.iter().any(|x| x == "*" || x.eq_ignore_ascii_case("s3:*")))
        && s.conditions().any(|(op, key, values)| {
            let op = op.to_ascii_lowercase();
            (op == "bool" || op == "boolifexists")
                && key.eq_ignore_ascii_case("aws:SecureTransport")
                && values.iter().any(|v| value_text(v).eq_ignore_ascii_case("false"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;

    fn policy(stmt: &str) -> Bucket {
        with_policy(&format!(r#"{{"Statement":[{stmt}]}}"#))
    }

    #[test]
    fn proper_deny_passes() {
        for value in [r#""false""#, "false"] {
            let b = policy(&format!(
                r#"{{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{{"Bool":{{"aws:SecureTransport":{value}}}}}}}"#
            ));
            assert!(!fails(&CHECK, &b), "{value}");
        }
    }

    #[test]
    fn near_misses_fail() {
        for stmt in [
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
            r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*"}"#,
        ] {
            assert!(fails(&CHECK, &policy(stmt)), "{stmt}");
        }
    }

    #[test]
    fn no_policy_fails() {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        b.policy = Some(None);
        assert!(fails(&CHECK, &b));
    }
}
