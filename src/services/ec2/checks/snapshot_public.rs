//! `ec2_snapshot_public`: any AWS account may create a volume from an EBS snapshot.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::services::ec2::snapshot::EbsSnapshot;

pub static CHECK: Check = Check {
    id: "ec2_snapshot_public",
    title: "EBS snapshot is public (restorable by any AWS account)",
    severity: Severity::Critical,
    resource_types: &[crate::services::ec2::EBS_SNAPSHOT],
    risk: "Anyone can create a volume from the snapshot in their own account and read the disk: databases, \
           keys and credentials left on it. Public snapshots are searched for continuously.",
    remediation: "Remove the `all` group from the snapshot's createVolumePermission; share with named accounts \
                  instead, and turn on the account's block public access for snapshots.",
    remediation_cli: "aws ec2 modify-snapshot-attribute --snapshot-id {id} --attribute createVolumePermission --operation-type remove --group-names all",
    compliance: &[fsbp("EC2.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(s: &EbsSnapshot, _: &Context) -> Option<Outcome> {
    let who = s.restorable_by.as_ref()?;
    Some(if who.everyone {
        let from = s.volume_id.as_deref().map(|v| format!(" of volume {v}")).unwrap_or_default();
        Outcome::fail(format!("snapshot {}{from} grants createVolumePermission to group all", s.id))
    } else {
        Outcome::Pass
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::ec2::snapshot::Restorable;

    fn snapshot(restorable_by: Option<Restorable>) -> EbsSnapshot {
        EbsSnapshot { id: "snap-1".into(), volume_id: Some("vol-1".into()), encrypted: Some(false), restorable_by, tags: Default::default() }
    }

    #[test]
    fn group_all_fails_and_named_accounts_pass() {
        assert!(eval(&snapshot(Some(Restorable { everyone: true, accounts: vec![] })), &ctx()).unwrap().is_fail());
        assert_eq!(eval(&snapshot(Some(Restorable { everyone: false, accounts: vec!["999999999999".into()] })), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&snapshot(Some(Restorable::default())), &ctx()), Some(Outcome::Pass));
    }

    #[test]
    fn an_unread_permission_is_no_verdict() {
        assert_eq!(eval(&snapshot(None), &ctx()), None);
    }
}
