//! `iam_server_certificate_expired`: an expired TLS certificate is still stored in IAM.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::Severity;
use crate::services::iam::snapshot::ServerCertificate;

pub static CHECK: Check = Check {
    id: "iam_server_certificate_expired",
    title: "Expired server certificate is stored in IAM",
    severity: Severity::Medium,
    resource_types: &[crate::services::iam::SERVER_CERTIFICATE],
    risk: "An expired certificate can be deployed to a load balancer or CloudFront by mistake, breaking TLS for \
           clients or teaching them to click through certificate warnings.",
    remediation: "Delete the expired certificate; issue and renew certificates with ACM instead.",
    remediation_cli: "aws iam delete-server-certificate --server-certificate-name {id}",
    compliance: &[fsbp("IAM.26"), cis3("1.19"), cis5("1.18")],
    eval: &On(eval),
    advice: None,
};

fn eval(c: &ServerCertificate, ctx: &Context) -> Option<Outcome> {
    let expiration = c.expiration?;
    Some(if expiration <= ctx.now {
        Outcome::fail(format!("expired {} ({} days ago)", expiration.format("%Y-%m-%d"), ctx.days_since(expiration)))
    } else {
        Outcome::Pass
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{ctx, days_ago};

    #[test]
    fn past_expiry_fails_future_passes() {
        let cert = |expiration| ServerCertificate { name: "www".into(), expiration };
        assert_eq!(eval(&cert(Some(days_ago(3))), &ctx()), Some(Outcome::fail("expired 2026-10-29 (3 days ago)".into())));
        assert_eq!(eval(&cert(Some(days_ago(-30))), &ctx()), Some(Outcome::Pass));
        assert_eq!(eval(&cert(None), &ctx()), None);
    }
}
