//! Core vocabulary: resource types, resource references (the router's output contract), severities and timestamps.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What vigil knows about one resource type. Each service declares its types as constants
/// (`services/<service>/mod.rs`); the core reads them only through these fields.
#[derive(Debug)]
pub struct TypeInfo {
    /// The CloudFormation type name (`AWS::S3::Bucket`): the stored `resource_type`.
    pub name: &'static str,
    /// The finding key (ARN) of a resource of this type.
    pub arn: fn(&ResourceRef) -> String,
    /// Whether vigil reads this type's tags, so `SCOPE_TAG` and `EXEMPT_TAG` apply to it.
    pub tags: bool,
    /// Whether its id is a name that `SCOPE_NAME_SUFFIX` applies to.
    pub named: bool,
    /// Whether it lives in a region (`REGIONS` applies) rather than account-wide.
    pub regional: bool,
    /// Whether findings are kept under it; `false` for types that only locate another resource
    /// (a subnet locates its VPC).
    pub has_findings: bool,
    /// How tables name a resource: `prefix/<last segment of its id>` (`user/alice`); `None` shows
    /// the id as it is.
    pub short: Option<&'static str>,
}

/// A supported resource type: a handle on its [`TypeInfo`]. Compared, ordered and serialised by
/// its CloudFormation name, so stored items read the same whatever the handle.
#[derive(Clone, Copy)]
pub struct ResourceType(pub &'static TypeInfo);

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        self.0.name
    }

    pub fn info(self) -> &'static TypeInfo {
        self.0
    }

    /// Whether findings are kept under this type.
    pub fn has_findings(self) -> bool {
        self.0.has_findings
    }

    /// The registered type with this name.
    pub fn named(name: &str) -> Option<ResourceType> {
        crate::services::resource_types().find(|t| t.as_str() == name)
    }
}

/// Account-wide settings (password policy, root user, account-level switches); AWS Config's name
/// for the account. Any service may judge it; its id is the account.
pub const ACCOUNT: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::::Account",
    arn: |r| format!("arn:{}:iam::{}:root", partition(&r.region), r.account),
    tags: false,
    named: false,
    regional: false,
    has_findings: true,
    short: Some("account"),
});

/// Regional account settings (EBS encryption by default, and later recorders and detectors). Its
/// id is the account.
pub const ACCOUNT_REGION: ResourceType = ResourceType(&TypeInfo {
    name: "AWS::::AccountRegion",
    arn: |r| format!("arn:{}:ec2:{}:{}:account", partition(&r.region), r.region, r.account),
    tags: false,
    named: false,
    regional: true,
    has_findings: true,
    short: None,
});

impl PartialEq for ResourceType {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ResourceType {}

impl std::hash::Hash for ResourceType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for ResourceType {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ResourceType {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Debug for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for ResourceType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResourceType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        ResourceType::named(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown resource type {name:?}")))
    }
}

/// One resource to audit or forget. Serialized as `{"type","id","account","region"}`: this is the
/// `vigil route` contract. An empty `account` or `region` means the event did not say; the audit
/// resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    #[serde(rename = "type")]
    pub kind: ResourceType,
    pub id: String,
    pub account: String,
    pub region: String,
}

impl ResourceRef {
    pub fn new(kind: ResourceType, id: impl Into<String>, account: impl Into<String>, region: impl Into<String>) -> Self {
        ResourceRef { kind, id: id.into(), account: account.into(), region: region.into() }
    }

    /// The resource's ARN, the key of its findings.
    pub fn arn(&self) -> String {
        (self.kind.0.arn)(self)
    }

    /// Parses an ARN given by an operator: the services registered in [`crate::services`] each
    /// recognise their own. Account and region come from the ARN where it has them.
    pub fn from_arn(arn: &str) -> Option<Self> {
        let parsed = Arn::parse(arn)?;
        crate::services::parse_arn(&parsed)
    }
}

/// An ARN split into its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub whole: &'a str,
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the account field (`user/path/name`, `db:orders`, a bucket name).
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(arn: &'a str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (prefix, partition, service, region, account, resource) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        (prefix == "arn").then_some(Arn { whole: arn, partition, service, region, account, resource })
    }

    /// The last `/`-separated segment of the resource, when it is not empty (a name without its path).
    pub fn last_segment(&self, after: &str) -> Option<&'a str> {
        let rest = self.resource.strip_prefix(after)?;
        rest.rsplit('/').next().filter(|n| !n.is_empty())
    }

    /// Whether it names a regional resource of `service` in an account.
    pub fn is_regional(&self, service: &str) -> bool {
        self.service == service && self.has_account() && !self.region.is_empty()
    }

    /// Whether the account field is a 12-digit account id.
    pub fn has_account(&self) -> bool {
        self.account.len() == 12 && self.account.bytes().all(|b| b.is_ascii_digit())
    }
}

/// The ARN partition for a region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Finding severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: &'static [Severity] = &[
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Formats a timestamp the way every stored field is written: UTC, millisecond precision, `Z`.
/// The fixed width keeps string order equal to time order in DynamoDB.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Truncates a time to the millisecond precision that [`timestamp`] keeps.
pub fn truncate_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!(Severity::parse("high"), Some(Severity::High));
        assert_eq!(Severity::parse("urgent"), None);
    }

    #[test]
    fn timestamps_have_fixed_width() {
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(timestamp(t), "2026-01-02T03:04:05.000Z");
    }

    #[test]
    fn account_types_key_on_the_account() {
        let a = ResourceRef::new(ACCOUNT, "123456789012", "123456789012", "us-east-1");
        assert_eq!(a.arn(), "arn:aws:iam::123456789012:root");
        let r = ResourceRef::new(ACCOUNT_REGION, "123456789012", "123456789012", "cn-north-1");
        assert_eq!(r.arn(), "arn:aws-cn:ec2:cn-north-1:123456789012:account");
        assert_eq!(ResourceRef::from_arn("arn:aws:iam::123456789012:root").map(|x| x.arn()), Some(a.arn()));
        assert_eq!(ResourceRef::from_arn("arn:aws:ec2:cn-north-1:123456789012:account"), Some(r));
    }

    #[test]
    fn garbage_is_not_an_arn() {
        assert!(ResourceRef::from_arn("not-an-arn").is_none());
        assert!(ResourceRef::from_arn("arn:aws:sqs:us-east-1:123456789012:q").is_none());
        assert!(Arn::parse("arn:aws:s3").is_none());
    }

    #[test]
    fn types_serialise_by_name() {
        assert_eq!(serde_json::to_value(ACCOUNT).unwrap(), serde_json::json!("AWS::::Account"));
        let back: ResourceType = serde_json::from_value(serde_json::json!("AWS::::AccountRegion")).unwrap();
        assert_eq!(back, ACCOUNT_REGION);
        assert!(serde_json::from_value::<ResourceType>(serde_json::json!("AWS::Nope::Thing")).is_err());
    }
}
