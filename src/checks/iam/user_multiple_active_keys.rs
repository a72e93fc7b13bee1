//! `iam_user_multiple_active_keys`: a user has two active access keys.

use crate::checks::{Check, Context, Eval, Outcome};
use crate::model::{ResourceType, Severity};
use crate::snapshot::iam::Principal;

pub static CHECK: Check = Check {
    id: "iam_user_multiple_active_keys",
    title: "IAM user has more than one active access key",
    severity: Severity::Medium,
    resource_types: &[ResourceType::IamUser],
    risk: "A second active key is usually a rotation that was never finished: the old key keeps working \
           wherever it leaked, and nobody watches it because everyone thinks it was replaced.",
    remediation: "Find which key is still in use (last-used date), deactivate the other, then delete it.",
    remediation_cli: "aws iam list-access-keys --user-name {id}",
    compliance: &["CIS 1.13"],
    eval: Eval::Principal(eval),
};

fn eval(p: &Principal, _: &Context) -> Option<Outcome> {
    let active = p.credentials.as_ref()?.active_keys().count();
    Some(if active > 1 { Outcome::fail(format!("{active} active access keys")) } else { Outcome::Pass })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::iam::fixtures::user;
    use crate::checks::testing::ctx;
    use crate::snapshot::iam::AccessKey;

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
