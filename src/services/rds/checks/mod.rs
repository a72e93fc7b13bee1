//! RDS instance and snapshot checks, one file each.

crate::check::checks! {
    instance_public,
    instance_in_public_subnet,
    instance_unencrypted,
    instance_auto_minor_upgrade_disabled,
    snapshot_public,
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! DB instances for the tests.
    use crate::services::rds::snapshot::DbInstance;

    pub fn db() -> DbInstance {
        DbInstance {
            id: "orders".into(),
            engine: "postgres".into(),
            publicly_accessible: Some(false),
            storage_encrypted: Some(true),
            auto_minor_version_upgrade: Some(true),
            vpc_id: Some("vpc-1".into()),
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            tags: Default::default(),
            network: None,
        }
    }
}
