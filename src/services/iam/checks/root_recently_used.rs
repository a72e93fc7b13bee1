//! `iam_root_recently_used`: the root user signed in or used an access key within `ROOT_USE_DAYS`.

use crate::check::{Check, Context, OnPart, Outcome};
use crate::compliance::{cis3, cis5};
use crate::model::Severity;
use crate::services::iam::snapshot::Account;

pub static CHECK: Check = Check {
    id: "iam_root_recently_used",
    title: "Root user was used recently",
    severity: Severity::Medium,
    resource_types: &[crate::model::ACCOUNT],
    risk: "Root cannot be limited by any policy; using it for daily work spreads its credentials to more places \
           and more people, and its actions cannot be told apart from an attacker's.",
    remediation: "Use IAM roles for administration; keep root for the few tasks only it can do, and find out who \
                  used it and why.",
    remediation_cli: "aws iam generate-credential-report",
    compliance: &[cis3("1.7"), cis5("1.6")],
    eval: &OnPart { produced: super::root_produced, eval },
    advice: None,
};

fn eval(a: &Account, ctx: &Context) -> Option<Outcome> {
    let root = a.root.as_ref()?;
    let uses = root.password_last_used.iter().map(|t| ("password", *t)).chain(root.keys_last_used.iter().map(|t| ("access key", *t)));
    let recent: Vec<String> = uses
        .filter(|(_, t)| ctx.days_since(*t) < ctx.root_use_days)
        .map(|(what, t)| format!("{what} used {}", t.format("%Y-%m-%d")))
        .collect();
    Some(if recent.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(format!("root user: {} (within {} days)", recent.join(", "), ctx.root_use_days))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{ctx, days_ago};
    use crate::services::iam::snapshot::RootCredentials;

    fn account(password: Option<i64>, keys: &[i64]) -> Account {
        let root = RootCredentials {
            password_last_used: password.map(days_ago),
            keys_last_used: keys.iter().map(|d| days_ago(*d)).collect(),
            ..Default::default()
        };
        Account { root: Some(root), ..Default::default() }
    }

    #[test]
    fn use_inside_the_window_fails() {
        assert_eq!(eval(&account(Some(2), &[]), &ctx()), Some(Outcome::fail("root user: password used 2026-10-30 (within 30 days)".into())));
        assert!(eval(&account(None, &[29]), &ctx()).unwrap().is_fail());
        assert_eq!(eval(&account(Some(30), &[400]), &ctx()), Some(Outcome::Pass), "30 days ago is outside a 30-day window");
        assert_eq!(eval(&account(None, &[]), &ctx()), Some(Outcome::Pass), "never used");
        assert_eq!(eval(&Account::default(), &ctx()), None, "the report was not read");
    }
}
