//! `vigil simulate`: the policy engine on one request, or the IAM permission checks on policy
//! documents, for a live principal or offline (for pipelines that review policies before deploy).

use crate::check::{Check, Context, Outcome};
use crate::policy::engine::{explain, Request, Scope, Verdict};
use crate::policy::PolicyDocument;
use crate::services::iam::snapshot::{NamedPolicy, Permissions, Principal};
use crate::services::iam::USER;
use chrono::{DateTime, Utc};

/// A principal made of policy documents: each an inline policy named after its source, and an
/// optional permissions boundary. Its credentials are not read, so credential checks do not apply.
pub fn offline_principal(policies: Vec<(String, PolicyDocument)>, boundary: Option<(String, PolicyDocument)>, account: &str) -> Principal {
    let named = |(name, document): (String, PolicyDocument)| NamedPolicy { name, arn: None, document };
    let mut p = Principal::new(USER, "simulated", &format!("arn:aws:iam::{account}:user/simulated"));
    p.permissions = Some(Permissions { inline: policies.into_iter().map(named).collect(), boundary: boundary.map(named), ..Default::default() });
    p
}

/// The decision for `action` on `resource` under `context` (`key=value` pairs the request fixes).
/// An action the IAM reference says cannot be limited to a resource is decided as IAM does, on
/// the literal `*`, whatever resource is given. `None` when the principal's policies were not read.
pub fn decide(p: &Principal, action: &str, resource: &str, context: &[(String, String)], now: DateTime<Utc>) -> Option<Verdict> {
    let governing = p.permissions.as_ref()?.governing();
    let context: Vec<(&str, &str)> = context.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let unscoped = crate::policy::actions::catalogue().lookup(action).is_some_and(|a| !a.scopable());
    let scope = if unscoped { Scope::Unscoped } else { Scope::Any };
    Some(explain(&governing.set(), &Request { action, resource, scope, context: &context }, now))
}

