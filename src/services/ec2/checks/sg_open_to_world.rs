//! `ec2_sg_open_to_world`: a security group admits the internet to ports not meant to be public.

use super::{describe, evidence, high_risk_hits, opens_other_ports, world_cidr};
use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::ec2::snapshot::SecurityGroup;
use crate::compliance::fsbp;

pub static CHECK: Check = Check {
    id: "ec2_sg_open_to_world",
    title: "Security group opens non-public ports to the internet",
    severity: Severity::Medium,
    resource_types: &[crate::services::ec2::SECURITY_GROUP],
    risk: "Every port open to 0.0.0.0/0 or ::/0 is found by internet-wide scanners; admin consoles, debug \
           endpoints and internal APIs behind such ports are attacked long before anyone meant to publish them.",
    remediation: "Open only the ports in PUBLIC_PORTS to the internet, and restrict every other rule to known \
                  CIDRs or security groups. Rules opening high-risk ports are reported by ec2_sg_open_high_risk_port.",
    remediation_cli: "aws ec2 revoke-security-group-ingress --group-id {id} --security-group-rule-ids <sgr-id listed by: aws ec2 describe-security-group-rules --filters Name=group-id,Values={id}>",
    compliance: &[fsbp("EC2.18")],
    eval: &On(eval),
    advice: None,
};

fn eval(g: &SecurityGroup, ctx: &Context) -> Option<Outcome> {
    // A rule that also opens a high-risk port is the critical check's finding, not this one's.
    let rules: Vec<_> = g
        .ingress
        .iter()
        .filter(|r| world_cidr(r).is_some() && high_risk_hits(r, ctx).is_empty() && opens_other_ports(r, ctx))
        .collect();
    if rules.is_empty() {
        return Some(Outcome::Pass);
    }
    let detail = rules.iter().map(|r| format!("ingress {} is open to the internet", describe(r))).collect::<Vec<_>>().join("; ");
    let evidence: Vec<_> = rules.iter().map(|r| evidence(r, &[])).collect();
    Some(Outcome::fail_with(detail, None, &evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ec2::checks::fixtures::*;
    use crate::check::testing::ctx;

    fn fails(rules: Vec<crate::services::ec2::snapshot::Rule>) -> bool {
        eval(&group("g", rules), &ctx()).unwrap().is_fail()
    }

    #[test]
    fn uncommon_port_from_anywhere_fails() {
        assert!(fails(vec![tcp(8443, 8443, "0.0.0.0/0")]));
        assert!(fails(vec![tcp(10000, 10100, "::/0")]));
        assert!(fails(vec![rule("47", None, None, "0.0.0.0/0")]), "GRE open to the world");
    }

    #[test]
    fn public_ports_high_risk_rules_and_narrow_sources_pass() {
        assert!(!fails(vec![tcp(80, 80, "0.0.0.0/0"), tcp(443, 443, "::/0")]));
        assert!(!fails(vec![tcp(0, 65535, "0.0.0.0/0")]), "reported by the high-risk check instead");
        assert!(!fails(vec![tcp(8443, 8443, "198.51.100.7/32"), tcp(8443, 8443, "sg-0bbb")]));
        assert!(!fails(vec![rule("icmp", Some(8), Some(-1), "0.0.0.0/0")]));
    }
}
