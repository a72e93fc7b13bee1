//! `iam_password_policy_weak`: the account password policy is missing or below the baseline.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Account;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "iam_password_policy_weak",
    title: "Account password policy is missing or weak",
    severity: Severity::Medium,
    resource_types: &[crate::model::ACCOUNT],
    risk: "Short, reused or never-expiring passwords fall to spraying and credential stuffing; every IAM user \
           with console access is then one guess away from compromise.",
    remediation: "Set a password policy: at least 14 characters, all four character classes, reuse \
                  prevention of 24, and a maximum age of 90 days.",
    remediation_cli: "aws iam update-account-password-policy --minimum-password-length 14 --require-symbols \
                      --require-numbers --require-uppercase-characters --require-lowercase-characters \
                      --password-reuse-prevention 24 --max-password-age 90",
    compliance: &[fsbp("IAM.7"), fsbp("IAM.10"), cis3("1.8"), cis3("1.9"), cis5("1.7"), cis5("1.8")],
    eval: &On(eval),
    advice: None,
};

const MIN_LENGTH: i32 = 14;
const REUSE: i32 = 24;
const MAX_AGE: i32 = 90;

fn eval(a: &Account, _: &Context) -> Option<Outcome> {
    let Some(p) = a.password_policy.as_ref()? else {
        return Some(Outcome::fail("no account password policy is set".into()));
    };
    let mut weak = Vec::new();
    match p.minimum_length {
        Some(n) if n >= MIN_LENGTH => {}
        n => weak.push(format!("minimum length {} < {MIN_LENGTH}", n.unwrap_or(0))),
    }
    match p.reuse_prevention {
        Some(n) if n >= REUSE => {}
        Some(n) => weak.push(format!("reuse prevention {n} < {REUSE}")),
        None => weak.push("no reuse prevention".into()),
    }
    for (required, class) in [
        (p.require_symbols, "symbols"),
        (p.require_numbers, "numbers"),
        (p.require_uppercase, "uppercase"),
        (p.require_lowercase, "lowercase"),
    ] {
        if !required {
            weak.push(format!("{class} not required"));
        }
    }
    match p.max_age_days {
        Some(n) if n > 0 && n <= MAX_AGE => {}
        Some(n) if n > 0 => weak.push(format!("maximum age {n} days > {MAX_AGE}")),
        _ => weak.push("passwords never expire".into()),
    }
    Some(if weak.is_empty() { Outcome::Pass } else { Outcome::fail(weak.join("; ")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::iam::snapshot::PasswordPolicy;

    fn strong() -> PasswordPolicy {
        PasswordPolicy {
            minimum_length: Some(14),
            require_symbols: true,
            require_numbers: true,
            require_uppercase: true,
            require_lowercase: true,
            reuse_prevention: Some(24),
            max_age_days: Some(90),
        }
    }

    fn run(p: Option<PasswordPolicy>) -> Outcome {
        eval(&Account { id: "1".into(), password_policy: Some(p), ..Default::default() }, &ctx()).unwrap()
    }

    #[test]
    fn cases() {
        assert_eq!(run(Some(strong())), Outcome::Pass);
        assert_eq!(run(None), Outcome::fail("no account password policy is set".into()));
        let weak = PasswordPolicy { minimum_length: Some(8), require_symbols: false, max_age_days: Some(180), ..strong() };
        assert_eq!(
            run(Some(weak)),
            Outcome::fail("minimum length 8 < 14; symbols not required; maximum age 180 days > 90".into())
        );
        assert!(run(Some(PasswordPolicy { reuse_prevention: None, ..strong() })).is_fail());
        assert!(run(Some(PasswordPolicy { max_age_days: None, ..strong() })).is_fail());
    }
}
