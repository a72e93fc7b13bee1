//! KMS key checks, one file each.

crate::check::checks! {
    key_rotation_disabled,
    key_pending_deletion,
    key_policy_public,
    key_policy_broad_grants,
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Keys for the tests.
    use crate::policy::PolicyDocument;
    use crate::services::kms::snapshot::{Key, Manager, State};

    /// An enabled customer managed symmetric key, rotating, whose policy lets only the account
    /// root administer it.
    pub fn key() -> Key {
        Key {
            id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
            manager: Some(Manager::Customer),
            state: Some(State::Enabled),
            spec: Some("SYMMETRIC_DEFAULT".into()),
            origin: Some("AWS_KMS".into()),
            deletion_date: None,
            rotation: Some(true),
            policy: Some(policy(r#"{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}"#)),
            tags: Some(Default::default()),
        }
    }

    pub fn policy(statements: &str) -> PolicyDocument {
        PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)).unwrap()
    }

    pub fn with_policy(statements: &str) -> Key {
        Key { policy: Some(policy(statements)), ..key() }
    }
}
