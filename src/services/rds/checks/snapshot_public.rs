//! `rds_snapshot_public`: any AWS account may restore a DB snapshot or DB cluster snapshot.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::services::rds::snapshot::DbSnapshot;

pub static CHECK: Check = Check {
    id: "rds_snapshot_public",
    title: "RDS snapshot is public (restorable by any AWS account)",
    severity: Severity::Critical,
    resource_types: &[crate::services::rds::DB_SNAPSHOT, crate::services::rds::DB_CLUSTER_SNAPSHOT],
    risk: "Anyone can restore the snapshot into a database in their own account and read every table, with the \
           master password reset to one of their choosing.",
    remediation: "Remove `all` from the snapshot's restore attribute; share with named accounts instead.",
    remediation_cli: "aws rds modify-db-snapshot-attribute --db-snapshot-identifier {id} --attribute-name restore --values-to-remove all",
    compliance: &[fsbp("RDS.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(s: &DbSnapshot, _: &Context) -> Option<Outcome> {
    let who = s.restorable_by.as_ref()?;
    Some(if who.everyone {
        let kind = if s.cluster { "cluster snapshot" } else { "snapshot" };
        let of = s.source.as_deref().map(|src| format!(" of {src}")).unwrap_or_default();
        Outcome::fail(format!("DB {kind} {}{of} has restore=all", s.id))
    } else {
        Outcome::Pass
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::ec2::snapshot::Restorable;

    fn snapshot(cluster: bool, restorable_by: Option<Restorable>) -> DbSnapshot {
        DbSnapshot { id: "orders-final".into(), cluster, source: Some("orders".into()), restorable_by, tags: Default::default() }
    }

    #[test]
    fn restorable_by_all_fails_for_both_kinds() {
        let all = Restorable { everyone: true, accounts: vec![] };
        assert_eq!(eval(&snapshot(false, Some(all.clone())), &ctx()), Some(Outcome::fail("DB snapshot orders-final of orders has restore=all".into())));
        assert!(eval(&snapshot(true, Some(all)), &ctx()).unwrap().is_fail());
    }

    #[test]
    fn named_accounts_pass_and_unread_is_no_verdict() {
        assert_eq!(eval(&snapshot(false, Some(Restorable { everyone: false, accounts: vec!["999999999999".into()] })), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&snapshot(false, None), &ctx()), None);
    }
}
