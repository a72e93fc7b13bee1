//! KMS collection: the account's keys in a region, and one key's metadata, rotation, policy and
//! tags.

use crate::aws::{classify, each_page};
use crate::error::{AwsError, ReadFailure};
use crate::policy::PolicyDocument;
use crate::services::kms::snapshot::{Key, Manager, State};
use aws_sdk_kms::types::{KeyManagerType, KeyState};
use aws_sdk_kms::Client;

/// The KMS client for a region.
pub fn client(clients: &crate::aws::Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_kms::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// The ids of every key in the region (ListKeys, paginated).
pub async fn key_ids(client: &Client) -> Result<Vec<String>, AwsError> {
    let mut ids = Vec::new();
    each_page(client.list_keys().into_paginator().send(), |page| {
        ids.extend(page.keys().iter().filter_map(|k| k.key_id().map(str::to_string)));
    })
    .await?;
    Ok(ids)
}

fn malformed(message: &str) -> AwsError {
    AwsError {
        operation: crate::error::Operation::of::<aws_sdk_kms::operation::describe_key::DescribeKeyError>(),
        kind: crate::error::AwsErrorKind::Other,
        code: None,
        message: message.into(),
    }
}

/// One key: `Ok(None)` when it does not exist. Parts that fail are `None` in the key and
/// returned as failures (against `arn`); the metadata must be read.
pub async fn key(client: &Client, id: &str, arn: &str) -> Result<Option<(Key, Vec<ReadFailure>)>, AwsError> {
    let meta = match client.describe_key().key_id(id).send().await {
        Ok(out) => out.key_metadata.ok_or_else(|| malformed("DescribeKey returned no KeyMetadata"))?,
        Err(e) => {
            let e = classify(&e);
            return if e.has_code(&["NotFoundException"]) { Ok(None) } else { Err(e) };
        }
    };
    let mut key = Key {
        id: meta.key_id().to_string(),
        manager: meta.key_manager().map(|m| if *m == KeyManagerType::Aws { Manager::Aws } else { Manager::Customer }),
        state: meta.key_state().map(|s| match s {
            KeyState::Enabled => State::Enabled,
            KeyState::Disabled => State::Disabled,
            KeyState::PendingDeletion => State::PendingDeletion,
            other => State::Other(other.as_str().to_string()),
        }),
        spec: meta.key_spec().map(|s| s.as_str().to_string()),
        origin: meta.origin().map(|o| o.as_str().to_string()),
        deletion_date: meta.deletion_date().and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
        rotation: None,
        policy: None,
        tags: None,
    };
    let mut failures = Vec::new();
    let mut fail = |error: AwsError| failures.push(ReadFailure { resource_arn: arn.to_string(), error });
    // AWS manages the rotation, policy and tags of its own keys: nothing to judge there.
    if key.manager != Some(Manager::Customer) {
        return Ok(Some((key, failures)));
    }
    // Rotation applies only to symmetric keys with KMS-made material, and a key pending deletion
    // answers KMSInvalidStateException.
    if key.rotatable() && matches!(key.state, Some(State::Enabled | State::Disabled)) {
        match client.get_key_rotation_status().key_id(id).send().await {
            Ok(out) => key.rotation = Some(out.key_rotation_enabled),
            Err(e) => fail(classify(&e)),
        }
    }
    match client.get_key_policy().key_id(id).policy_name("default").send().await {
        Ok(out) => match out.policy().map(PolicyDocument::parse) {
            Some(Ok(doc)) => key.policy = Some(doc),
            Some(Err(e)) => fail(malformed(&format!("the key policy does not parse: {e}"))),
            None => fail(malformed("GetKeyPolicy returned no policy")),
        },
        Err(e) => fail(classify(&e)),
    }
    let mut tags = std::collections::BTreeMap::new();
    match each_page(client.list_resource_tags().key_id(id).into_paginator().send(), |page| {
        tags.extend(page.tags().iter().map(|t| (t.tag_key().to_string(), t.tag_value().to_string())));
    })
    .await
    {
        Ok(()) => key.tags = Some(tags),
        Err(e) => fail(e),
    }
    Ok(Some((key, failures)))
}
