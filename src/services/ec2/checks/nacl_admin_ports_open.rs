//! `ec2_nacl_admin_ports_open`: a network ACL admits SSH or RDP from the whole internet.
//!
//! Ingress rules are evaluated in ascending rule number and the first rule that matches a packet
//! decides. For each admin port and each address family, the first rule whose source is that
//! family's whole internet (`0.0.0.0/0`, `::/0`) and that covers TCP on the port decides; a rule
//! with a narrower source neither opens the port to everyone nor closes it to everyone.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::ec2::snapshot::{AclEntry, NetworkAcl};
use ipnet::IpNet;

/// SSH and RDP: the remote administration ports CIS and FSBP name.
pub const ADMIN_PORTS: [u16; 2] = [22, 3389];

pub static CHECK: Check = Check {
    id: "ec2_nacl_admin_ports_open",
    title: "Network ACL allows ingress from the internet to SSH or RDP",
    severity: Severity::Medium,
    resource_types: &[crate::services::ec2::NETWORK_ACL],
    risk: "The ACL is the subnet's outer layer: with it open, a single security group mistake exposes SSH or RDP \
           on every instance in its subnets to brute force and exploits from the whole internet.",
    remediation: "Add a DENY rule for TCP 22 and 3389 from 0.0.0.0/0 and ::/0 numbered below the ALLOW, or narrow \
                  the ALLOW to the administration network.",
    remediation_cli: "aws ec2 create-network-acl-entry --network-acl-id {id} --ingress --rule-number 50 --protocol tcp --port-range From=22,To=22 --cidr-block 0.0.0.0/0 --rule-action deny",
    compliance: &[fsbp("EC2.21"), cis3("5.1"), cis5("5.2")],
    eval: &On(eval),
    advice: None,
};

/// Whether a rule matches TCP traffic to `port`.
fn covers(e: &AclEntry, port: u16) -> bool {
    match e.protocol.as_str() {
        "-1" | "all" => true,
        "6" | "tcp" => e.ports.is_none_or(|(from, to)| from <= i32::from(port) && i32::from(port) <= to),
        _ => false,
    }
}

/// The address family whose whole internet a rule's source is: 4, 6, or `None` for a narrower one.
fn world(e: &AclEntry) -> Option<u8> {
    match e.cidr.trim().parse::<IpNet>().ok().filter(|n| n.prefix_len() == 0)? {
        IpNet::V4(_) => Some(4),
        IpNet::V6(_) => Some(6),
    }
}

/// The ALLOW rules that decide for the internet on an admin port: (port, rule number, CIDR).
pub fn open(acl: &NetworkAcl) -> Vec<(u16, i32, String)> {
    let mut ingress: Vec<&AclEntry> = acl.entries.iter().filter(|e| !e.egress).collect();
    ingress.sort_by_key(|e| e.number);
    let mut out = Vec::new();
    for port in ADMIN_PORTS {
        for family in [4, 6] {
            let first = ingress.iter().find(|e| world(e) == Some(family) && covers(e, port));
            if let Some(e) = first.filter(|e| e.allow) {
                out.push((port, e.number, e.cidr.clone()));
            }
        }
    }
    out
}

