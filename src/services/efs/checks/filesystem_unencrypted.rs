//! `efs_filesystem_unencrypted`: an EFS file system does not encrypt data at rest.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::efs::snapshot::FileSystem;

pub static CHECK: Check = Check {
    id: "efs_filesystem_unencrypted",
    title: "EFS file system is not encrypted at rest",
    severity: Severity::Medium,
    resource_types: &[crate::services::efs::FILE_SYSTEM],
    risk: "Files, and the backups and replicas made of them, sit unencrypted on AWS storage: no key policy \
           stands between a misplaced backup or a mount from the wrong network and the data.",
    remediation: "Encryption is chosen at creation: create an encrypted file system (with a KMS key) and move \
                  the data with AWS DataSync, then delete the old one.",
    remediation_cli: "aws efs create-file-system --encrypted --kms-key-id alias/aws/elasticfilesystem",
    compliance: &[fsbp("EFS.1"), cis3("2.4.1"), cis5("2.3.1")],
    eval: &On(eval),
    advice: None,
};

fn eval(f: &FileSystem, _: &Context) -> Option<Outcome> {
    Some(if f.encrypted? { Outcome::Pass } else { Outcome::fail(format!("file system {} has Encrypted=false", f.id)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    #[test]
    fn unencrypted_fails_encrypted_passes_unknown_is_no_verdict() {
        let fs = |encrypted| FileSystem { id: "fs-1".into(), encrypted, kms_key: None, tags: Default::default() };
        assert!(eval(&fs(Some(false)), &ctx()).unwrap().is_fail());
        assert_eq!(eval(&fs(Some(true)), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&fs(None), &ctx()), None);
    }
}
