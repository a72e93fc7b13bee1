//! `s3_bucket_mfa_delete_disabled`: deleting object versions or suspending versioning needs no MFA.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::s3::snapshot::Bucket;

pub static CHECK: Check = Check {
    id: "s3_bucket_mfa_delete_disabled",
    title: "S3 bucket does not require MFA to delete object versions",
    severity: Severity::Low,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "Stolen credentials with s3:DeleteObjectVersion or s3:PutBucketVersioning are enough to destroy every \
           version of the bucket's objects; MFA delete makes that need the root user's MFA device too.",
    remediation: "With the root user's credentials and MFA device, enable versioning with MFA delete.",
    remediation_cli: "aws s3api put-bucket-versioning --bucket {id} --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa \"SERIAL CODE\"",
    compliance: &[fsbp("S3.20"), cis3("2.1.2"), cis5("2.1.2")],
    eval: &On(eval),
    advice: None,
};

fn eval(b: &Bucket, _: &Context) -> Option<Outcome> {
    Some(if b.mfa_delete? { Outcome::Pass } else { Outcome::fail("MFA delete is not enabled".into()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;

    #[test]
    fn cases() {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        assert_eq!(eval(&b, &ctx()), None, "not read");
        b.mfa_delete = Some(false);
        assert!(fails(&CHECK, &b));
        b.mfa_delete = Some(true);
        assert!(!fails(&CHECK, &b));
    }
}
