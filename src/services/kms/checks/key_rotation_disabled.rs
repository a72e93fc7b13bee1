//! `kms_key_rotation_disabled`: an enabled customer managed symmetric key does not rotate.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::kms::snapshot::{Key, State};

pub static CHECK: Check = Check {
    id: "kms_key_rotation_disabled",
    title: "KMS key does not rotate automatically",
    severity: Severity::Medium,
    resource_types: &[crate::services::kms::KEY],
    risk: "Key material that never changes protects every piece of data it ever encrypted: one leak of it, \
           or one cryptographic weakness found later, exposes all of it, however old.",
    remediation: "Turn on automatic rotation (yearly by default; KMS keeps the old material to decrypt old data).",
    remediation_cli: "aws kms enable-key-rotation --key-id {id}",
    compliance: &[fsbp("KMS.4"), cis3("3.6"), cis5("3.6")],
    eval: &On(eval),
    advice: None,
};

fn eval(k: &Key, _: &Context) -> Option<Outcome> {
    // Only enabled customer managed symmetric keys with KMS-made material can rotate by themselves.
    if !k.rotatable() || k.state.as_ref()? != &State::Enabled {
        return Some(Outcome::Pass);
    }
    Some(if k.rotation? { Outcome::Pass } else { Outcome::fail(format!("key {} has automatic rotation off", k.id)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::kms::checks::fixtures::key;
    use crate::services::kms::snapshot::Manager;

    #[test]
    fn an_enabled_customer_key_without_rotation_fails() {
        assert_eq!(eval(&key(), &ctx()), Some(Outcome::Pass));
        let off = Key { rotation: Some(false), ..key() };
        assert!(eval(&off, &ctx()).unwrap().is_fail());
        assert_eq!(eval(&Key { rotation: None, ..key() }, &ctx()), None, "not read: no verdict");
    }

    #[test]
    fn keys_that_cannot_rotate_are_not_judged_as_failing() {
        for k in [
            Key { rotation: Some(false), manager: Some(Manager::Aws), ..key() },
            Key { rotation: Some(false), spec: Some("RSA_2048".into()), ..key() },
            Key { rotation: Some(false), origin: Some("EXTERNAL".into()), ..key() },
            Key { rotation: Some(false), state: Some(State::Disabled), ..key() },
        ] {
            assert_eq!(eval(&k, &ctx()), Some(Outcome::Pass), "{k:?}");
        }
    }
}
