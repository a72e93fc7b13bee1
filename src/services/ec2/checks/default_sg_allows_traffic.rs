//! `ec2_default_sg_allows_traffic`: a VPC's default security group has rules.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::ec2::snapshot::SecurityGroup;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "ec2_default_sg_allows_traffic",
    title: "Default security group allows traffic",
    severity: Severity::Low,
    resource_types: &[crate::services::ec2::SECURITY_GROUP],
    risk: "Instances and interfaces launched without an explicit group land in the default group; its rules \
           then connect workloads nobody meant to connect, and let a compromised host reach its neighbours.",
    remediation: "Remove every inbound and outbound rule from the default group and give workloads their own groups.",
    remediation_cli: "aws ec2 revoke-security-group-ingress --group-id {id} --ip-permissions \"$(aws ec2 describe-security-groups --group-ids {id} --query 'SecurityGroups[0].IpPermissions')\"",
    compliance: &[fsbp("EC2.2"), cis3("5.4"), cis5("5.5")],
    eval: &On(eval),
    advice: None,
};

fn eval(g: &SecurityGroup, _: &Context) -> Option<Outcome> {
    if !g.is_default() {
        return None; // not applicable: only default groups are judged
    }
    Some(match (g.ingress.len(), g.egress.len()) {
        (0, 0) => Outcome::Pass,
        (i, e) => Outcome::fail(format!("default group of {} has {i} inbound and {e} outbound rules", g.vpc_id.as_deref().unwrap_or("its VPC"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ec2::checks::fixtures::*;
    use crate::check::testing::ctx;

    #[test]
    fn default_group_with_rules_fails_and_empty_passes() {
        let mut g = group("default", vec![]);
        assert_eq!(eval(&g, &ctx()), Some(Outcome::Pass));
        g.egress.push(rule("-1", None, None, "0.0.0.0/0"));
        let out = eval(&g, &ctx()).unwrap();
        assert_eq!(out, Outcome::fail("default group of vpc-1 has 0 inbound and 1 outbound rules".into()));
        assert_eq!(eval(&group("web", vec![tcp(22, 22, "sg-1")]), &ctx()), None, "other groups are not judged");
    }
}
