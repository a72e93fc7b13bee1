//! `iam_root_access_key`: the root user has an active access key.

use crate::check::{Check, Context, OnPart, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Account;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "iam_root_access_key",
    title: "Root user has an active access key",
    severity: Severity::Critical,
    resource_types: &[crate::model::ACCOUNT],
    risk: "A root access key is unrestricted and cannot be limited by any policy: whoever finds it owns the \
           account, can close it, and can lock every administrator out.",
    remediation: "Sign in as root, delete the access keys under Security credentials, and use IAM roles instead.",
    remediation_cli: "aws iam get-account-summary --query SummaryMap.AccountAccessKeysPresent",
    compliance: &[fsbp("IAM.4"), cis3("1.4"), cis5("1.3")],
    eval: &OnPart { produced: super::root_produced, eval },
    advice: None,
};

fn eval(a: &Account, _: &Context) -> Option<Outcome> {
    let root = a.root.as_ref()?;
    Some(match root.active_keys {
        0 => Outcome::Pass,
        n => Outcome::fail(format!("root user has {n} active access key(s)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::iam::snapshot::RootCredentials;

    #[test]
    fn cases() {
        let mut a = Account { id: "123456789012".into(), ..Default::default() };
        a.root = Some(RootCredentials { mfa: true, active_keys: 1, produced_at: None, ..Default::default() });
        assert!(eval(&a, &ctx()).unwrap().is_fail());
        a.root = Some(RootCredentials { mfa: true, active_keys: 0, produced_at: None, ..Default::default() });
        assert!(!eval(&a, &ctx()).unwrap().is_fail());
    }
}
