//! `s3_bucket_default_encryption_not_kms`: default encryption is missing or SSE-S3 rather than SSE-KMS.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::s3::snapshot::Bucket;
use crate::compliance::fsbp;

pub static CHECK: Check = Check {
    id: "s3_bucket_default_encryption_not_kms",
    title: "S3 bucket default encryption is not SSE-KMS",
    severity: Severity::Medium,
    resource_types: &[crate::services::s3::BUCKET],
    risk: "With SSE-S3 or no default encryption, anyone who gets s3:GetObject can read the data: there is no \
           separate key policy to stop a leaked credential, and no key-usage audit trail in CloudTrail.",
    remediation: "Set default encryption to SSE-KMS (aws:kms or aws:kms:dsse) with a customer managed key.",
    remediation_cli: "aws s3api put-bucket-encryption --bucket {id} --server-side-encryption-configuration \
                      '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\"},\"BucketKeyEnabled\":true}]}'",
    compliance: &[fsbp("S3.17")],
    eval: &On(eval),
    advice: None,
};

fn eval(b: &Bucket, _: &Context) -> Option<Outcome> {
    let algorithms = b.encryption.as_ref()?;
    let kms = |a: &String| a == "aws:kms" || a == "aws:kms:dsse";
    Some(if algorithms.is_empty() {
        Outcome::fail("no default encryption configured".into())
    } else if algorithms.iter().any(kms) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("default encryption is {} (SSE-S3), not SSE-KMS", algorithms.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::*;
    use crate::services::s3::checks::testing::*;

    fn bucket(algs: &[&str]) -> Bucket {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        b.encryption = Some(algs.iter().map(|s| s.to_string()).collect());
        b
    }

    #[test]
    fn cases() {
        assert!(fails(&CHECK, &bucket(&[])));
        assert_eq!(
            eval(&bucket(&["AES256"]), &ctx()),
            Some(Outcome::fail("default encryption is AES256 (SSE-S3), not SSE-KMS".into()))
        );
        assert_eq!(eval(&bucket(&["aws:kms"]), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&bucket(&["aws:kms:dsse"]), &ctx()), Some(Outcome::Pass));
    }
}