/// Every IAM check that evaluates on the principal's policies, with its outcome.
pub fn check(p: &Principal, ctx: &Context) -> Vec<(&'static Check, Outcome)> {
    super::checks::CHECKS
        .iter()
        .copied()
        .filter(|c| c.resource_types.contains(&p.kind))
        // The simulated user holds the documents as its own inline policies by construction: the
        // checks on how policies are held say nothing about what these documents allow.
        .filter(|c| ![super::checks::user_direct_policies::CHECK.id, super::checks::cloudshell_full_access_attached::CHECK.id].contains(&c.id))
        .filter_map(|c| Some((c, c.evaluate(p, ctx)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::policy::engine::Grant;

    fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)).unwrap()
    }

    /// What `vigil simulate` answers, as a short word: allowed, conditional, explicit, implicit.
    fn answer(policies: &[&str], boundary: Option<&str>, action: &str, resource: &str, context: &[(&str, &str)]) -> &'static str {
        let docs = policies.iter().enumerate().map(|(i, s)| (format!("p{i}"), doc(s))).collect();
        let p = offline_principal(docs, boundary.map(|b| ("boundary".to_string(), doc(b))), "123456789012");
        let context: Vec<(String, String)> = context.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        match decide(&p, action, resource, &context, ctx().now).unwrap() {
            Verdict::Allowed(Grant { gates, .. }) if gates.is_empty() => "allowed",
            Verdict::Allowed(_) => "conditional",
            Verdict::ExplicitlyDenied { .. } => "explicit",
            Verdict::ImplicitlyDenied => "implicit",
        }
    }

    const ALL: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;
    const S3_READ: &str = r#"{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}"#;
    const NO_IAM: &str = r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#;
    const NOT_PROD: &str = r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::prod-*"}"#;
    const DENY_DELETE: &str = r#"{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}"#;
    const IP_ONLY: &str = r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#;
    const PASS_TO_ECS: &str = r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}}"#;
    const EXPIRED: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}"#;
    const DENY_ALL_BUT_S3: &str = r#"{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}"#;
    const DENY_OUTSIDE_SAFE: &str = r#"{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::safe/*"}"#;
    const ROLES_ONLY: &str = r#"{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:role/*"}"#;

    #[test]
    fn tabled_cases() {
        // CreateDevEndpoint cannot be limited to a resource, so a grant on endpoint ARNs is void.
        const GLUE_ENDPOINTS: &str = r#"{"Effect":"Allow","Action":["glue:CreateDevEndpoint","glue:GetDevEndpoint"],"Resource":"arn:aws:glue:*:*:devEndpoint/*"}"#;
        /// Policies, boundary, action, resource, context, expected answer.
        type Case<'a> = (&'a [&'a str], Option<&'a str>, &'a str, &'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (&[ALL], None, "iam:CreateUser", "*", &[], "allowed"),
            (&[GLUE_ENDPOINTS], None, "glue:CreateDevEndpoint", "arn:aws:glue:us-east-1:123456789012:devEndpoint/e", &[], "implicit"),
            (&[GLUE_ENDPOINTS], None, "glue:GetDevEndpoint", "arn:aws:glue:us-east-1:123456789012:devEndpoint/e", &[], "allowed"),
            (&[], None, "s3:GetObject", "arn:aws:s3:::b/k", &[], "implicit"),
            (&[S3_READ], None, "s3:GetObject", "arn:aws:s3:::b/k", &[], "allowed"),
            (&[S3_READ], None, "s3:PutObject", "arn:aws:s3:::b/k", &[], "implicit"),
            (&[S3_READ], None, "S3:getobject", "arn:aws:s3:::b/k", &[], "allowed"),
            (&[NO_IAM], None, "iam:CreateUser", "*", &[], "implicit"),
            (&[NO_IAM], None, "ec2:RunInstances", "*", &[], "allowed"),
            (&[NOT_PROD], None, "s3:GetObject", "arn:aws:s3:::prod-data/k", &[], "implicit"),
            (&[NOT_PROD], None, "s3:GetObject", "arn:aws:s3:::dev-data/k", &[], "allowed"),
            (&[ALL, DENY_DELETE], None, "s3:DeleteBucket", "arn:aws:s3:::b", &[], "explicit"),
            (&[ALL, DENY_DELETE], None, "s3:PutObject", "arn:aws:s3:::b/k", &[], "allowed"),
            (&[ALL], Some(S3_READ), "s3:GetObject", "arn:aws:s3:::b/k", &[], "allowed"),
            (&[ALL], Some(S3_READ), "iam:CreateUser", "*", &[], "implicit"),
            (&[S3_READ], Some(ALL), "iam:CreateUser", "*", &[], "implicit"),
            (&[ALL], Some(DENY_DELETE), "s3:DeleteObject", "*", &[], "explicit"),
            (&[IP_ONLY], None, "ec2:RunInstances", "*", &[], "conditional"),
            (&[PASS_TO_ECS], None, "iam:PassRole", "arn:aws:iam::123456789012:role/r", &[], "conditional"),
            (&[PASS_TO_ECS], None, "iam:PassRole", "arn:aws:iam::123456789012:role/r", &[("iam:PassedToService", "ecs-tasks.amazonaws.com")], "allowed"),
            (&[PASS_TO_ECS], None, "iam:PassRole", "arn:aws:iam::123456789012:role/r", &[("iam:PassedToService", "ec2.amazonaws.com")], "implicit"),
            (&[EXPIRED], None, "s3:GetObject", "*", &[], "implicit"),
            (&[ROLES_ONLY], None, "iam:AttachRolePolicy", "arn:aws:iam::123456789012:role/app", &[], "allowed"),
            (&[ROLES_ONLY], None, "iam:AttachUserPolicy", "arn:aws:iam::123456789012:user/u", &[], "implicit"),
            (&[S3_READ, IP_ONLY], None, "s3:ListBucket", "arn:aws:s3:::b", &[], "allowed"),
            (&[IP_ONLY, DENY_DELETE], None, "ec2:DeleteVolume", "*", &[], "conditional"),
            (&[ALL, DENY_ALL_BUT_S3], None, "iam:CreateUser", "*", &[], "explicit"),
            (&[ALL, DENY_ALL_BUT_S3], None, "s3:GetObject", "arn:aws:s3:::b/k", &[], "allowed"),
            (&[ALL, DENY_OUTSIDE_SAFE], None, "s3:GetObject", "arn:aws:s3:::other/k", &[], "explicit"),
            (&[ALL, DENY_OUTSIDE_SAFE], None, "s3:GetObject", "arn:aws:s3:::safe/k", &[], "allowed"),
            (&[S3_READ, NO_IAM], None, "iam:GetUser", "*", &[], "implicit"),
            (&[ALL], Some(IP_ONLY), "ec2:RunInstances", "*", &[], "conditional"),
            (&[ALL, DENY_DELETE], None, "S3:DELETEOBJECT", "*", &[], "explicit"),
        ];
        assert!(cases.len() >= 30);
        for (policies, boundary, action, resource, context, want) in cases {
            assert_eq!(answer(policies, *boundary, action, resource, context), *want, "{action} on {resource} under {policies:?}");
        }
    }

    #[test]
    fn checks_run_on_documents_alone() {
        let p = offline_principal(vec![("ci".into(), doc(r#"{"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":"*"}"#))], None, "123456789012");
        let failed: Vec<&str> = check(&p, &ctx()).into_iter().filter(|(_, o)| o.is_fail()).map(|(c, _)| c.id).collect();
        assert!(failed.contains(&"iam_privilege_escalation"), "{failed:?}");
        let clean = offline_principal(vec![("read".into(), doc(S3_READ))], None, "123456789012");
        assert!(check(&clean, &ctx()).iter().all(|(_, o)| !o.is_fail()));
    }
}
