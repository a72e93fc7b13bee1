//! Account collection: the security alternate contact (GetAlternateContact).

use crate::aws::{classify, Clients};
use crate::error::AwsError;
use crate::services::account::snapshot::Contact;
use aws_sdk_account::types::AlternateContactType;
use aws_sdk_account::Client;

fn client(clients: &Clients) -> Client {
    clients.regional("", |sdk, recorder| Client::from_conf(aws_sdk_account::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// The account's security contact; `Ok(None)` when none is registered.
pub async fn security_contact(clients: &Clients) -> Result<Option<Contact>, AwsError> {
    match client(clients).get_alternate_contact().alternate_contact_type(AlternateContactType::Security).send().await {
        Ok(out) => Ok(out.alternate_contact().map(|c| Contact {
            name: c.name().unwrap_or_default().to_string(),
            email: c.email_address().unwrap_or_default().to_string(),
        })),
        // The documented answer for a contact type that was never set.
        Err(e) => classify(&e).absent_if(&["ResourceNotFoundException"]),
    }
}
