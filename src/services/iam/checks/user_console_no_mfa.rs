//! `iam_user_console_no_mfa`: a user can sign in to the console with a password alone.

use crate::check::{Check, Context, OnPart, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "iam_user_console_no_mfa",
    title: "IAM user has console access without MFA",
    severity: Severity::High,
    resource_types: &[crate::services::iam::USER],
    risk: "A phished, reused or sprayed password is enough to sign in as this user: the attacker gets the \
           console with all of the user's permissions, and no second factor stands in the way.",
    remediation: "Enable an MFA device for the user (or remove the console password if it is not needed).",
    remediation_cli: "aws iam delete-login-profile --user-name {id}",
    compliance: &[fsbp("IAM.5"), cis3("1.10"), cis5("1.9")],
    eval: &OnPart { produced: super::credentials_produced, eval },
    advice: Some(|_| "Require MFA: enable an MFA device, or remove the console password if it is not needed.".into()),
};

fn eval(p: &Principal, _: &Context) -> Option<Outcome> {
    let c = p.credentials.as_ref()?;
    Some(if c.console && !c.mfa {
        Outcome::fail("console password enabled and no MFA device".into())
    } else {
        Outcome::Pass
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::user;
    use crate::check::testing::ctx;

    #[test]
    fn cases() {
        for (console, mfa, failing) in [(true, false, true), (true, true, false), (false, false, false)] {
            let mut u = user("u");
            let c = u.credentials.as_mut().unwrap();
            (c.console, c.mfa) = (console, mfa);
            assert_eq!(eval(&u, &ctx()).unwrap().is_fail(), failing, "console={console} mfa={mfa}");
        }
    }
}
