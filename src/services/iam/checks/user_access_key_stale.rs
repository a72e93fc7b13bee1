//! `iam_user_access_key_stale`: an active access key is older than `KEY_MAX_AGE_DAYS`.

use crate::check::{Check, Context, OnPart, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "iam_user_access_key_stale",
    title: "IAM user has an active access key older than the rotation limit",
    severity: Severity::Medium,
    resource_types: &[crate::services::iam::USER],
    risk: "Long-lived keys end up in laptops, CI logs, old repositories and backups. A key leaked a year ago \
           still works today, giving an attacker programmatic access until someone rotates it.",
    remediation: "Create a new key, move its users over, then deactivate and delete the old one.",
    remediation_cli: "aws iam list-access-keys --user-name {id}",
    compliance: &[fsbp("IAM.3"), cis3("1.14"), cis5("1.13")],
    eval: &OnPart { produced: super::credentials_produced, eval },
    advice: Some(|f| format!("Rotate the access key: create a new one, switch its users, delete the old one ({}).", f.detail)),
};

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let c = p.credentials.as_ref()?;
    let stale: Vec<String> = c
        .active_keys()
        .enumerate()
        .filter_map(|(i, k)| {
            let age = ctx.days_since(k.created?);
            (age > ctx.key_max_age_days).then(|| {
                let name = k.id.clone().unwrap_or_else(|| format!("access key {}", i + 1));
                format!("{name} is {age} days old (limit {})", ctx.key_max_age_days)
            })
        })
        .collect();
    Some(if stale.is_empty() { Outcome::Pass } else { Outcome::fail(stale.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::user;
    use crate::check::testing::{ctx, days_ago};
    use crate::services::iam::snapshot::AccessKey;

    fn with_key(active: bool, age: i64) -> Principal {
        let mut u = user("u");
        let key = AccessKey { id: Some("AKIAEXAMPLE".into()), active, created: Some(days_ago(age)), last_used: None };
        u.credentials.as_mut().unwrap().keys.push(key);
        u
    }

    #[test]
    fn cases() {
        assert_eq!(eval(&with_key(true, 91), &ctx()), Some(Outcome::fail("AKIAEXAMPLE is 91 days old (limit 90)".into())));
        assert_eq!(eval(&with_key(true, 90), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&with_key(false, 400), &ctx()), Some(Outcome::Pass), "inactive keys are not stale");
        assert_eq!(eval(&user("u"), &ctx()), Some(Outcome::Pass));
    }
}
