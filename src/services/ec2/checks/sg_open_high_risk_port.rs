//! `ec2_sg_open_high_risk_port`: a security group admits the internet to a high-risk port.

use super::{describe, evidence, high_risk_hits, world_cidr};
use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::ec2::snapshot::SecurityGroup;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "ec2_sg_open_high_risk_port",
    title: "Security group opens a high-risk port to the internet",
    severity: Severity::Critical,
    resource_types: &[crate::services::ec2::SECURITY_GROUP],
    risk: "Scanners sweep the whole IPv4 space for SSH, RDP and database ports within minutes of a rule \
           appearing; an exposed port invites credential stuffing, exploitation of the service, and data theft.",
    remediation: "Remove the rule, or narrow its source to known CIDRs or a security group; reach hosts through \
                  Session Manager or a VPN instead.",
    remediation_cli: "aws ec2 revoke-security-group-ingress --group-id {id} --security-group-rule-ids <sgr-id listed by: aws ec2 describe-security-group-rules --filters Name=group-id,Values={id}>",
    compliance: &[fsbp("EC2.13"), fsbp("EC2.14"), fsbp("EC2.19"), cis3("5.2"), cis3("5.3"), cis5("5.1.2"), cis5("5.3"), cis5("5.4")],
    eval: &On(eval),
    advice: None,
};

fn eval(g: &SecurityGroup, ctx: &Context) -> Option<Outcome> {
    let mut found = Vec::new();
    let mut evidence_rules = Vec::new();
    for rule in g.ingress.iter().filter(|r| world_cidr(r).is_some()) {
        let hits = high_risk_hits(rule, ctx);
        if hits.is_empty() {
            continue;
        }
        let ports = if hits.len() == ctx.high_risk_ports.len() {
            "every high-risk port".to_string()
        } else {
            format!("high-risk port{} {}", if hits.len() == 1 { "" } else { "s" }, join(&hits))
        };
        found.push(format!("ingress {} opens {ports}", describe(rule)));
        evidence_rules.push(evidence(rule, &hits));
    }
    if found.is_empty() {
        return Some(Outcome::Pass);
    }
    Some(Outcome::fail_with(found.join("; "), None, &evidence_rules))
}

fn join(ports: &[u16]) -> String {
    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ec2::checks::fixtures::*;
    use crate::check::testing::ctx;

    fn detail(g: &SecurityGroup) -> Option<String> {
        match eval(g, &ctx())? {
            Outcome::Fail(f) => Some(f.detail),
            Outcome::Pass => None,
        }
    }

    #[test]
    fn ssh_from_anywhere_fails_and_names_rule_ports_and_cidr() {
        let d = detail(&group("bastion", vec![tcp(22, 22, "0.0.0.0/0")])).expect("fails");
        assert_eq!(d, "ingress tcp 22 from 0.0.0.0/0 opens high-risk port 22");
        let d = detail(&group("db", vec![tcp(3000, 3400, "::/0")])).expect("IPv6 fails");
        assert!(d.contains("3000, 3306, 3389") && d.contains("::/0"), "{d}");
    }

    #[test]
    fn all_traffic_fails() {
        let d = detail(&group("wide", vec![rule("-1", None, None, "10.0.0.0/0")])).expect("fails");
        assert_eq!(d, "ingress all traffic from 10.0.0.0/0 opens every high-risk port");
    }

    #[test]
    fn narrow_sources_and_safe_ports_pass() {
        for r in [tcp(22, 22, "203.0.113.0/24"), tcp(22, 22, "sg-0aaa"), tcp(443, 443, "0.0.0.0/0"), tcp(24, 24, "0.0.0.0/0")] {
            assert_eq!(detail(&group("ok", vec![r.clone()])), None, "{r:?}");
        }
        let mut egress_only = group("egress", vec![]);
        egress_only.egress.push(rule("-1", None, None, "0.0.0.0/0"));
        assert_eq!(detail(&egress_only), None, "egress is not exposure");
    }

    #[test]
    fn configured_ports_apply() {
        let mut c = ctx();
        c.high_risk_ports = [8443].into_iter().collect();
        assert!(eval(&group("g", vec![tcp(8443, 8443, "0.0.0.0/0")]), &c).unwrap().is_fail());
        assert!(!eval(&group("g", vec![tcp(22, 22, "0.0.0.0/0")]), &c).unwrap().is_fail());
    }
}
