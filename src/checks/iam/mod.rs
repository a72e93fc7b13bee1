//! IAM checks: credential hygiene, over-privilege, privilege escalation and role trust.
//!
//! Principal checks read a [`Principal`] snapshot; the permission checks go through the policy
//! engine ([`crate::policy::engine`]), so Deny, NotAction, resource constraints, conditions and
//! permissions boundaries are honoured.

pub mod admin_access;
pub mod broad_managed_policy;
pub mod password_policy_weak;
pub mod policy_service_wildcard;
pub mod policy_wildcard_resource_unconditioned;
pub mod privilege_escalation;
pub mod role_cross_account_no_external_id;
pub mod role_long_session;
pub mod role_trust_any_principal;
pub mod role_unused;
pub mod root_access_key;
pub mod root_no_mfa;
pub mod user_access_key_stale;
pub mod user_console_no_mfa;
pub mod user_inactive;
pub mod user_multiple_active_keys;

use crate::model::{ResourceType, Severity};
use crate::policy::glob::{self, Case};
use crate::checks::{Documents, Outcome};
use crate::policy::{Effect, Statement};
use crate::snapshot::iam::{NamedPolicy, Principal};

/// Runs `flag` on every Allow statement a resource owns; each `Some(what)` becomes
/// "<policy> statement N allows <what>" in the failure detail.
pub fn lint_allows(docs: &Documents, flag: impl Fn(&Statement) -> Option<String>) -> Outcome {
    let found: Vec<String> = docs
        .own
        .iter()
        .flat_map(|p| p.document.statements.iter().enumerate().map(move |(i, s)| (p, i, s)))
        .filter(|(_, _, s)| s.effect == Effect::Allow)
        .filter_map(|(p, i, s)| flag(s).map(|what| format!("{} {} allows {what}", p.label(), s.label(i))))
        .collect();
    if found.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(found.join("; "))
    }
}

/// Whether an unconditional Deny on every resource in `governing` removes every action `pattern`
/// can match, so an Allow of it grants nothing.
pub fn denied_everywhere(pattern: &str, governing: &[&NamedPolicy]) -> bool {
    governing.iter().flat_map(|p| p.document.statements.iter()).any(|s| {
        let every_resource = match (&s.resource, &s.not_resource) {
            (Some(r), _) => r.iter().any(|x| glob::is_universal(x)),
            (None, Some(_)) => false,
            (None, None) => true,
        };
        let covers = match (&s.action, &s.not_action) {
            (Some(a), _) => a.iter().any(|d| glob::covers(d, pattern, Case::Insensitive)),
            (None, Some(n)) => !n.iter().any(|x| glob::intersects(x, pattern, Case::Insensitive)),
            _ => false,
        };
        s.effect == Effect::Deny && !s.has_condition() && every_resource && covers
    })
}

/// The principal types the permission checks apply to.
pub const PRINCIPALS: &[ResourceType] = &[ResourceType::IamUser, ResourceType::IamRole, ResourceType::IamGroup];

/// A grant that depends on a condition is reported one severity step lower.
pub fn one_step_lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

/// How reachable a principal is from outside: what an attacker would use to act as it.
pub fn exposure(p: &Principal, own_account: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(c) = &p.credentials {
        if c.console {
            out.push(if c.mfa { "console access" } else { "console access without MFA" });
        }
        if c.active_keys().next().is_some() {
            out.push("active access key");
        }
    }
    if let Some(trust) = p.role.as_ref().and_then(|r| r.trust.as_ref()) {
        let allows = trust.statements.iter().filter(|s| s.effect == crate::policy::Effect::Allow);
        let principals: Vec<_> = allows.filter_map(|s| s.principal.as_ref()).collect();
        if principals.iter().any(|p| p.is_anyone()) {
            out.push("trusted by anyone");
        } else if principals.iter().any(|p| p.aws_accounts().iter().any(|a| a != own_account)) {
            out.push("trusted by another account");
        }
    }
    out
}

/// A 0-100 score combining a finding's severity with the principal's exposure.
pub fn risk_score(severity: Severity, exposure: &[&str]) -> u8 {
    let base: u32 = match severity {
        Severity::Critical => 70,
        Severity::High => 50,
        Severity::Medium => 30,
        Severity::Low => 15,
        Severity::Info => 5,
    };
    let extra: u32 = exposure
        .iter()
        .map(|e| match *e {
            "trusted by anyone" | "console access without MFA" => 20,
            _ => 12,
        })
        .sum();
    (base + extra).min(100) as u8
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Principals for the IAM check tests.
    use crate::checks::testing::ACCOUNT;
    use crate::model::ResourceType;
    use crate::policy::PolicyDocument;
    use crate::snapshot::iam::*;

    pub fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)).expect("fixture")
    }

    pub fn inline(name: &str, statements: &str) -> NamedPolicy {
        NamedPolicy { name: name.into(), arn: None, document: doc(statements) }
    }

    pub fn managed(arn: &str, statements: &str) -> NamedPolicy {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        NamedPolicy { name: name.into(), arn: Some(arn.into()), document: doc(statements) }
    }

    pub fn user(name: &str) -> Principal {
        let mut p = Principal::new(ResourceType::IamUser, name, &format!("arn:aws:iam::{ACCOUNT}:user/{name}"));
        p.permissions = Some(Permissions::default());
        p.credentials = Some(Credentials::default());
        p
    }

    pub fn with_policies(mut p: Principal, policies: Vec<NamedPolicy>) -> Principal {
        p.permissions = Some(Permissions { inline: policies, ..Default::default() });
        p
    }

    pub fn role(name: &str, trust: &str) -> Principal {
        let mut p = Principal::new(ResourceType::IamRole, name, &format!("arn:aws:iam::{ACCOUNT}:role/{name}"));
        p.permissions = Some(Permissions::default());
        p.role = Some(RoleInfo { trust: Some(doc(trust)), max_session_seconds: Some(3600), last_used: Some(None) });
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fixtures::*;

    #[test]
    fn exposure_raises_the_score() {
        let mut u = user("a");
        let quiet = risk_score(Severity::Critical, &exposure(&u, "123456789012"));
        let creds = u.credentials.as_mut().unwrap();
        creds.console = true;
        creds.keys.push(crate::snapshot::iam::AccessKey { id: None, active: true, created: None, last_used: None });
        let exposed = exposure(&u, "123456789012");
        assert_eq!(exposed, vec!["console access without MFA", "active access key"]);
        assert!(risk_score(Severity::Critical, &exposed) > quiet);
        assert_eq!(risk_score(Severity::Critical, &["trusted by anyone", "x", "y"]), 100, "capped");
        let r = role("r", r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#);
        assert_eq!(exposure(&r, "123456789012"), vec!["trusted by another account"]);
        assert!(risk_score(Severity::Low, &[]) < risk_score(Severity::Medium, &[]));
    }
}