fn eval(acl: &NetworkAcl, _: &Context) -> Option<Outcome> {
    let found = open(acl);
    if found.is_empty() {
        return Some(Outcome::Pass);
    }
    let rules: Vec<String> = found.iter().map(|(port, n, cidr)| format!("port {port} from {cidr} (rule {n})")).collect();
    let subnets = if acl.subnets.is_empty() { "no subnet".to_string() } else { acl.subnets.join(", ") };
    Some(Outcome::fail(format!("network ACL {} of {} (for {subnets}) allows {}", acl.id, acl.vpc_id, rules.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;

    fn rule(number: i32, allow: bool, protocol: &str, cidr: &str, ports: Option<(i32, i32)>) -> AclEntry {
        AclEntry { number, egress: false, allow, protocol: protocol.into(), cidr: cidr.into(), ports }
    }

    fn acl(entries: Vec<AclEntry>) -> NetworkAcl {
        NetworkAcl { id: "acl-1".into(), vpc_id: "vpc-1".into(), is_default: false, subnets: vec!["subnet-1".into()], entries, tags: Default::default() }
    }

    /// AWS's closing rule, present in every ACL.
    fn closing() -> Vec<AclEntry> {
        vec![rule(32767, false, "-1", "0.0.0.0/0", None), rule(32768, false, "-1", "::/0", None)]
    }

    fn with(mut rules: Vec<AclEntry>) -> NetworkAcl {
        rules.extend(closing());
        acl(rules)
    }

    #[test]
    fn the_default_allow_all_opens_both_ports() {
        let a = with(vec![rule(100, true, "-1", "0.0.0.0/0", None)]);
        assert_eq!(open(&a), vec![(22, 100, "0.0.0.0/0".into()), (3389, 100, "0.0.0.0/0".into())]);
        assert!(eval(&a, &ctx()).unwrap().is_fail());
        assert_eq!(eval(&with(vec![]), &ctx()), Some(Outcome::Pass), "only the closing deny");
    }

    #[test]
    fn rules_apply_in_number_order_not_list_order() {
        let deny_first = with(vec![rule(200, true, "6", "0.0.0.0/0", Some((0, 65535))), rule(100, false, "6", "0.0.0.0/0", Some((22, 22)))]);
        assert_eq!(open(&deny_first), vec![(3389, 200, "0.0.0.0/0".into())], "22 is denied first; 3389 is not");
        let allow_first = with(vec![rule(100, true, "6", "0.0.0.0/0", Some((22, 22))), rule(90, false, "-1", "0.0.0.0/0", None)]);
        assert!(open(&allow_first).is_empty(), "rule 90 denies everything before rule 100");
    }

    #[test]
    fn port_ranges_and_protocols() {
        assert_eq!(open(&with(vec![rule(100, true, "6", "0.0.0.0/0", Some((20, 30)))])).len(), 1, "20-30 covers 22");
        assert!(open(&with(vec![rule(100, true, "6", "0.0.0.0/0", Some((23, 3388)))])).is_empty());
        assert!(open(&with(vec![rule(100, true, "17", "0.0.0.0/0", None)])).is_empty(), "UDP is not SSH or RDP");
        assert!(open(&with(vec![rule(100, true, "1", "0.0.0.0/0", None)])).is_empty(), "ICMP");
        assert_eq!(open(&with(vec![rule(100, true, "6", "0.0.0.0/0", None)])).len(), 2, "TCP without a range is every port");
    }

    #[test]
    fn ipv6_is_its_own_internet() {
        let v6 = with(vec![rule(100, false, "-1", "0.0.0.0/0", None), rule(110, true, "6", "::/0", Some((3389, 3389)))]);
        assert_eq!(open(&v6), vec![(3389, 110, "::/0".into())], "an IPv4 deny does not close IPv6");
        let both = with(vec![rule(100, false, "-1", "::/0", None), rule(110, true, "6", "::/0", Some((3389, 3389)))]);
        assert!(open(&both).is_empty());
    }

    #[test]
    fn narrower_sources_neither_open_nor_close() {
        assert!(open(&with(vec![rule(100, true, "6", "10.0.0.0/8", Some((22, 22)))])).is_empty());
        let partial_deny = with(vec![rule(90, false, "6", "198.51.100.0/24", Some((22, 22))), rule(100, true, "6", "0.0.0.0/0", Some((22, 22)))]);
        assert_eq!(open(&partial_deny), vec![(22, 100, "0.0.0.0/0".into())]);
    }

    #[test]
    fn egress_rules_do_not_count() {
        let mut out = rule(100, true, "-1", "0.0.0.0/0", None);
        out.egress = true;
        assert!(open(&with(vec![out])).is_empty());
    }
}
