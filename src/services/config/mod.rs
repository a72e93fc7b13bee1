//! AWS Config: whether a recorder records every resource type in each audited region. Event rows, types and entry
//! points; the collector is `read.rs`, snapshots `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::model::ACCOUNT_REGION;
use crate::router::{Effect, EventRule, Focus, Locator};
use crate::service::{PerRegion, ServiceInfo, Subject};
use futures::FutureExt;
use snapshot::Recorders;

const SOURCE: &str = "config.amazonaws.com";
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);

/// Every recorder or delivery channel event re-reads the region's recorders.
const fn on(name: &'static str) -> EventRule {
    EventRule::new(SOURCE, name, Locator::Account(ACCOUNT_REGION), WHOLE)
}

static EVENTS: &[EventRule] = &[
    on("PutConfigurationRecorder"),
    on("StartConfigurationRecorder"),
    on("StopConfigurationRecorder"),
    on("DeleteConfigurationRecorder"),
    on("PutDeliveryChannel"),
    on("DeleteDeliveryChannel"),
];

impl Subject for Recorders {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[
    ("config service:DescribeConfigurationRecorders", &["config:DescribeConfigurationRecorders"]),
    ("config service:DescribeConfigurationRecorderStatus", &["config:DescribeConfigurationRecorderStatus"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "config", types: &[ACCOUNT_REGION], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

/// The region's configuration recorders, judged as the account-region.
pub static CONFIG: PerRegion = PerRegion {
    info: &INFO,
    read: |clients, region| async move { read::recorders(clients, region).await.map(|s| Box::new(s) as Box<dyn Subject>) }.boxed(),
};
