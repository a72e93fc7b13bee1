//! S3 collection: list buckets, and read one bucket's configuration into a [`Bucket`] snapshot.

use super::part;
use super::snapshot::{AccountPublicAccess, Bucket, Grant, Grantee, PublicAccessBlock, Versioning};
use crate::aws::{classify, Clients};
use crate::error::{AwsError, AwsErrorKind, Operation, ReadFailure};
use crate::model::ResourceRef;
use crate::policy::PolicyDocument;
use crate::router::Focus;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::types::{BucketVersioningStatus, Type};
use std::collections::BTreeMap;

/// Codes S3 returns when a configuration is simply not set: data, not an error.
const ABSENT: &[&str] = &[
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchTagSet",
    "NoSuchTagSetError",
];

/// The code every bucket operation returns when the bucket does not exist.
const NO_SUCH_BUCKET: &[&str] = &["NoSuchBucket"];

/// The result of reading one bucket. Returned once per bucket and matched at once, so the size
/// difference between the variants costs nothing worth a box.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum BucketRead {
    /// Read; parts that failed are `None` in the snapshot and listed in `failures`.
    Found { bucket: Bucket, failures: Vec<ReadFailure> },
    /// The bucket no longer exists.
    Gone,
}

/// The S3 client for a region (a bucket is read in its own region).
fn client(clients: &Clients, region: &str) -> aws_sdk_s3::Client {
    clients.regional(region, |sdk, recorder| {
        let conf =
            aws_sdk_s3::config::Builder::from(sdk).force_path_style(clients.path_style()).interceptor(recorder.clone()).build();
        aws_sdk_s3::Client::from_conf(conf)
    })
}

/// Lists every bucket with its region. Errors mean the listing is incomplete.
pub async fn list_buckets(clients: &Clients) -> Result<Vec<(String, Option<String>)>, AwsError> {
    let client = client(clients, "");
    let mut out = Vec::new();
    let mut pages = client.list_buckets().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e))?;
        for b in page.buckets() {
            if let Some(name) = b.name() {
                out.push((name.to_string(), b.bucket_region().map(str::to_string)));
            }
        }
    }
    Ok(out)
}

