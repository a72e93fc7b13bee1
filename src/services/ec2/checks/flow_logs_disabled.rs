//! `vpc_flow_logs_disabled`: no active VPC-level flow log records rejected traffic.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::ec2::snapshot::Vpc;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "vpc_flow_logs_disabled",
    title: "VPC flow logging is not enabled",
    severity: Severity::Medium,
    resource_types: &[crate::services::ec2::VPC],
    risk: "Without flow logs there is no record of port scans, lateral movement or exfiltration, so an \
           intrusion cannot be detected or reconstructed afterwards.",
    remediation: "Create a VPC flow log capturing ALL (or at least REJECT) traffic to CloudWatch Logs or S3.",
    remediation_cli: "aws ec2 create-flow-logs --resource-type VPC --resource-ids {id} --traffic-type ALL --log-destination-type s3 --log-destination <bucket-arn>",
    compliance: &[fsbp("EC2.6"), cis3("3.7"), cis5("3.7")],
    eval: &On(eval),
    advice: None,
};

fn eval(v: &Vpc, _: &Context) -> Option<Outcome> {
    let logs = v.flow_logs.as_ref()?;
    let records_rejects = |t: &str| t.eq_ignore_ascii_case("ALL") || t.eq_ignore_ascii_case("REJECT");
    if logs.iter().any(|l| records_rejects(&l.traffic_type) && l.status.eq_ignore_ascii_case("ACTIVE")) {
        return Some(Outcome::Pass);
    }
    Some(Outcome::fail(if logs.is_empty() {
        format!("{} has no flow log", v.id)
    } else {
        let seen: Vec<String> = logs.iter().map(|l| format!("{} {} {}", l.id, l.traffic_type, l.status)).collect();
        format!("{} has no active flow log of ALL or REJECT traffic (has {})", v.id, seen.join(", "))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::ec2::snapshot::FlowLog;

    fn vpc(logs: Vec<(&str, &str)>) -> Vpc {
        Vpc {
            id: "vpc-1".into(),
            is_default: false,
            tags: Default::default(),
            network: None,
            flow_logs: Some(logs.into_iter().map(|(t, s)| FlowLog { id: "fl-1".into(), traffic_type: t.into(), status: s.into() }).collect()),
        }
    }

    #[test]
    fn cases() {
        assert_eq!(eval(&vpc(vec![]), &ctx()), Some(Outcome::fail("vpc-1 has no flow log".into())));
        assert!(eval(&vpc(vec![("ACCEPT", "ACTIVE")]), &ctx()).unwrap().is_fail(), "accepted traffic only");
        assert!(eval(&vpc(vec![("ALL", "INACTIVE")]), &ctx()).unwrap().is_fail());
        assert_eq!(eval(&vpc(vec![("ALL", "ACTIVE")]), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&vpc(vec![("ACCEPT", "ACTIVE"), ("REJECT", "ACTIVE")]), &ctx()), Some(Outcome::Pass));
    }
}
