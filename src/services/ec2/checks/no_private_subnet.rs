//! `vpc_no_private_subnet`: every subnet of a VPC routes to the internet.

use super::vpc::public_because;
use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::ec2::snapshot::Vpc;

pub static CHECK: Check = Check {
    id: "vpc_no_private_subnet",
    title: "VPC has no private subnet",
    severity: Severity::Medium,
    resource_types: &[crate::services::ec2::VPC],
    risk: "With every subnet public, databases, caches and internal services can only be placed one security \
           group rule or one public IP away from the internet; there is no tier that is unreachable by routing.",
    remediation: "Add private subnets (route tables without an internet gateway route, NAT for egress) and move \
                  data stores and internal services there.",
    remediation_cli: "aws ec2 create-subnet --vpc-id {id} --cidr-block <cidr> && aws ec2 create-route-table --vpc-id {id}",
    compliance: &[],
    eval: &On(eval),
    advice: None,
};

fn eval(v: &Vpc, _: &Context) -> Option<Outcome> {
    let net = v.network.as_ref()?;
    if net.subnets.is_empty() {
        return Some(Outcome::Pass); // nothing placed yet
    }
    let reasons: Vec<String> = net.subnets.iter().filter_map(|s| public_because(net, &s.id).map(|why| format!("{}: {why}", s.id))).collect();
    Some(if reasons.len() < net.subnets.len() {
        Outcome::Pass
    } else {
        Outcome::fail(format!("all {} subnets are public ({})", net.subnets.len(), reasons.join("; ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::ec2::checks::vpc::fixtures::*;
    use std::sync::Arc;

    fn vpc(net: crate::services::ec2::snapshot::Network) -> Vpc {
        Vpc { id: "vpc-1".into(), is_default: false, tags: Default::default(), network: Some(Arc::new(net)), flow_logs: None }
    }

    #[test]
    fn all_public_fails() {
        let net = network(&["subnet-a", "subnet-b"], vec![table("rtb-main", true, &[], vec![local(), route("0.0.0.0/0", "igw-1")])]);
        let out = eval(&vpc(net), &ctx()).unwrap();
        assert_eq!(
            out,
            Outcome::fail("all 2 subnets are public (subnet-a: rtb-main (main table) routes 0.0.0.0/0 to igw-1; subnet-b: rtb-main (main table) routes 0.0.0.0/0 to igw-1)".into())
        );
    }

    #[test]
    fn one_private_subnet_or_none_at_all_passes() {
        let net = network(
            &["subnet-a", "subnet-b"],
            vec![table("rtb-main", true, &[], vec![local()]), table("rtb-pub", false, &["subnet-a"], vec![route("0.0.0.0/0", "igw-1")])],
        );
        assert_eq!(eval(&vpc(net), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&vpc(network(&[], vec![])), &ctx()), Some(Outcome::Pass));
    }
}
