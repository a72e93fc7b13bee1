//! `iam_root_no_mfa`: the root user has no MFA device.

use crate::checks::{Check, Context, Eval, Outcome};
use crate::model::{ResourceType, Severity};
use crate::snapshot::iam::Account;

pub static CHECK: Check = Check {
    id: "iam_root_no_mfa",
    title: "Root user has no MFA",
    severity: Severity::Critical,
    resource_types: &[ResourceType::Account],
    risk: "The root password alone (phished, reused, or reset through a compromised mailbox) gives complete \
           and irrevocable control of the account.",
    remediation: "Sign in as root and register a hardware or virtual MFA device.",
    remediation_cli: "aws iam get-account-summary --query SummaryMap.AccountMFAEnabled",
    compliance: &["IAM.9", "CIS 1.5"],
    eval: Eval::Account(eval),
};

fn eval(a: &Account, _: &Context) -> Option<Outcome> {
    let root = a.root.as_ref()?;
    Some(if root.mfa { Outcome::Pass } else { Outcome::fail("root user has no MFA device".into()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::ctx;
    use crate::snapshot::iam::RootCredentials;

    #[test]
    fn cases() {
        let mut a = Account { id: "123456789012".into(), ..Default::default() };
        a.root = Some(RootCredentials { mfa: false, active_keys: 0 });
        assert!(eval(&a, &ctx()).unwrap().is_fail());
        a.root = Some(RootCredentials { mfa: true, active_keys: 0 });
        assert!(!eval(&a, &ctx()).unwrap().is_fail());
    }
}
