//! `iam_root_no_mfa`: the root user has no MFA device.

use crate::check::{Check, Context, OnPart, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Account;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "iam_root_no_mfa",
    title: "Root user has no MFA",
    severity: Severity::Critical,
    resource_types: &[crate::model::ACCOUNT],
    risk: "The root password alone (phished, reused, or reset through a compromised mailbox) gives complete \
           and irrevocable control of the account.",
    remediation: "Sign in as root and register a hardware or virtual MFA device.",
    remediation_cli: "aws iam get-account-summary --query SummaryMap.AccountMFAEnabled",
    compliance: &[fsbp("IAM.9"), cis3("1.5"), cis5("1.4")],
    eval: &OnPart { produced: super::root_produced, eval },
    advice: None,
};

fn eval(a: &Account, _: &Context) -> Option<Outcome> {
    let root = a.root.as_ref()?;
    Some(if root.mfa { Outcome::Pass } else { Outcome::fail("root user has no MFA device".into()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::iam::snapshot::RootCredentials;

    #[test]
    fn cases() {
        let mut a = Account { id: "123456789012".into(), ..Default::default() };
        a.root = Some(RootCredentials { mfa: false, active_keys: 0, produced_at: None, ..Default::default() });
        assert!(eval(&a, &ctx()).unwrap().is_fail());
        a.root = Some(RootCredentials { mfa: true, active_keys: 0, produced_at: None, ..Default::default() });
        assert!(!eval(&a, &ctx()).unwrap().is_fail());
    }
}
