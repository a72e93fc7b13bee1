//! `account_security_contact_missing`: AWS has nobody to tell about a security issue in the account.

use crate::check::{Check, Context, On, Outcome};
use crate::compliance::{cis3, cis5, fsbp};
use crate::model::{Severity, ACCOUNT};
use crate::services::account::snapshot::Contacts;

pub static CHECK: Check = Check {
    id: "account_security_contact_missing",
    title: "No security contact is registered for the account",
    severity: Severity::Low,
    resource_types: &[ACCOUNT],
    risk: "When AWS detects compromised keys, abuse or a vulnerability in the account, its notice goes only to \
           the root email, which is often an unread alias: the warning arrives nowhere.",
    remediation: "Register a security alternate contact: a monitored team address, not one person.",
    remediation_cli: "aws account put-alternate-contact --alternate-contact-type SECURITY --name \"Security team\" --title Security --email-address security@example.com --phone-number +10000000000",
    compliance: &[fsbp("Account.1"), cis3("1.2"), cis5("1.2")],
    eval: &On(eval),
    advice: None,
};

fn eval(c: &Contacts, _: &Context) -> Option<Outcome> {
    Some(match c.security.as_ref()? {
        Some(contact) if !contact.email.trim().is_empty() => Outcome::Pass,
        Some(_) => Outcome::fail("the security contact has no email address".into()),
        None => Outcome::fail("no security contact is registered".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::ctx;
    use crate::services::account::snapshot::Contact;

    #[test]
    fn a_contact_with_an_email_passes() {
        let with = |security| Contacts { security };
        assert_eq!(eval(&with(Some(Some(Contact { name: "Sec".into(), email: "sec@example.com".into() }))), &ctx()), Some(Outcome::Pass));
        assert!(eval(&with(Some(None)), &ctx()).unwrap().is_fail());
        assert!(eval(&with(Some(Some(Contact { name: "Sec".into(), email: " ".into() }))), &ctx()).unwrap().is_fail());
        assert_eq!(eval(&with(None), &ctx()), None);
    }
}