/// The bucket's region, from GetBucketLocation. `Ok(None)` when the bucket is gone.
pub async fn bucket_region(clients: &Clients, name: &str) -> Result<Option<String>, AwsError> {
    let client = client(clients, "");
    match client.get_bucket_location().bucket(name).send().await {
        Ok(out) => Ok(Some(match out.location_constraint().map(|c| c.as_str()) {
            None | Some("") => "us-east-1".to_string(),
            Some("EU") => "eu-west-1".to_string(),
            Some(other) => other.to_string(),
        })),
        Err(e) => {
            let err = classify(&e);
            if err.has_code(NO_SUCH_BUCKET) {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Reads the bucket's tags only (scope and exemption are decided on them before anything else).
pub async fn read_tags(clients: &Clients, r: &ResourceRef) -> Result<Option<BTreeMap<String, String>>, AwsError> {
    let client = client(clients, &r.region);
    match client.get_bucket_tagging().bucket(&r.id).send().await {
        Ok(out) => Ok(Some(out.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect())),
        Err(e) => match absent_or(classify(&e)) {
            Ok(()) => Ok(Some(BTreeMap::new())),
            Err(err) if err.has_code(NO_SUCH_BUCKET) => Ok(None),
            Err(err) => Err(err),
        },
    }
}

/// Reads the requested parts of a bucket concurrently. `tags` were read before.
pub async fn read_bucket(
    clients: &Clients,
    r: &ResourceRef,
    tags: BTreeMap<String, String>,
    focus: Focus,
) -> BucketRead {
    let client = client(clients, &r.region);
    let mut bucket = Bucket::new(&r.id, &r.account, &r.region);
    bucket.tags = tags;
    let want = |p| focus.has(p);
    let (policy, acl, pab, enc, ver, logging) = tokio::join!(
        async { if want(part::POLICY) { Some(read_policy(&client, &r.id).await) } else { None } },
        async { if want(part::ACL) { Some(read_acl(&client, &r.id).await) } else { None } },
        async { if want(part::PUBLIC_ACCESS_BLOCK) { Some(read_pab(&client, &r.id).await) } else { None } },
        async { if want(part::ENCRYPTION) { Some(read_encryption(&client, &r.id).await) } else { None } },
        async { if want(part::VERSIONING) { Some(read_versioning(&client, &r.id).await) } else { None } },
        async { if want(part::LOGGING) { Some(read_logging(&client, &r.id).await) } else { None } },
    );
    let mut failures = Vec::new();
    let arn = r.arn();
    bucket.policy = keep(policy, &arn, &mut failures);
    bucket.acl = keep(acl, &arn, &mut failures);
    bucket.public_access_block = keep(pab, &arn, &mut failures);
    bucket.encryption = keep(enc, &arn, &mut failures);
    let ver = keep(ver, &arn, &mut failures);
    bucket.versioning = ver.map(|(v, _)| v);
    bucket.mfa_delete = ver.map(|(_, mfa)| mfa);
    bucket.access_logging = keep(logging, &arn, &mut failures);
    let gone = failures.iter().any(|f| f.error.has_code(NO_SUCH_BUCKET));
    if gone {
        return BucketRead::Gone;
    }
    BucketRead::Found { bucket, failures }
}

/// The value of a part that was read; a failed read is recorded and leaves the part unread.
fn keep<T>(res: Option<Result<T, AwsError>>, arn: &str, failures: &mut Vec<ReadFailure>) -> Option<T> {
    match res? {
        Ok(v) => Some(v),
        Err(error) => {
            failures.push(ReadFailure { resource_arn: arn.to_string(), error });
            None
        }
    }
}

/// `Ok(())` when the error only says the configuration is not set.
fn absent_or(err: AwsError) -> Result<(), AwsError> {
    if err.has_code(ABSENT) {
        Ok(())
    } else {
        Err(err)
    }
}

async fn read_policy(client: &aws_sdk_s3::Client, name: &str) -> Result<Option<PolicyDocument>, AwsError> {
    match client.get_bucket_policy().bucket(name).send().await {
        Ok(out) => match out.policy() {
            None | Some("") => Ok(None),
            Some(text) => PolicyDocument::parse(text).map(Some).map_err(|e| AwsError {
                operation: Operation::of::<aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyError>(),
                kind: AwsErrorKind::Other,
                code: Some("UnparseablePolicy".into()),
                message: format!("bucket policy is not a valid policy document: {e}"),
            }),
        },
        Err(e) => absent_or(classify(&e)).map(|()| None),
    }
}

async fn read_acl(client: &aws_sdk_s3::Client, name: &str) -> Result<Vec<Grant>, AwsError> {
    let out = client.get_bucket_acl().bucket(name).send().await.map_err(|e| classify(&e))?;
    Ok(out
        .grants()
        .iter()
        .filter_map(|g| {
            let grantee = g.grantee()?;
            let who = match grantee.r#type() {
                Type::Group => Grantee::Group(grantee.uri()?.to_string()),
                Type::AmazonCustomerByEmail => Grantee::Email(grantee.email_address().unwrap_or_default().to_string()),
                _ => Grantee::CanonicalUser(grantee.id().unwrap_or_default().to_string()),
            };
            Some(Grant { grantee: who, permission: g.permission().map(|p| p.as_str().to_string()).unwrap_or_default() })
        })
        .collect())
}

async fn read_pab(client: &aws_sdk_s3::Client, name: &str) -> Result<PublicAccessBlock, AwsError> {
    match client.get_public_access_block().bucket(name).send().await {
        Ok(out) => {
            let c = out.public_access_block_configuration();
            let flag = |f: fn(&aws_sdk_s3::types::PublicAccessBlockConfiguration) -> Option<bool>| {
                c.and_then(f).unwrap_or(false)
            };
            Ok(PublicAccessBlock {
                block_public_acls: flag(|c| c.block_public_acls()),
                ignore_public_acls: flag(|c| c.ignore_public_acls()),
                block_public_policy: flag(|c| c.block_public_policy()),
                restrict_public_buckets: flag(|c| c.restrict_public_buckets()),
            })
        }
        Err(e) => absent_or(classify(&e)).map(|()| PublicAccessBlock::default()),
    }
}

async fn read_encryption(client: &aws_sdk_s3::Client, name: &str) -> Result<Vec<String>, AwsError> {
    match client.get_bucket_encryption().bucket(name).send().await {
        Ok(out) => Ok(out
            .server_side_encryption_configuration()
            .map(|c| c.rules())
            .unwrap_or_default()
            .iter()
            .filter_map(|rule| rule.apply_server_side_encryption_by_default())
            .map(|d| d.sse_algorithm().as_str().to_string())
            .collect()),
        Err(e) => absent_or(classify(&e)).map(|()| Vec::new()),
    }
}

/// Whether server access logging is on.
async fn read_logging(client: &aws_sdk_s3::Client, name: &str) -> Result<bool, AwsError> {
    let out = client.get_bucket_logging().bucket(name).send().await.map_err(|e| classify(&e))?;
    Ok(out.logging_enabled().is_some())
}

/// The versioning state and whether MFA delete is on (absent means never enabled).
async fn read_versioning(client: &aws_sdk_s3::Client, name: &str) -> Result<(Versioning, bool), AwsError> {
    match client.get_bucket_versioning().bucket(name).send().await {
        Ok(out) => Ok((
            match out.status() {
                Some(BucketVersioningStatus::Enabled) => Versioning::Enabled,
                Some(BucketVersioningStatus::Suspended) => Versioning::Suspended,
                _ => Versioning::Never,
            },
            out.mfa_delete().is_some_and(|m| m.as_str() == "Enabled"),
        )),
        Err(e) => {
            // Some S3-compatible endpoints (moto among them) answer 200 with a root element other
            // than VersioningConfiguration, which the SDK refuses; the status inside is still valid.
            if let SdkError::ServiceError(ctx) = &e {
                let raw = ctx.raw();
                if raw.status().as_u16() == 200 {
                    if let Some(v) = raw.body().bytes().and_then(|b| std::str::from_utf8(b).ok()).and_then(versioning_from_xml) {
                        return Ok(v);
                    }
                }
            }
            Err(classify(&e))
        }
    }
}

/// The versioning state in a GetBucketVersioning XML body, whatever its root element is called;
/// `None` when the body is not such a document (then the read failed: a body that cannot be
/// understood is never "versioning off").
fn versioning_from_xml(body: &str) -> Option<(Versioning, bool)> {
    if !crate::aws::xml_root(body)?.contains("Versioning") {
        return None;
    }
    let element = |name: &str| {
        let (_, rest) = body.split_once(&format!("<{name}>"))?;
        rest.split_once(&format!("</{name}>")).map(|(s, _)| s.trim())
    };
    let status = match element("Status") {
        Some("Enabled") => Versioning::Enabled,
        Some("Suspended") => Versioning::Suspended,
        _ => Versioning::Never,
    };
    Some((status, element("MfaDelete") == Some("Enabled")))
}

/// The S3 Control client (account-level settings). Against an endpoint override (moto, a proxy)
/// the URL is used as given: the default resolver would put the account id in front of its host.
pub fn control_client(clients: &Clients) -> aws_sdk_s3control::Client {
    clients.regional("", |sdk, recorder| {
        let mut conf = aws_sdk_s3control::config::Builder::from(sdk).interceptor(recorder.clone());
        if let Some(url) = sdk.endpoint_url() {
            conf = conf.endpoint_resolver(AsGiven(url.to_string()));
        }
        aws_sdk_s3control::Client::from_conf(conf.build())
    })
}

/// An endpoint resolver that answers the configured URL, unchanged.
#[derive(Debug)]
struct AsGiven(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for AsGiven {
    fn resolve_endpoint<'a>(&'a self, _: &'a aws_sdk_s3control::config::endpoint::Params) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(aws_smithy_types::endpoint::Endpoint::builder().url(self.0.clone()).build()))
    }
}

/// The account's Block Public Access settings; an account without a configuration has all off.
pub async fn account_public_access(clients: &Clients, account: &str) -> Result<AccountPublicAccess, AwsError> {
    match control_client(clients).get_public_access_block().account_id(account).send().await {
        Ok(out) => {
            let c = out.public_access_block_configuration().ok_or_else(|| AwsError {
                operation: Operation::of::<aws_sdk_s3control::operation::get_public_access_block::GetPublicAccessBlockError>(),
                kind: AwsErrorKind::Other,
                code: None,
                message: "GetPublicAccessBlock returned no configuration".into(),
            })?;
            let block = PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            };
            Ok(AccountPublicAccess { block: Some(block) })
        }
        Err(e) => {
            let e = classify(&e);
            if e.has_code(&["NoSuchPublicAccessBlockConfiguration"]) {
                Ok(AccountPublicAccess { block: Some(PublicAccessBlock::default()) })
            } else {
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioning_status_from_any_root() {
        let ns = r#"xmlns="http://s3.amazonaws.com/doc/2006-03-01/""#;
        assert_eq!(versioning_from_xml(&format!("<VersioningConfiguration {ns}/>")), Some((Versioning::Never, false)));
        assert_eq!(
            versioning_from_xml(&format!(
                "<?xml version=\"1.0\"?>\n<GetBucketVersioningResponse {ns}><Status>Suspended</Status></GetBucketVersioningResponse>"
            )),
            Some((Versioning::Suspended, false))
        );
        assert_eq!(versioning_from_xml("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"), Some((Versioning::Enabled, false)));
        assert_eq!(
            versioning_from_xml("<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>"),
            Some((Versioning::Enabled, true))
        );
    }

    #[test]
    fn a_body_that_is_not_a_versioning_document_is_not_versioning_off() {
        assert_eq!(versioning_from_xml("{ this is neither XML nor JSON <<<"), None);
        assert_eq!(versioning_from_xml("<Error><Code>InternalError</Code></Error>"), None);
        assert_eq!(versioning_from_xml("<VersioningConfigur"), None);
    }
}

/// Whether the bucket has server access logging on (GetBucketLogging in the bucket's region):
/// `Ok(None)` when the bucket does not exist. For other services' checks on a bucket they use
/// (a trail's log bucket).
pub async fn access_logging(clients: &Clients, bucket: &str) -> Result<Option<bool>, AwsError> {
    let Some(region) = bucket_region(clients, bucket).await? else { return Ok(None) };
    match client(clients, &region).get_bucket_logging().bucket(bucket).send().await {
        Ok(out) => Ok(Some(out.logging_enabled().is_some())),
        Err(e) => {
            let err = classify(&e);
            if err.has_code(NO_SUCH_BUCKET) {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}
