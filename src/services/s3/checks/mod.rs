//! S3 bucket checks, one file each; [`super::CHECKS`] lists them.

pub mod cross_account_unconditioned;
pub mod default_encryption_not_kms;
pub mod public_access_block_off;
pub mod public_acl;
pub mod public_policy;
pub mod tls_not_enforced;
pub mod versioning_disabled;

#[cfg(test)]
pub(crate) mod testing {
    //! Fixtures shared by the bucket check tests.
    use crate::check::testing::{ctx, ACCOUNT};
    use crate::check::{Check, Outcome};
    use crate::policy::PolicyDocument;
    use crate::services::s3::snapshot::Bucket;

    /// A bucket with only its policy read.
    pub fn with_policy(json: &str) -> Bucket {
        let mut b = Bucket::new("b", ACCOUNT, "us-east-1");
        b.policy = Some(Some(PolicyDocument::parse(json).expect("fixture policy parses")));
        b
    }

    pub fn run(check: &Check, b: &Bucket) -> Option<Outcome> {
        check.evaluate(b, &ctx())
    }

    pub fn fails(check: &Check, b: &Bucket) -> bool {
        matches!(run(check, b), Some(Outcome::Fail(_)))
    }
}
