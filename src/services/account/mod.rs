//! Account: the account's alternate contacts (AWS Account Management). Event rows and entry
//! points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::{Arn, ResourceRef, ACCOUNT};
use crate::router::{Effect, EventRule, Focus, Locator, Target};
use crate::service::{account_unit, Read, ReadCx, Scan, Service, ServiceInfo, Subject};
use futures::future::BoxFuture;
use futures::FutureExt;
use snapshot::Contacts;

const SOURCE: &str = "account.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

static EVENTS: &[EventRule] = &[
    EventRule::new(SOURCE, "PutAlternateContact", Locator::Account(ACCOUNT), WHOLE),
    EventRule::new(SOURCE, "DeleteAlternateContact", Locator::Account(ACCOUNT), WHOLE),
];

impl Subject for Contacts {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[("account:GetAlternateContact", &["account:GetAlternateContact"])];

static INFO: ServiceInfo = ServiceInfo { name: "account", types: &[ACCOUNT], checks: checks::CHECKS, events: EVENTS, global: true, permissions: OPERATIONS };

pub struct Account;

/// The account's contacts, judged on the account.
async fn contacts(cx: &ReadCx<'_>) -> Read {
    account_unit(cx, read::security_contact(cx.clients).await.map(|security| (Contacts { security: Some(security) }, Vec::new())))
}

impl Service for Account {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    /// The account is IAM's to name in an ARN (`arn:aws:iam::ACCOUNT:root`).
    fn parse_arn(&self, _arn: &Arn) -> Option<ResourceRef> {
        None
    }

    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, _region: &'a str) -> BoxFuture<'a, Scan> {
        async move { Scan::of(contacts(cx).await) }.boxed()
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, _target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move { vec![contacts(cx).await] }.boxed()
    }
}
