//! `kms_key_pending_deletion`: a customer managed key is scheduled for deletion.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::services::kms::snapshot::{Key, Manager, State};

pub static CHECK: Check = Check {
    id: "kms_key_pending_deletion",
    title: "KMS key is scheduled for deletion",
    severity: Severity::High,
    resource_types: &[crate::services::kms::KEY],
    risk: "When the waiting period ends the key is gone for good, and so is every piece of data encrypted \
           under it: a deletion scheduled by mistake or by an intruder destroys data no backup can bring back.",
    remediation: "If the key is still needed, cancel the deletion (the key is then disabled: enable it again). \
                  Before deleting a key, find what it encrypts (CloudTrail Decrypt calls) and disable it first.",
    remediation_cli: "aws kms cancel-key-deletion --key-id {id}",
    compliance: &[fsbp("KMS.3")],
    eval: &On(eval),
    advice: None,
};

fn eval(k: &Key, _: &Context) -> Option<Outcome> {
    if k.manager? != Manager::Customer || k.state.as_ref()? != &State::PendingDeletion {
        return Some(Outcome::Pass);
    }
    let when = k.deletion_date.as_deref().map(|d| format!(" on {d}")).unwrap_or_default();
    Some(Outcome::fail(format!("key {} is pending deletion and will be deleted{when}", k.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::kms::checks::fixtures::key;

    #[test]
    fn a_customer_key_pending_deletion_fails() {
        let pending = Key { state: Some(State::PendingDeletion), deletion_date: Some("2026-12-08T00:00:00Z".into()), ..key() };
        let out = eval(&pending, &ctx()).unwrap();
        assert!(matches!(&out, Outcome::Fail(f) if f.detail.contains("2026-12-08")), "{out:?}");
        assert_eq!(eval(&key(), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&Key { manager: Some(Manager::Aws), ..pending.clone() }, &ctx()), Some(Outcome::Pass), "AWS's own keys");
        assert_eq!(eval(&Key { state: None, ..pending }, &ctx()), None);
    }
}
