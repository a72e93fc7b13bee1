//! S3 bucket and account checks, one file each; [`super::CHECKS`] lists them.

crate::check::checks! {
    public_access_block_off,
    public_policy,
    public_acl,
    default_encryption_not_kms,
    versioning_disabled,
    tls_not_enforced,
    cross_account_unconditioned,
    mfa_delete_disabled,
    access_logging_disabled,
    account_public_access_block_off,
}

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
