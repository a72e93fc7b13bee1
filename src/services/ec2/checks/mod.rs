//! EC2 checks (security groups, VPCs, EBS, instances, network ACLs), one file each, and the security-group rule logic they share.

crate::check::checks! {
    sg_open_high_risk_port,
    sg_open_to_world,
    default_sg_allows_traffic,
    no_private_subnet,
    flow_logs_disabled,
    ebs_volume_unencrypted,
    ebs_default_encryption_off,
    instance_imdsv1_allowed,
    nacl_admin_ports_open,
    snapshot_public,
}

pub mod vpc;

use crate::check::Context;
use crate::services::ec2::snapshot::{Peer, Rule};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The ports a rule opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    /// Protocol `-1`: every protocol and port.
    All,
    /// A TCP or UDP port range, inclusive.
    Range(u16, u16),
    /// A protocol without ports (GRE, ESP, ...), open as a whole.
    Protocol,
    /// ICMP: no ports, and reachability probes are not an exposure these checks report.
    Icmp,
}

/// What a rule opens.
pub fn ports(rule: &Rule) -> Ports {
    match rule.protocol.to_ascii_lowercase().as_str() {
        "-1" | "all" => Ports::All,
        "tcp" | "udp" | "6" | "17" => match (rule.from_port, rule.to_port) {
            (Some(from), Some(to)) if from >= 0 && to >= from => Ports::Range(clamp(from), clamp(to)),
            // A TCP or UDP rule without a valid range is read as the whole range.
            _ => Ports::Range(0, 65535),
        },
        "icmp" | "icmpv6" | "1" | "58" => Ports::Icmp,
        _ => Ports::Protocol,
    }
}

fn clamp(port: i32) -> u16 {
    port.clamp(0, 65535) as u16
}

/// The CIDR of a rule whose peer is the whole internet: any IPv4 or IPv6 network with prefix
/// length 0, however its address is written (`0.0.0.0/0`, `::/0`, `10.0.0.0/0`).
pub fn world_cidr(rule: &Rule) -> Option<&str> {
    match &rule.peer {
        Peer::Cidr(c) => c.trim().parse::<IpNet>().ok().filter(|n| n.prefix_len() == 0).map(|_| c.as_str()),
        Peer::Group(_) | Peer::PrefixList(_) => None,
    }
}

/// The high-risk ports a rule opens.
pub fn high_risk_hits(rule: &Rule, ctx: &Context) -> Vec<u16> {
    match ports(rule) {
        Ports::All => ctx.high_risk_ports.iter().copied().collect(),
        Ports::Range(from, to) => ctx.high_risk_ports.range(from..=to).copied().collect(),
        Ports::Protocol | Ports::Icmp => Vec::new(),
    }
}

/// Whether a rule opens any port that is neither high-risk nor meant to be public.
pub fn opens_other_ports(rule: &Rule, ctx: &Context) -> bool {
    match ports(rule) {
        Ports::All | Ports::Protocol => true,
        Ports::Icmp => false,
        Ports::Range(from, to) => {
            let known = ctx.high_risk_ports.union(&ctx.public_ports).filter(|p| (from..=to).contains(*p)).count();
            known < usize::from(to - from) + 1
        }
    }
}

/// A rule as people write it: `tcp 22 from 0.0.0.0/0 ("ssh for vendors")`.
pub fn describe(rule: &Rule) -> String {
    let what = match ports(rule) {
        Ports::All => "all traffic".to_string(),
        Ports::Range(a, b) if a == b => format!("{} {a}", rule.protocol),
        Ports::Range(a, b) => format!("{} {a}-{b}", rule.protocol),
        Ports::Protocol => format!("protocol {}", rule.protocol),
        Ports::Icmp => rule.protocol.clone(),
    };
    let peer = match &rule.peer {
        Peer::Cidr(c) | Peer::Group(c) | Peer::PrefixList(c) => c,
    };
    match rule.description.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => format!("{what} from {peer} ({d:?})"),
        None => format!("{what} from {peer}"),
    }
}

/// One security group rule as a finding's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEvidence {
    pub rule: String,
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    /// The world CIDR it admits.
    pub cidr: Option<String>,
    /// The high-risk ports it opens (empty for the open-to-world check).
    pub ports: Vec<u16>,
}

