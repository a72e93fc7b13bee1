//! Security Hub: whether the findings hub is on in each audited region. Event rows, types and entry
//! points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::ACCOUNT_REGION;
use crate::router::{Effect, EventRule, Focus, Locator};
use crate::service::{PerRegion, ServiceInfo, Subject};
use futures::FutureExt;
use snapshot::Hub;

const SOURCE: &str = "securityhub.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

/// Enabling or disabling the hub re-reads the region's hub.
const fn on(name: &'static str) -> EventRule {
    EventRule::new(SOURCE, name, Locator::Account(ACCOUNT_REGION), WHOLE)
}

static EVENTS: &[EventRule] = &[on("EnableSecurityHub"), on("DisableSecurityHub")];

impl Subject for Hub {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[("securityhub:DescribeHub", &["securityhub:DescribeHub"])];

static INFO: ServiceInfo = ServiceInfo { name: "securityhub", types: &[ACCOUNT_REGION], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

/// The region's Security Hub, judged as the account-region.
pub static SECURITY_HUB: PerRegion = PerRegion {
    info: &INFO,
    read: |clients, region| async move { read::hub(clients, region).await.map(|s| Box::new(s) as Box<dyn Subject>) }.boxed(),
};
