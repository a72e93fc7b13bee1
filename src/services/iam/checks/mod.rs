//! IAM checks: credential hygiene, over-privilege, privilege escalation and role trust.
//!
//! Principal checks read a [`Principal`] snapshot; the permission checks go through the policy
//! engine ([`crate::policy::engine`]), so Deny, NotAction, resource constraints, conditions and
//! permissions boundaries are honoured.

crate::check::checks! {
    user_console_no_mfa,
    user_access_key_stale,
    user_multiple_active_keys,
    user_inactive,
    root_access_key,
    root_no_mfa,
    password_policy_weak,
    admin_access,
    broad_managed_policy,
    policy_service_wildcard,
    policy_wildcard_resource_unconditioned,
    policy_unscopable_write_unconditioned,
    policy_kms_decrypt_all_keys,
    privilege_escalation,
    role_trust_any_principal,
    role_cross_account_no_external_id,
    role_long_session,
    role_unused,
    user_direct_policies,
    cloudshell_full_access_attached,
    support_role_missing,
    server_certificate_expired,
    root_hardware_mfa_missing,
    root_recently_used,
}

use crate::check::{Context, Evaluate, Outcome};
use crate::model::{ResourceType, Severity};
use crate::policy::glob::{self, Case};
use crate::policy::{Effect, Statement};
use crate::service::Exposure;
use crate::services::iam::snapshot::{Account, ManagedPolicy, NamedPolicy, Principal};
use chrono::{DateTime, Utc};
use std::any::Any;

/// When a user's credentials were produced (the credential report's generation time), for
/// [`crate::check::OnPart`]; `None` when they were not read.
pub fn credentials_produced(p: &Principal) -> Option<Option<DateTime<Utc>>> {
    p.credentials.as_ref().map(|c| c.produced_at)
}

/// When the root user's credentials were produced (the report's root row); `None` when not read.
pub fn root_produced(a: &Account) -> Option<Option<DateTime<Utc>>> {
    a.root.as_ref().map(|r| r.produced_at)
}

/// Policy documents to lint, with every policy that governs the same principal, whose Deny
/// statements can take a finding away.
#[derive(Debug, Clone, Copy)]
pub struct Documents<'a> {
    pub own: &'a [NamedPolicy],
    pub governing: &'a [&'a NamedPolicy],
}

/// A check over the policy documents a resource owns: a managed policy's default version, or a
/// principal's inline policies (with everything else that governs the principal).
pub struct OnDocuments(pub fn(&Documents, &Context) -> Option<Outcome>);

impl Evaluate for OnDocuments {
    fn evaluate(&self, subject: &dyn Any, ctx: &Context) -> Option<Outcome> {
        if let Some(p) = subject.downcast_ref::<Principal>() {
            let perms = p.permissions.as_ref()?;
            let governing: Vec<&NamedPolicy> = perms.identity().into_iter().map(|l| l.policy).collect();
            return (self.0)(&Documents { own: &perms.inline, governing: &governing }, ctx);
        }
        let m = subject.downcast_ref::<ManagedPolicy>()?;
        let own = [NamedPolicy { name: m.name.clone(), arn: Some(m.arn.clone()), document: m.document.clone() }];
        (self.0)(&Documents { own: &own, governing: &[&own[0]] }, ctx)
    }
}

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
    // Only unconditional Deny statements matter; they are few, so test them first (a large
    // managed policy has thousands of Allow patterns).
    let denies = governing.iter().flat_map(|p| p.document.statements.iter()).filter(|s| s.effect == Effect::Deny && !s.has_condition());
    denies.into_iter().any(|s| {
        let every_resource = match (&s.resource, &s.not_resource) {
            (Some(r), _) => r.iter().any(|x| glob::is_universal(x)),
            (None, Some(_)) => false,
            (None, None) => true,
        };
        every_resource
            && match (&s.action, &s.not_action) {
                (Some(a), _) => a.iter().any(|d| glob::covers(d, pattern, Case::Insensitive)),
                (None, Some(n)) => !n.iter().any(|x| glob::intersects(x, pattern, Case::Insensitive)),
                _ => false,
            }
    })
}

