//! Core vocabulary: resource types, resource references (the router's output contract), severities and timestamps.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A supported resource type, named by its CloudFormation type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceType {
    #[serde(rename = "AWS::S3::Bucket")]
    S3Bucket,
    #[serde(rename = "AWS::IAM::User")]
    IamUser,
    #[serde(rename = "AWS::IAM::Role")]
    IamRole,
    #[serde(rename = "AWS::IAM::Group")]
    IamGroup,
    /// A customer managed policy; its id is its ARN.
    #[serde(rename = "AWS::IAM::Policy")]
    IamPolicy,
    /// Account-wide settings (password policy, root user); AWS Config's name for the account.
    #[serde(rename = "AWS::::Account")]
    Account,
    #[serde(rename = "AWS::EC2::SecurityGroup")]
    Ec2SecurityGroup,
    #[serde(rename = "AWS::EC2::VPC")]
    Ec2Vpc,
    /// Routed from subnet events and resolved to its VPC at audit time; findings are the VPC's.
    #[serde(rename = "AWS::EC2::Subnet")]
    Ec2Subnet,
    /// Routed from route events and resolved to its VPC at audit time. Its id may be an
    /// association id (`rtbassoc-`) when the event names nothing else.
    #[serde(rename = "AWS::EC2::RouteTable")]
    Ec2RouteTable,
    /// Routed from DeleteFlowLogs (which names only the flow log): the region's VPCs are re-read.
    #[serde(rename = "AWS::EC2::FlowLog")]
    Ec2FlowLog,
    #[serde(rename = "AWS::EC2::Volume")]
    Ec2Volume,
    #[serde(rename = "AWS::RDS::DBInstance")]
    RdsDbInstance,
    /// Regional account settings (EBS encryption by default). Its id is the account.
    #[serde(rename = "AWS::::AccountRegion")]
    AccountRegion,
}