/// A rule as stored evidence.
pub fn evidence(rule: &Rule, ports: &[u16]) -> RuleEvidence {
    RuleEvidence {
        rule: describe(rule),
        protocol: rule.protocol.clone(),
        from_port: rule.from_port,
        to_port: rule.to_port,
        cidr: world_cidr(rule).map(str::to_string),
        ports: ports.to_vec(),
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Security groups for the tests.
    use crate::services::ec2::snapshot::{Peer, Rule, SecurityGroup};

    pub fn rule(protocol: &str, from: Option<i32>, to: Option<i32>, cidr: &str) -> Rule {
        let peer = if cidr.starts_with("sg-") { Peer::Group(cidr.into()) } else { Peer::Cidr(cidr.into()) };
        Rule { protocol: protocol.into(), from_port: from, to_port: to, peer, description: None }
    }

    pub fn tcp(from: i32, to: i32, cidr: &str) -> Rule {
        rule("tcp", Some(from), Some(to), cidr)
    }

    pub fn group(name: &str, ingress: Vec<Rule>) -> SecurityGroup {
        SecurityGroup {
            id: "sg-0123456789abcdef0".into(),
            name: name.into(),
            vpc_id: Some("vpc-1".into()),
            tags: Default::default(),
            ingress,
            egress: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::check::testing::ctx;

    #[test]
    fn port_ranges_cover_or_miss_high_risk_ports() {
        let c = ctx();
        assert_eq!(high_risk_hits(&tcp(22, 22, "0.0.0.0/0"), &c), vec![22]);
        assert_eq!(high_risk_hits(&tcp(3300, 3400, "0.0.0.0/0"), &c), vec![3306, 3389]);
        assert!(high_risk_hits(&tcp(23, 24, "0.0.0.0/0"), &c) == vec![23]);
        assert!(high_risk_hits(&tcp(24, 24, "0.0.0.0/0"), &c).is_empty(), "24 sits between 23 and 25");
        assert!(high_risk_hits(&tcp(10000, 11210, "0.0.0.0/0"), &c).is_empty());
        assert_eq!(high_risk_hits(&tcp(0, 65535, "0.0.0.0/0"), &c).len(), 29);
        assert_eq!(high_risk_hits(&rule("udp", Some(1434), Some(1434), "0.0.0.0/0"), &c), vec![1434]);
    }

    #[test]
    fn protocol_minus_one_is_every_port() {
        let c = ctx();
        let all = rule("-1", None, None, "0.0.0.0/0");
        assert_eq!(ports(&all), Ports::All);
        assert_eq!(high_risk_hits(&all, &c).len(), c.high_risk_ports.len());
        assert_eq!(describe(&all), "all traffic from 0.0.0.0/0");
        assert_eq!(ports(&rule("icmp", Some(-1), Some(-1), "0.0.0.0/0")), Ports::Icmp);
        assert_eq!(ports(&rule("50", None, None, "0.0.0.0/0")), Ports::Protocol);
    }

    #[test]
    fn world_means_prefix_length_zero_in_either_family() {
        assert_eq!(world_cidr(&tcp(22, 22, "0.0.0.0/0")), Some("0.0.0.0/0"));
        assert_eq!(world_cidr(&tcp(22, 22, "::/0")), Some("::/0"), "IPv6");
        assert_eq!(world_cidr(&tcp(22, 22, "10.0.0.0/0")), Some("10.0.0.0/0"), "/0 with a host address is still the world");
        assert_eq!(world_cidr(&tcp(22, 22, "203.0.113.0/24")), None, "a non-world CIDR");
        assert_eq!(world_cidr(&tcp(22, 22, "2001:db8::/32")), None);
        assert_eq!(world_cidr(&tcp(22, 22, "sg-0aaa")), None, "a security-group source");
        assert_eq!(world_cidr(&tcp(22, 22, "not-a-cidr")), None);
    }

    #[test]
    fn other_ports_exclude_high_risk_and_public() {
        let c = ctx();
        assert!(!opens_other_ports(&tcp(80, 80, "0.0.0.0/0"), &c));
        assert!(!opens_other_ports(&tcp(443, 443, "0.0.0.0/0"), &c));
        assert!(opens_other_ports(&tcp(8443, 8443, "0.0.0.0/0"), &c));
        assert!(opens_other_ports(&tcp(80, 81, "0.0.0.0/0"), &c));
        assert!(!opens_other_ports(&tcp(20, 23, "0.0.0.0/0"), &c), "20-23 are all high-risk");
        assert!(!opens_other_ports(&rule("icmp", Some(8), Some(0), "0.0.0.0/0"), &c));
    }

    #[test]
    fn descriptions_name_ports_peer_and_label() {
        let mut r = tcp(1000, 2000, "::/0");
        r.description = Some("vendor".into());
        assert_eq!(describe(&r), "tcp 1000-2000 from ::/0 (\"vendor\")");
        let g = group("web", vec![]);
        assert!(!g.is_default());
    }
}