/// The principal types the permission checks apply to.
pub const PRINCIPALS: &[ResourceType] = &[super::USER, super::ROLE, super::GROUP];

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
pub fn exposure(p: &Principal, own_account: &str) -> Vec<Exposure> {
    let mut out = Vec::new();
    if let Some(c) = &p.credentials {
        if c.console {
            out.push(if c.mfa { Exposure::Console } else { Exposure::ConsoleWithoutMfa });
        }
        if c.active_keys().next().is_some() {
            out.push(Exposure::ActiveAccessKey);
        }
    }
    if let Some(trust) = p.role.as_ref().and_then(|r| r.trust.as_ref()) {
        let allows: Vec<_> = trust.statements.iter().filter(|s| s.effect == Effect::Allow).collect();
        if allows.iter().any(|s| s.applies_to_anyone()) {
            out.push(Exposure::TrustedByAnyone);
        } else if allows.iter().any(|s| s.named_accounts().iter().any(|a| a != own_account)) {
            out.push(Exposure::TrustedByOtherAccount);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Principals for the IAM check tests.
    use crate::check::testing::ACCOUNT;
    use crate::policy::PolicyDocument;
    use crate::services::iam::snapshot::*;

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

    /// A document check's outcome on one inline policy made of `statements`.
    pub fn lint(eval: fn(&super::Documents, &crate::check::Context) -> Option<crate::check::Outcome>, statements: &str) -> crate::check::Outcome {
        let own = [inline("p", statements)];
        let governing: Vec<&NamedPolicy> = own.iter().collect();
        eval(&super::Documents { own: &own, governing: &governing }, &crate::check::testing::ctx()).expect("documents are evaluated")
    }

    pub fn user(name: &str) -> Principal {
        let mut p = Principal::new(crate::services::iam::USER, name, &format!("arn:aws:iam::{ACCOUNT}:user/{name}"));
        p.permissions = Some(Permissions::default());
        p.credentials = Some(Credentials::default());
        p
    }

    pub fn with_policies(mut p: Principal, policies: Vec<NamedPolicy>) -> Principal {
        p.permissions = Some(Permissions { inline: policies, ..Default::default() });
        p
    }

    pub fn role(name: &str, trust: &str) -> Principal {
        let mut p = Principal::new(crate::services::iam::ROLE, name, &format!("arn:aws:iam::{ACCOUNT}:role/{name}"));
        p.permissions = Some(Permissions::default());
        p.role = Some(RoleInfo { trust: Some(doc(trust)), max_session_seconds: Some(3600), last_used: Some(None) });
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::risk_score;
    use fixtures::*;

    #[test]
    fn exposure_raises_the_score() {
        let mut u = user("a");
        let quiet = risk_score(Severity::Critical, &exposure(&u, "123456789012"));
        let creds = u.credentials.as_mut().unwrap();
        creds.console = true;
        creds.keys.push(crate::services::iam::snapshot::AccessKey { id: None, active: true, created: None, last_used: None });
        let exposed = exposure(&u, "123456789012");
        assert_eq!(exposed, vec![Exposure::ConsoleWithoutMfa, Exposure::ActiveAccessKey]);
        assert!(risk_score(Severity::Critical, &exposed) > quiet);
        let many = [Exposure::TrustedByAnyone, Exposure::Console, Exposure::ActiveAccessKey];
        assert_eq!(risk_score(Severity::Critical, &many), 100, "capped");
        let r = role("r", r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#);
        assert_eq!(exposure(&r, "123456789012"), vec![Exposure::TrustedByOtherAccount]);
        assert!(risk_score(Severity::Low, &[]) < risk_score(Severity::Medium, &[]));
    }
}
