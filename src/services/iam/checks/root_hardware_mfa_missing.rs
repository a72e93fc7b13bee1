//! `iam_root_hardware_mfa_missing`: the root user's MFA is not a hardware device.

use crate::check::{Check, Context, OnPart, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::iam::snapshot::Account;

pub static CHECK: Check = Check {
    id: "iam_root_hardware_mfa_missing",
    title: "Root user has no hardware MFA device",
    severity: Severity::Medium,
    resource_types: &[crate::model::ACCOUNT],
    risk: "A virtual MFA seed lives on a phone or laptop that can be lost, backed up to the cloud or malware-read; \
           with it and the root password, the account is someone else's.",
    remediation: "Sign in as root and replace the virtual MFA device with a hardware key or token kept offline.",
    remediation_cli: "aws iam list-virtual-mfa-devices --assignment-status Assigned",
    compliance: &[fsbp("IAM.6"), cis3("1.6"), cis5("1.5")],
    eval: &OnPart { produced: super::root_produced, eval },
    advice: None,
};

fn eval(a: &Account, _: &Context) -> Option<Outcome> {
    let root = a.root.as_ref()?;
    if !root.mfa {
        return Some(Outcome::fail("root user has no MFA device at all".into()));
    }
    Some(if a.root_virtual_mfa? { Outcome::fail("root user's MFA device is a virtual one".into()) } else { Outcome::Pass })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::iam::snapshot::RootCredentials;

    fn account(mfa: bool, virtual_mfa: Option<bool>) -> Account {
        Account { root: Some(RootCredentials { mfa, ..Default::default() }), root_virtual_mfa: virtual_mfa, ..Default::default() }
    }

    #[test]
    fn only_a_non_virtual_device_passes() {
        assert_eq!(eval(&account(true, Some(false)), &ctx()), Some(Outcome::Pass));
        assert!(eval(&account(true, Some(true)), &ctx()).unwrap().is_fail());
        assert!(eval(&account(false, None), &ctx()).unwrap().is_fail(), "no MFA: no hardware MFA, whatever else is unread");
        assert_eq!(eval(&account(true, None), &ctx()), None);
        assert_eq!(eval(&Account::default(), &ctx()), None);
    }
}