impl ResourceType {
    pub const ALL: &'static [ResourceType] = &[
        ResourceType::S3Bucket,
        ResourceType::IamUser,
        ResourceType::IamRole,
        ResourceType::IamGroup,
        ResourceType::IamPolicy,
        ResourceType::Account,
        ResourceType::Ec2SecurityGroup,
        ResourceType::Ec2Vpc,
        ResourceType::Ec2Subnet,
        ResourceType::Ec2RouteTable,
        ResourceType::Ec2FlowLog,
        ResourceType::Ec2Volume,
        ResourceType::RdsDbInstance,
        ResourceType::AccountRegion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::S3Bucket => "AWS::S3::Bucket",
            ResourceType::IamUser => "AWS::IAM::User",
            ResourceType::IamRole => "AWS::IAM::Role",
            ResourceType::IamGroup => "AWS::IAM::Group",
            ResourceType::IamPolicy => "AWS::IAM::Policy",
            ResourceType::Account => "AWS::::Account",
            ResourceType::Ec2SecurityGroup => "AWS::EC2::SecurityGroup",
            ResourceType::Ec2Vpc => "AWS::EC2::VPC",
            ResourceType::Ec2Subnet => "AWS::EC2::Subnet",
            ResourceType::Ec2RouteTable => "AWS::EC2::RouteTable",
            ResourceType::Ec2FlowLog => "AWS::EC2::FlowLog",
            ResourceType::Ec2Volume => "AWS::EC2::Volume",
            ResourceType::RdsDbInstance => "AWS::RDS::DBInstance",
            ResourceType::AccountRegion => "AWS::::AccountRegion",
        }
    }

    /// Whether findings are kept under this type. Subnets, route tables and flow logs only locate
    /// the VPC whose findings an event changes.
    pub fn has_findings(self) -> bool {
        !matches!(self, ResourceType::Ec2Subnet | ResourceType::Ec2RouteTable | ResourceType::Ec2FlowLog)
    }

    /// Whether resources of this type are IAM principals (users, roles, groups).
    pub fn is_iam_principal(self) -> bool {
        matches!(self, ResourceType::IamUser | ResourceType::IamRole | ResourceType::IamGroup)
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
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
    pub fn bucket(name: impl Into<String>, account: impl Into<String>, region: impl Into<String>) -> Self {
        ResourceRef::new(ResourceType::S3Bucket, name, account, region)
    }

    pub fn new(kind: ResourceType, id: impl Into<String>, account: impl Into<String>, region: impl Into<String>) -> Self {
        ResourceRef { kind, id: id.into(), account: account.into(), region: region.into() }
    }

    /// The resource's ARN, the key of its findings.
    ///
    /// IAM users, roles and groups are keyed by name without their path (names are unique in an
    /// account, and CloudTrail events carry only the name), so an event and a scan meet on one key.
    pub fn arn(&self) -> String {
        let p = partition(&self.region);
        let (account, id) = (&self.account, &self.id);
        match self.kind {
            ResourceType::S3Bucket => format!("arn:{p}:s3:::{id}"),
            ResourceType::IamUser => format!("arn:{p}:iam::{account}:user/{id}"),
            ResourceType::IamRole => format!("arn:{p}:iam::{account}:role/{id}"),
            ResourceType::IamGroup => format!("arn:{p}:iam::{account}:group/{id}"),
            ResourceType::IamPolicy => id.clone(),
            ResourceType::Account => format!("arn:{p}:iam::{account}:root"),
            ResourceType::Ec2SecurityGroup => self.ec2_arn("security-group"),
            ResourceType::Ec2Vpc => self.ec2_arn("vpc"),
            ResourceType::Ec2Subnet => self.ec2_arn("subnet"),
            ResourceType::Ec2RouteTable => self.ec2_arn("route-table"),
            ResourceType::Ec2FlowLog => self.ec2_arn("vpc-flow-log"),
            ResourceType::Ec2Volume => self.ec2_arn("volume"),
            ResourceType::RdsDbInstance => format!("arn:{p}:rds:{}:{account}:db:{id}", self.region),
            ResourceType::AccountRegion => format!("arn:{p}:ec2:{}:{account}:account", self.region),
        }
    }

    fn ec2_arn(&self, kind: &str) -> String {
        format!("arn:{}:ec2:{}:{}:{kind}/{}", partition(&self.region), self.region, self.account, self.id)
    }

    /// Parses an ARN given by an operator. Account and region come from the ARN where it has them.
    pub fn from_arn(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (prefix, _partition, service, region, account, rest) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if prefix != "arn" {
            return None;
        }
        let named = |kind: ResourceType, path: &str| {
            let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
            Some(ResourceRef::new(kind, name, account, region))
        };
        match service {
            "s3" if !rest.is_empty() && !rest.contains('/') && account.is_empty() => {
                Some(ResourceRef::bucket(rest, account, region))
            }
            "iam" if account.len() == 12 => match rest.split_once('/') {
                None if rest == "root" => Some(ResourceRef::new(ResourceType::Account, account, account, region)),
                Some(("user", path)) => named(ResourceType::IamUser, path),
                Some(("role", path)) => named(ResourceType::IamRole, path),
                Some(("group", path)) => named(ResourceType::IamGroup, path),
                Some(("policy", path)) if !path.is_empty() => {
                    Some(ResourceRef::new(ResourceType::IamPolicy, arn, account, region))
                }
                _ => None,
            },
            "ec2" if account.len() == 12 && !region.is_empty() => {
                let kind = match rest.split_once('/') {
                    None if rest == "account" => return Some(ResourceRef::new(ResourceType::AccountRegion, account, account, region)),
                    Some(("security-group", _)) => ResourceType::Ec2SecurityGroup,
                    Some(("vpc", _)) => ResourceType::Ec2Vpc,
                    Some(("subnet", _)) => ResourceType::Ec2Subnet,
                    Some(("route-table", _)) => ResourceType::Ec2RouteTable,
                    Some(("vpc-flow-log", _)) => ResourceType::Ec2FlowLog,
                    Some(("volume", _)) => ResourceType::Ec2Volume,
                    _ => return None,
                };
                rest.split_once('/').and_then(|(_, id)| named(kind, id))
            }
            "rds" if account.len() == 12 && !region.is_empty() => match rest.split_once(':') {
                Some(("db", name)) if !name.is_empty() => Some(ResourceRef::new(ResourceType::RdsDbInstance, name, account, region)),
                _ => None,
            },
            _ => None,
        }
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
    fn bucket_arn_round_trips() {
        let r = ResourceRef::from_arn("arn:aws:s3:::my-bucket").expect("parses");
        assert_eq!(r.kind, ResourceType::S3Bucket);
        assert_eq!(r.id, "my-bucket");
        assert_eq!(r.arn(), "arn:aws:s3:::my-bucket");
    }

    #[test]
    fn iam_arns_parse_by_name_without_path() {
        let u = ResourceRef::from_arn("arn:aws:iam::123456789012:user/division/alice").expect("user");
        assert_eq!((u.kind, u.id.as_str()), (ResourceType::IamUser, "alice"));
        assert_eq!(u.arn(), "arn:aws:iam::123456789012:user/alice");
        let r = ResourceRef::from_arn("arn:aws:iam::123456789012:role/service-role/deployer").expect("role");
        assert_eq!(r.arn(), "arn:aws:iam::123456789012:role/deployer");
        let p = ResourceRef::from_arn("arn:aws:iam::123456789012:policy/team/ci").expect("policy");
        assert_eq!((p.kind, p.arn().as_str()), (ResourceType::IamPolicy, "arn:aws:iam::123456789012:policy/team/ci"));
        let a = ResourceRef::from_arn("arn:aws:iam::123456789012:root").expect("account");
        assert_eq!(a.kind, ResourceType::Account);
        assert_eq!(a.arn(), "arn:aws:iam::123456789012:root");
        assert!(ResourceRef::from_arn("arn:aws:iam::aws:policy/AdministratorAccess").is_none(), "AWS managed policies are not audited");
        assert!(ResourceRef::from_arn("arn:aws:iam::123456789012:user/").is_none());
    }

    #[test]
    fn network_arns_round_trip() {
        for arn in [
            "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc",
            "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0abc",
            "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0abc",
            "arn:aws:rds:eu-west-1:123456789012:db:orders",
            "arn:aws:ec2:eu-west-1:123456789012:account",
        ] {
            let r = ResourceRef::from_arn(arn).unwrap_or_else(|| panic!("{arn} parses"));
            assert_eq!(r.arn(), arn);
            assert_eq!(r.region, "eu-west-1");
        }
        assert!(ResourceRef::from_arn("arn:aws:ec2:eu-west-1:123456789012:instance/i-1").is_none());
        assert!(ResourceRef::from_arn("arn:aws:rds:eu-west-1:123456789012:cluster:c").is_none());
    }

    #[test]
    fn object_arns_and_garbage_are_not_buckets() {
        assert!(ResourceRef::from_arn("arn:aws:s3:::b/key").is_none());
        assert!(ResourceRef::from_arn("arn:aws:s3:::").is_none());
        assert!(ResourceRef::from_arn("not-an-arn").is_none());
        assert!(ResourceRef::from_arn("arn:aws:sqs:us-east-1:123456789012:q").is_none());
    }

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
}
