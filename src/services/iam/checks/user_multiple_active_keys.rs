//! `iam_user_multiple_active_keys`: a user has two active access keys.

use crate::check::{Check, Context, OnPart, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;
use crate::compliance::{cis3, cis5};

pub static CHECK: Check = Check {
    id: "iam_user_multiple_active_keys",
    title: "IAM user has more than one active access key",
    severity: Severity::Medium,
    resource_types: &[crate::services::iam::USER],
    risk: "A second active key is usually a rotation that was never finished: the old key keeps working \
           wherever it leaked, and nobody watches it because everyone thinks it was replaced.",
    remediation: "Find which key is still in use (last-used date), deactivate the other, then delete it.",
    remediation_cli: "aws iam list-access-keys --user-name {id}",
    compliance: &[cis3("1.13"), cis5("1.12")],
    eval: &OnPart { produced: super::credentials_produced, eval },
    advice: Some(|_| "Remove the unused access key: deactivate the one not used recently, then delete it.".into()),
};

fn eval(p: &Principal, _: &Context) -> Option<Outcome> {
    let active = p.credentials.as_ref()?.active_keys().count();
    Some(if active > 1 { Outcome::fail(format!("{active} active access keys")) } else { Outcome::Pass })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::user;
    use crate::check::testing::ctx;
    use crate::services::iam::snapshot::AccessKey;

    #[test]
    fn cases() {
        for (keys, failing) in [(vec![true, true], true), (vec![true, false], false), (vec![true], false)] {
            let mut u = user("u");
            for active in &keys {
                u.credentials.as_mut().unwrap().keys.push(AccessKey { id: None, active: *active, created: None, last_used: None });
            }
            assert_eq!(eval(&u, &ctx()).unwrap().is_fail(), failing, "{keys:?}");
        }
    }
}
