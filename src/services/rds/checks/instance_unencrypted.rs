//! `rds_instance_unencrypted`: an RDS instance's storage is not encrypted.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::rds::snapshot::DbInstance;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "rds_instance_unencrypted",
    title: "RDS instance storage is not encrypted",
    severity: Severity::Medium,
    resource_types: &[crate::services::rds::DB_INSTANCE],
    risk: "Snapshots of an unencrypted instance can be shared with any account, and restored there in clear; \
           backups and read replicas inherit the missing encryption.",
    remediation: "Encryption cannot be turned on in place: snapshot the instance, copy the snapshot with a KMS \
                  key, restore from the copy and switch clients over.",
    remediation_cli: "aws rds create-db-snapshot --db-instance-identifier {id} --db-snapshot-identifier {id}-pre-encryption",
    compliance: &[fsbp("RDS.3"), cis3("2.3.1"), cis5("2.2.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(db: &DbInstance, _: &Context) -> Option<Outcome> {
    Some(if db.storage_encrypted? {
        Outcome::Pass
    } else {
        Outcome::fail(format!("{} instance {} has StorageEncrypted=false", db.engine, db.id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::rds::checks::fixtures::db;
    use crate::check::testing::ctx;

    #[test]
    fn unencrypted_fails() {
        let mut d = db();
        assert_eq!(eval(&d, &ctx()), Some(Outcome::Pass));
        d.storage_encrypted = Some(false);
        assert!(eval(&d, &ctx()).unwrap().is_fail());
    }

    #[test]
    fn a_missing_field_is_not_a_verdict() {
        let mut d = db();
        d.storage_encrypted = None;
        assert_eq!(eval(&d, &ctx()), None);
    }
}
