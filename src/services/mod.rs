//! The service registry: one line per AWS service. The core reaches services only through this
//! list; a new service is one folder beside these and one line in `register!` below.

use crate::model::{Arn, ResourceRef, ResourceType};
use crate::service::Service;

/// Declares each service's folder as a module and lists its `Service` value, in catalogue order.
macro_rules! register {
    ($($folder:ident => $service:ident,)*) => {
        $(pub mod $folder;)*
        static SERVICES: &[&dyn Service] = &[$(&$folder::$service),*];
    };
}

register! {
    s3 => S3,
    iam => Iam,
    ec2 => Ec2,
    rds => Rds,
    kms => Kms,
    cloudtrail => CloudTrail,
    config => CONFIG,
    guardduty => GUARDDUTY,
    securityhub => SECURITY_HUB,
    accessanalyzer => ACCESS_ANALYZER,
    cloudwatch => CloudWatch,
    efs => Efs,
    lambda => Lambda,
    account => Account,
}

/// Every registered service, in catalogue order.
pub fn all() -> &'static [&'static dyn Service] {
    SERVICES
}

/// The service named `name` (as in `SERVICES`).
pub fn named(name: &str) -> Option<&'static dyn Service> {
    SERVICES.iter().copied().find(|s| s.name().eq_ignore_ascii_case(name))
}

/// Every registered resource type (account-level types once).
pub fn resource_types() -> impl Iterator<Item = ResourceType> {
    let mut seen: Vec<ResourceType> = Vec::new();
    SERVICES.iter().flat_map(|s| s.types().iter().copied()).filter(move |t| {
        let new = !seen.contains(t);
        seen.push(*t);
        new
    })
}

/// The resource an operator's ARN names, and the service that reads it.
pub fn parse_arn_with_service(arn: &str) -> Option<(&'static dyn Service, ResourceRef)> {
    let parsed = Arn::parse(arn)?;
    SERVICES.iter().find_map(|s| s.parse_arn(&parsed).map(|r| (*s, r)))
}

/// The resource an operator's ARN names.
pub fn parse_arn(arn: &Arn) -> Option<ResourceRef> {
    SERVICES.iter().find_map(|s| s.parse_arn(arn))
}

/// The IAM actions that authorize an operation (`s3:ListBuckets` needs `s3:ListAllMyBuckets`),
/// from the services' tables and vigil's own ([`crate::aws::OWN_PERMISSIONS`]).
pub fn iam_actions(operation: &str) -> Option<&'static [&'static str]> {
    all()
        .iter()
        .flat_map(|s| s.info().permissions.iter())
        .chain(crate::aws::OWN_PERMISSIONS.iter())
        .find(|(op, _)| *op == operation)
        .map(|(_, actions)| *actions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn each_service_owns_its_types_operations_and_events() {
        let mut names = BTreeSet::new();
        let mut claimed_ops = BTreeSet::new();
        let mut claimed_events = BTreeSet::new();
        for s in all() {
            assert!(names.insert(s.name()), "{} registered twice", s.name());
            assert!(!s.checks().is_empty() && !s.types().is_empty(), "{}", s.name());
            for c in s.checks() {
                assert!(c.resource_types.iter().all(|t| s.types().contains(t)), "{} checks a type {} does not read", c.id, s.name());
            }
            let mut ops = BTreeSet::new();
            for (op, actions) in s.info().permissions {
                assert!(ops.insert(*op), "{op} listed twice");
                // A service may call another's API (CloudWatch monitoring reads SNS topics), but
                // each operation belongs to one service's table.
                assert!(claimed_ops.insert(*op), "{op} is claimed by two services");
                assert!(!actions.is_empty(), "{op} names no IAM action");
            }
            for e in s.events() {
                assert!(e.source.ends_with(".amazonaws.com"), "{}: {}", s.name(), e.source);
                assert!(claimed_events.insert((e.source, e.name)), "{} {} is routed by two services", e.source, e.name);
            }
        }
    }

    #[test]
    fn every_permission_vigil_asks_for_is_an_action_of_the_iam_reference() {
        let reference = crate::policy::actions::catalogue();
        let own = all().iter().flat_map(|s| s.info().permissions.iter()).chain(crate::aws::OWN_PERMISSIONS.iter());
        for (op, actions) in own {
            for action in actions.iter() {
                assert!(reference.lookup(action).is_some(), "{op} asks for {action}, which the IAM reference does not list");
            }
        }
    }
}
