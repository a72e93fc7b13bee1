//! `rds_instance_in_public_subnet`: an RDS instance's subnet group includes a public subnet.

use crate::services::ec2::checks::vpc::public_because;
use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::rds::snapshot::DbInstance;

pub static CHECK: Check = Check {
    id: "rds_instance_in_public_subnet",
    title: "RDS instance can be placed in a public subnet",
    severity: Severity::High,
    resource_types: &[crate::services::rds::DB_INSTANCE],
    risk: "RDS may place the instance, or its failover, in any subnet of its group; in a public subnet a single \
           change to PubliclyAccessible or to a security group exposes the database to the internet.",
    remediation: "Use a DB subnet group made only of private subnets (no route to an internet gateway).",
    remediation_cli: "aws rds modify-db-instance --db-instance-identifier {id} --db-subnet-group-name <private-subnet-group> --apply-immediately",
    compliance: &[],
    eval: &On(eval),
    advice: None,
};

fn eval(db: &DbInstance, _: &Context) -> Option<Outcome> {
    let net = db.network.as_ref()?;
    let public: Vec<String> =
        db.subnet_ids.iter().filter_map(|s| public_because(net, s).map(|why| format!("{s}: {why}"))).collect();
    Some(if public.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(format!("subnet group of {} includes public subnets ({})", db.id, public.join("; ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::rds::checks::fixtures::db;
    use crate::check::testing::ctx;
    use crate::services::ec2::checks::vpc::fixtures::*;
    use std::sync::Arc;

    #[test]
    fn a_public_subnet_in_the_group_fails() {
        let mut d = db();
        d.network = Some(Arc::new(network(
            &["subnet-a", "subnet-b"],
            vec![table("rtb-main", true, &[], vec![local()]), table("rtb-pub", false, &["subnet-b"], vec![route("0.0.0.0/0", "igw-1")])],
        )));
        assert_eq!(
            eval(&d, &ctx()),
            Some(Outcome::fail("subnet group of orders includes public subnets (subnet-b: rtb-pub routes 0.0.0.0/0 to igw-1)".into()))
        );
    }

    #[test]
    fn private_subnets_pass_and_unread_network_concludes_nothing() {
        let mut d = db();
        assert_eq!(eval(&d, &ctx()), None);
        d.network = Some(Arc::new(network(&["subnet-a", "subnet-b"], vec![table("rtb-main", true, &[], vec![local(), route("::/0", "eigw-1")])])));
        assert_eq!(eval(&d, &ctx()), Some(Outcome::Pass));
    }
}
