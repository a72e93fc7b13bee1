//! `ec2_ebs_volume_unencrypted`: an EBS volume is not encrypted.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::ec2::snapshot::Volume;
use crate::compliance::fsbp;

pub static CHECK: Check = Check {
    id: "ec2_ebs_volume_unencrypted",
    title: "EBS volume is not encrypted",
    severity: Severity::Medium,
    resource_types: &[crate::services::ec2::VOLUME],
    risk: "Snapshots of an unencrypted volume can be shared with, or copied to, another account by anyone with \
           ec2:ModifySnapshotAttribute, and the data is readable there with no key to revoke.",
    remediation: "Snapshot the volume, copy the snapshot with encryption, create a volume from it and swap it in; \
                  turn on EBS encryption by default so new volumes are encrypted.",
    remediation_cli: "aws ec2 create-snapshot --volume-id {id}",
    compliance: &[fsbp("EC2.3")],
    eval: &On(eval),
    advice: None,
};

fn eval(v: &Volume, _: &Context) -> Option<Outcome> {
    Some(if v.encrypted? {
        Outcome::Pass
    } else if v.attached_to.is_empty() {
        Outcome::fail(format!("volume {} ({}) is not encrypted", v.id, v.state))
    } else {
        Outcome::fail(format!("volume {} attached to {} is not encrypted", v.id, v.attached_to.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    #[test]
    fn unencrypted_fails_encrypted_passes() {
        let mut v = Volume { id: "vol-1".into(), encrypted: Some(false), state: "available".into(), attached_to: vec![], tags: Default::default() };
        assert_eq!(eval(&v, &ctx()), Some(Outcome::fail("volume vol-1 (available) is not encrypted".into())));
        v.attached_to.push("i-1".into());
        assert!(eval(&v, &ctx()).unwrap().is_fail());
        v.encrypted = Some(true);
        assert_eq!(eval(&v, &ctx()), Some(Outcome::Pass));
    }

    #[test]
    fn a_missing_field_is_not_a_verdict() {
        let v = Volume { id: "vol-1".into(), encrypted: None, state: "available".into(), attached_to: vec![], tags: Default::default() };
        assert_eq!(eval(&v, &ctx()), None);
    }
}
