//! EC2 snapshots: security groups, VPCs with their subnets and route tables, EBS volumes and
//! regional EBS settings. Plain data; no SDK types.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Where an ingress or egress rule admits traffic from (or sends it to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// An IPv4 or IPv6 CIDR, as written in the rule.
    Cidr(String),
    /// Another security group.
    Group(String),
    /// A managed prefix list.
    PrefixList(String),
}

/// One rule of a security group: one protocol, port range and peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all traffic) or a protocol number.
    pub protocol: String,
    /// Absent for protocol `-1`; `-1` for "all ICMP types".
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub peer: Peer,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub vpc_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

impl SecurityGroup {
    /// Every VPC has one group named `default`, which cannot be deleted.
    pub fn is_default(&self) -> bool {
        self.name == "default"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub cidr: Option<String>,
}

/// One route: a destination and the id of what it points at (`igw-`, `eigw-`, `nat-`, `pcx-`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// An IPv4 or IPv6 CIDR, or a prefix list id.
    pub destination: String,
    pub target: String,
    /// A route whose target is gone routes nothing.
    pub blackhole: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    /// The VPC's main table serves every subnet without an explicit association.
    pub main: bool,
    /// Subnets explicitly associated with this table.
    pub subnets: Vec<String>,
    pub routes: Vec<Route>,
}

/// A VPC's subnets and route tables: what decides which subnets are public.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Network {
    pub vpc_id: String,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLog {
    pub id: String,
    /// `ALL`, `ACCEPT` or `REJECT`.
    pub traffic_type: String,
    /// `ACTIVE` when it is delivering.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    pub id: String,
    pub is_default: bool,
    pub tags: BTreeMap<String, String>,
    /// `None` when not read in this audit.
    pub network: Option<Arc<Network>>,
    /// The VPC-level flow logs; `None` when not read.
    pub flow_logs: Option<Vec<FlowLog>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub id: String,
    /// `None` when DescribeVolumes did not return the field: the check is not evaluated.
    pub encrypted: Option<bool>,
    pub state: String,
    /// Instances it is attached to.
    pub attached_to: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// Settings that apply to a whole region of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSettings {
    pub region: String,
    /// `None` when not read.
    pub ebs_encryption_by_default: Option<bool>,
}

/// An EC2 instance and how its metadata service answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    /// `pending`, `running`, `stopping` or `stopped` (terminated instances are not listed).
    pub state: String,
    /// `MetadataOptions.HttpTokens`: `required` (IMDSv2 only) or `optional`; `None` when not returned.
    pub http_tokens: Option<String>,
    /// `MetadataOptions.HttpEndpoint`: `disabled` turns the metadata service off.
    pub http_endpoint: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// One numbered rule of a network ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    /// Rules are evaluated in ascending number; the first match decides.
    pub number: i32,
    pub egress: bool,
    pub allow: bool,
    /// `-1` (all), or a protocol number (`6` TCP, `17` UDP).
    pub protocol: String,
    /// The IPv4 or IPv6 CIDR the rule matches.
    pub cidr: String,
    /// The TCP or UDP port range; `None` for all ports.
    pub ports: Option<(i32, i32)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc_id: String,
    pub is_default: bool,
    /// Subnets it is associated with.
    pub subnets: Vec<String>,
    pub entries: Vec<AclEntry>,
    pub tags: BTreeMap<String, String>,
}

/// An EBS snapshot the account owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EbsSnapshot {
    pub id: String,
    pub volume_id: Option<String>,
    pub encrypted: Option<bool>,
    /// The groups and accounts in `createVolumePermission`; `None` when the attribute was not read.
    pub restorable_by: Option<Restorable>,
    pub tags: BTreeMap<String, String>,
}

/// Who may create volumes from a snapshot besides its owner.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Restorable {
    /// Group `all`: every AWS account.
    pub everyone: bool,
    pub accounts: Vec<String>,
}
