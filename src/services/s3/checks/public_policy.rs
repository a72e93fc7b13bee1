//! `s3_bucket_public_policy`: a bucket policy Allow statement grants anyone access without a restricting condition.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::policy::resource::open_to_anyone;
use crate::services::s3::snapshot::Bucket;
use crate::compliance::fsbp;

pub static CHECK: Check = Check {
    id: "s3_bucket_public_policy",
    title: "S3 bucket policy grants public access",
    severity: Severity::Critical,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "Anyone on the internet can call the granted S3 actions on this bucket: data can be listed and \
           downloaded (exfiltration), or overwritten and deleted (ransom, defacement, malware hosting).",
    remediation: "Remove the public statement, or restrict it with a condition such as aws:SourceVpce or \
                  aws:PrincipalOrgID, and turn on Block Public Access.",
    remediation_cli: "aws s3api delete-bucket-policy --bucket {id}",
    compliance: &[fsbp("S3.2"), fsbp("S3.3")],
    eval: &On(eval),
    advice: None,
};

fn eval(b: &Bucket, _: &Context) -> Option<Outcome> {
    let Some(doc) = b.policy.as_ref()? else { return Some(Outcome::Pass) };
    let public: Vec<String> =
        open_to_anyone(doc).map(|(i, s)| format!("{} allows anyone {}", s.label(i), s.actions_text())).collect();
    Some(if public.is_empty() { Outcome::Pass } else { Outcome::fail(public.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;

    fn check(stmt: &str) -> Option<Outcome> {
        eval(&with_policy(&format!(r#"{{"Version":"2012-10-17","Statement":[{stmt}]}}"#)), &ctx())
    }

    fn public(stmt: &str) -> bool {
        matches!(check(stmt), Some(Outcome::Fail(_)))
    }

    #[test]
    fn principal_forms_that_are_public() {
        for principal in [r#""*""#, r#"{"AWS":"*"}"#, r#"{"AWS":["arn:aws:iam::111111111111:root","*"]}"#] {
            let stmt = format!(r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"*"}}"#);
            assert!(public(&stmt), "{principal}");
        }
    }

    #[test]
    fn an_allow_with_not_principal_is_public() {
        // Everyone except one account: anonymous callers included.
        assert!(public(r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:GetObject","Resource":"*"}"#));
        assert!(!public(r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:*","Resource":"*"}"#));
    }

    #[test]
    fn named_principals_and_services_are_not_public() {
        assert!(!public(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:*"}"#));
        assert!(!public(r#"{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject"}"#));
    }

    #[test]
    fn deny_never_makes_public() {
        assert!(!public(r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#));
    }

    #[test]
    fn each_restricting_key_makes_it_private() {
        for (op, key, value) in [
            ("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
            ("StringEquals", "aws:SourceVpc", "vpc-1234"),
            ("StringEquals", "aws:SourceVpce", "vpce-1234"),
            ("StringEquals", "aws:PrincipalOrgID", "o-abc"),
            ("StringEquals", "aws:PrincipalAccount", "111111111111"),
            ("StringEquals", "aws:SourceAccount", "111111111111"),
            ("ArnLike", "aws:SourceArn", "arn:aws:cloudfront::111111111111:distribution/E1"),
        ] {
            let stmt = format!(
                r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{{"{op}":{{"{key}":"{value}"}}}}}}"#
            );
            assert!(!public(&stmt), "{key} should restrict");
        }
    }

    #[test]
    fn conditions_that_do_not_restrict() {
        for cond in [
            r#"{"StringEquals":{"s3:prefix":"public/"}}"#,
            r#"{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}"#,
            r#"{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#,
            r#"{"StringLike":{"aws:SourceArn":"*"}}"#,
            r#"{"Null":{"aws:SourceVpc":"false"}}"#,
        ] {
            let stmt = format!(r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{cond}}}"#);
            assert!(public(&stmt), "{cond} should not restrict");
        }
    }

    #[test]
    fn detail_names_the_statement() {
        let out = check(r#"{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":"*"}"#);
        assert_eq!(out, Some(Outcome::fail(r#"statement 0 (Sid "PublicRead") allows anyone s3:GetObject"#.into())));
    }

    #[test]
    fn no_policy_passes() {
        let mut b = with_policy(r#"{"Statement":[]}"#);
        b.policy = Some(None);
        assert_eq!(eval(&b, &ctx()), Some(Outcome::Pass));
    }
}
