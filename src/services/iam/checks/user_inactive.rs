//! `iam_user_inactive`: a user's credentials have not been used for `INACTIVE_DAYS`.

use crate::check::{Check, Context, OnPart, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;
use crate::compliance::fsbp;

pub static CHECK: Check = Check {
    id: "iam_user_inactive",
    title: "IAM user credentials are unused",
    severity: Severity::Medium,
    resource_types: &[crate::services::iam::USER],
    risk: "Credentials nobody uses are credentials nobody watches: a departed employee's password or a \
           forgotten key can be used by an attacker long after anyone would notice the activity.",
    remediation: "Remove the console password and deactivate the keys of users who no longer need them, \
                  or delete the user.",
    remediation_cli: "aws iam delete-login-profile --user-name {id}",
    compliance: &[fsbp("IAM.8")],
    eval: &OnPart { produced: super::credentials_produced, eval },
    advice: Some(|f| format!("Remove unused credentials (console password, access keys) or delete the user ({}).", f.detail)),
};

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let c = p.credentials.as_ref()?;
    if !c.console && c.active_keys().next().is_none() {
        return Some(Outcome::Pass); // nothing to sign in with
    }
    let limit = ctx.inactive_days;
    Some(match c.last_used() {
        Some(t) if ctx.days_since(t) > limit => Outcome::fail(format!(
            "credentials last used {} ({} days ago, limit {limit})",
            t.format("%Y-%m-%d"),
            ctx.days_since(t)
        )),
        Some(_) => Outcome::Pass,
        None => {
            let age = ctx.days_since(p.created?);
            if age > limit {
                Outcome::fail(format!("credentials never used; user created {age} days ago (limit {limit})"))
            } else {
                Outcome::Pass
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::user;
    use crate::check::testing::{ctx, days_ago};

    fn console_user(created: i64, used: Option<i64>) -> Principal {
        let mut u = user("u");
        u.created = Some(days_ago(created));
        let c = u.credentials.as_mut().unwrap();
        c.console = true;
        c.password_last_used = used.map(days_ago);
        u
    }

    #[test]
    fn cases() {
        assert!(eval(&console_user(400, Some(100)), &ctx()).unwrap().is_fail(), "used long ago");
        assert!(!eval(&console_user(400, Some(10)), &ctx()).unwrap().is_fail(), "used recently");
        assert!(eval(&console_user(120, None), &ctx()).unwrap().is_fail(), "never used, old");
        assert!(!eval(&console_user(30, None), &ctx()).unwrap().is_fail(), "never used, new");
        let mut no_creds = console_user(400, None);
        no_creds.credentials.as_mut().unwrap().console = false;
        assert!(!eval(&no_creds, &ctx()).unwrap().is_fail(), "no credentials to abuse");
    }
}
