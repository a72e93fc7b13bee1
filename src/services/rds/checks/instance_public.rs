//! `rds_instance_public`: an RDS instance is publicly accessible.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::rds::snapshot::DbInstance;
use crate::compliance::{cis3, cis5, fsbp};

pub static CHECK: Check = Check {
    id: "rds_instance_public",
    title: "RDS instance is publicly accessible",
    severity: Severity::Critical,
    resource_types: &[crate::services::rds::DB_INSTANCE],
    risk: "A publicly accessible instance gets a public DNS name resolving to a public IP; the database port is \
           then one security group rule away from password spraying and engine exploits from the internet.",
    remediation: "Turn off public accessibility and reach the database from inside the VPC (bastion via Session \
                  Manager, VPN, or RDS Proxy).",
    remediation_cli: "aws rds modify-db-instance --db-instance-identifier {id} --no-publicly-accessible --apply-immediately",
    compliance: &[fsbp("RDS.2"), cis3("2.3.3"), cis5("2.2.3")],
    eval: &On(eval),
    advice: None,
};

fn eval(db: &DbInstance, _: &Context) -> Option<Outcome> {
    Some(if db.publicly_accessible? {
        Outcome::fail(format!("{} instance {} has PubliclyAccessible=true", db.engine, db.id))
    } else {
        Outcome::Pass
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::rds::checks::fixtures::db;
    use crate::check::testing::ctx;

    #[test]
    fn public_fails_private_passes() {
        let mut d = db();
        assert_eq!(eval(&d, &ctx()), Some(Outcome::Pass));
        d.publicly_accessible = Some(true);
        assert_eq!(eval(&d, &ctx()), Some(Outcome::fail("postgres instance orders has PubliclyAccessible=true".into())));
    }

    #[test]
    fn a_missing_field_is_not_a_verdict() {
        let mut d = db();
        d.publicly_accessible = None;
        assert_eq!(eval(&d, &ctx()), None, "neither passed nor failed when AWS did not say");
    }
}
