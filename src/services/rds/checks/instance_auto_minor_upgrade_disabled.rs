//! `rds_instance_auto_minor_upgrade_disabled`: an RDS instance does not take minor engine upgrades.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::rds::snapshot::DbInstance;

pub static CHECK: Check = Check {
    id: "rds_instance_auto_minor_upgrade_disabled",
    title: "RDS instance does not apply minor engine upgrades automatically",
    severity: Severity::Low,
    resource_types: &[crate::services::rds::DB_INSTANCE],
    risk: "Minor versions carry the engine's security fixes; without automatic upgrades a known, exploitable \
           database bug stays until someone remembers to patch it.",
    remediation: "Turn on AutoMinorVersionUpgrade; the upgrade is applied in the instance's maintenance window.",
    remediation_cli: "aws rds modify-db-instance --db-instance-identifier {id} --auto-minor-version-upgrade --apply-immediately",
    compliance: &[fsbp("RDS.13"), cis3("2.3.2"), cis5("2.2.2")],
    eval: &On(eval),
    advice: None,
};

fn eval(db: &DbInstance, _: &Context) -> Option<Outcome> {
    Some(if db.auto_minor_version_upgrade? {
        Outcome::Pass
    } else {
        Outcome::fail(format!("{} instance {} has AutoMinorVersionUpgrade=false", db.engine, db.id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::rds::checks::fixtures::db;

    #[test]
    fn off_fails_on_passes_unknown_is_no_verdict() {
        assert_eq!(eval(&db(), &ctx()), Some(Outcome::Pass));
        assert!(eval(&DbInstance { auto_minor_version_upgrade: Some(false), ..db() }, &ctx()).unwrap().is_fail());
        assert_eq!(eval(&DbInstance { auto_minor_version_upgrade: None, ..db() }, &ctx()), None);
    }
}
