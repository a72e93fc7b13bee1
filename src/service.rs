//! The seam every AWS service plugs into: what it reads, what it yields, and how the core asks.
//!
//! A service (one folder under `src/services/`) implements [`Service`]: its resource types, its
//! checks, its CloudTrail event rows, a full-scan listing and a read of one resource named by an
//! event. Reads yield [`Read`]s; the engine's one judge does the rest (scope, exemption,
//! evaluation, reconciliation), whatever triggered the read.

use crate::aws::Clients;
use crate::check::Check;
use crate::config::Settings;
use crate::error::{AwsError, ReadFailure};
use crate::model::{ResourceRef, ResourceType};
use crate::router::{EventRule, Target};
use futures::future::BoxFuture;
use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Tags as AWS returns them.
pub type Tags = BTreeMap<String, String>;

/// How a resource can be reached by an attacker; raises the risk score of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exposure {
    ConsoleWithoutMfa,
    Console,
    ActiveAccessKey,
    TrustedByAnyone,
    TrustedByOtherAccount,
}

impl Exposure {
    /// Points this exposure adds to a risk score.
    pub fn weight(self) -> u32 {
        match self {
            Exposure::TrustedByAnyone | Exposure::ConsoleWithoutMfa => 20,
            Exposure::Console | Exposure::ActiveAccessKey | Exposure::TrustedByOtherAccount => 12,
        }
    }
}

/// A snapshot the judge can decide on: plain data from a collector.
pub trait Subject: Any + Send + Sync + Debug {
    /// Its tags, when its type carries tags (see [`crate::model::TypeInfo::tags`]).
    fn tags(&self) -> Option<&Tags> {
        None
    }

    /// Why it is never audited (service-linked roles, `EXEMPT_ROLE_NAMES`), if so.
    fn never_audited(&self, _settings: &Settings) -> Option<&'static str> {
        None
    }

    /// How it is reachable; `None` when exposure does not apply to its type (no risk score).
    fn exposure(&self, _account: &str) -> Option<Vec<Exposure>> {
        None
    }
}

/// One snapshot ready to judge.
#[derive(Debug)]
pub struct Snapshot {
    pub resource: ResourceRef,
    pub subject: Box<dyn Subject>,
    /// Parts of it that could not be read: `None` in the snapshot, reported, concluding nothing.
    pub failures: Vec<ReadFailure>,
}

impl Snapshot {
    pub fn new(resource: ResourceRef, subject: impl Subject) -> Self {
        Snapshot { resource, subject: Box::new(subject), failures: Vec::new() }
    }
}

/// Snapshots of resources read in bulk, each with the failures of its own part reads (`failures`
/// is keyed by resource id): the permission of one EBS snapshot, the attribute of one DB snapshot.
pub fn units<S: Subject>(
    found: Vec<S>,
    failures: Vec<(String, AwsError)>,
    id: impl Fn(&S) -> &str,
    at: impl Fn(&str) -> ResourceRef,
) -> Vec<Snapshot> {
    found
        .into_iter()
        .map(|s| {
            let resource = at(id(&s));
            let arn = resource.arn();
            let failures = failures
                .iter()
                .filter(|(of, _)| of == id(&s))
                .map(|(_, error)| ReadFailure { resource_arn: arn.clone(), error: error.clone() })
                .collect();
            Snapshot { resource, subject: Box::new(s), failures }
        })
        .collect()
}

/// The account, judged as `AWS::::Account` (its id the account, its region the SDK's): what an
/// account-wide read found, for the services whose subject is the whole account.
pub fn account_unit<S: Subject>(cx: &ReadCx<'_>, read: Result<(S, Vec<ReadFailure>), AwsError>) -> Read {
    let r = ResourceRef::new(crate::model::ACCOUNT, cx.account_id, cx.account_id, cx.clients.default_region());
    match read {
        Ok((subject, failures)) => Read::Found(Snapshot { resource: r, subject: Box::new(subject), failures }),
        Err(e) => failed(&r, e),
    }
}

/// What a read found about one resource.
#[derive(Debug)]
pub enum Read {
    /// It exists; here is what was read.
    Found(Snapshot),
    /// AWS said it does not exist: its findings resolve as deleted.
    Gone(ResourceRef),
    /// The read failed: nothing is concluded.
    Failed(ReadFailure),
    /// It exists, but scope leaves it out (`REGIONS`, `SCOPE_*`, `EXEMPT_ROLE_NAMES`): its open
    /// findings resolve as out of scope.
    OutOfScope(ResourceRef),
    /// Nothing of ours to audit (an AWS managed policy, a name that no longer keys anything).
    Skipped,
    /// Another resource this one governs must be re-audited too (a group's members).
    Follow(Target),
    /// Resources of other services placed in or attached to this one must be re-audited too (the
    /// RDS instances in a VPC whose routes changed): the engine asks every service.
    Related(ResourceRef),
}

/// A resource type whose listing completed, in one region or (`None`) everywhere: only these
/// allow a deletion sweep.
pub type Listing = (ResourceType, Option<String>);

impl Scan {
    /// The scan of one account-wide read: its snapshot, or its failure.
    pub fn of(read: Read) -> Scan {
        let mut scan = Scan::default();
        match read {
            Read::Found(unit) => scan.snapshots.push(unit),
            Read::Failed(f) => scan.failures.push(f),
            _ => {}
        }
        scan
    }
}

/// What a full-scan listing of one service (in one region, or globally) found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Snapshots read in bulk, ready to judge.
    pub snapshots: Vec<Snapshot>,
    /// Resources to read one by one, as an event would.
    pub targets: Vec<Target>,
    /// Types whose listing completed.
    pub complete: Vec<Listing>,
    /// Types whose listing failed (not swept), and the failures.
    pub incomplete: Vec<ResourceType>,
    pub failures: Vec<ReadFailure>,
}

/// Everything a read may use: clients built once per cold start, the run's settings, and per-run
/// state shared between reads (caches of documents and networks read once per run).
pub struct ReadCx<'a> {
    pub clients: &'a Clients,
    pub settings: &'a Settings,
    pub account_id: &'a str,
    /// The account's name from Organizations, for alerts.
    pub account_name: Option<String>,
    /// The regions this account is listed in, when `REGIONS=all` resolved them.
    regions: Option<Vec<String>>,
    state: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl<'a> ReadCx<'a> {
    pub fn new(clients: &'a Clients, settings: &'a Settings, account_id: &'a str) -> Self {
        ReadCx { clients, settings, account_id, account_name: None, regions: None, state: Mutex::default() }
    }

    /// The same, listing these regions (the account's enabled ones, for `REGIONS=all`).
    pub fn with_regions(mut self, regions: Option<Vec<String>>) -> Self {
        self.regions = regions;
        self
    }

    /// The same, naming the account (for alerts).
    pub fn named(mut self, name: Option<String>) -> Self {
        self.account_name = name;
        self
    }

    /// The run's one value of `T`, created on first use (a service's per-run cache).
    pub fn state<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut map = match self.state.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entry = map.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default()));
        match Arc::clone(entry).downcast::<T>() {
            Ok(t) => t,
            // The map is keyed by the type id, so the value is always a `T`.
            Err(_) => Arc::new(T::default()),
        }
    }

    /// Whether a resource is in scope, decided as the judge decides it; a read may ask early to
    /// skip reading parts of a resource the judge would skip anyway.
    pub fn admits(&self, r: &ResourceRef, tags: Option<&Tags>) -> bool {
        crate::engine::scope::admits(self.settings, r, tags).is_ok()
    }

    /// Whether `REGIONS` admits a region.
    pub fn in_region(&self, region: &str) -> bool {
        self.settings.regions.is_empty() || self.settings.regions.iter().any(|r| r == region)
    }

    /// The regions a regional service is scanned in.
    pub fn regions(&self) -> Vec<String> {
        if let Some(r) = &self.regions {
            return r.clone();
        }
        if self.settings.regions.is_empty() {
            vec![self.clients.default_region()]
        } else {
            self.settings.regions.clone()
        }
    }

    /// A regional resource with its region filled in (the SDK's when the event did not say), or
    /// `None` when `REGIONS` leaves that region out.
    pub fn regional(&self, r: &ResourceRef) -> Option<ResourceRef> {
        let region = if r.region.is_empty() { self.clients.default_region() } else { r.region.clone() };
        self.in_region(&region).then(|| ResourceRef { region, ..r.clone() })
    }

    /// The ARN partition of the audited account.
    pub fn partition(&self) -> &'static str {
        crate::model::partition(&self.clients.default_region())
    }
}

/// Values read at most once per run and key (a region's networks, a region's DB instances), kept
/// in a service's per-run state ([`ReadCx::state`]). A failed read is not kept: the next asker
/// reads again.
#[derive(Debug)]
pub struct Memo<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo { cells: Mutex::default() }
    }
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    fn cell(&self, key: K) -> Arc<OnceCell<V>> {
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(cells.entry(key).or_default())
    }

    /// The value for `key`, reading it with `read` unless this run already has it.
    pub async fn get_or_read<F, Fut>(&self, key: K, read: F) -> Result<V, AwsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, AwsError>>,
    {
        self.cell(key).get_or_try_init(read).await.cloned()
    }

    /// The value for `key` if this run already read it.
    pub fn known(&self, key: K) -> Option<V> {
        self.cell(key).get().cloned()
    }
}

/// What the core knows of a service without calling it: plain data.
pub struct ServiceInfo {
    /// Its name in `SERVICES` and in `vigil checks`.
    pub name: &'static str,
    /// The resource types it reads.
    pub types: &'static [ResourceType],
    /// Its checks, in catalogue order.
    pub checks: &'static [&'static Check],
    /// The CloudTrail events it reacts to.
    pub events: &'static [EventRule],
    /// Whether a full scan lists it once per account (IAM, S3) rather than once per region.
    pub global: bool,
    /// Every operation its collector performs (`s3:GetBucketPolicy`), with the IAM actions that
    /// authorize it. The least-privilege test checks the template's role against this table.
    pub permissions: &'static [(&'static str, &'static [&'static str])],
}

/// One AWS service, registered by one line in [`crate::services`].
pub trait Service: Sync {
    fn info(&self) -> &'static ServiceInfo;

    fn name(&self) -> &'static str {
        self.info().name
    }
    fn types(&self) -> &'static [ResourceType] {
        self.info().types
    }
    fn checks(&self) -> &'static [&'static Check] {
        self.info().checks
    }
    fn events(&self) -> &'static [EventRule] {
        self.info().events
    }
    fn global(&self) -> bool {
        self.info().global
    }
    /// The resource an operator's ARN names, when it is one of this service's.
    fn parse_arn(&self, arn: &crate::model::Arn) -> Option<ResourceRef>;
    /// Lists (and reads in bulk) everything in one region, or everywhere for a global service.
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan>;
    /// Reads one resource named by an event or an operator, only the parts its focus names.
    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>>;
    /// Sections this service adds to `vigil report`'s `audit.json`, from the findings' evidence.
    fn report_sections(&self, _findings: &[crate::findings::Finding]) -> Vec<(&'static str, serde_json::Value)> {
        Vec::new()
    }

    /// The regions enabled in the account these clients read, when this service can tell (EC2's
    /// `DescribeRegions`): what `REGIONS=all` lists.
    fn enabled_regions<'a>(&'a self, _clients: &'a Clients) -> Option<BoxFuture<'a, Result<Vec<String>, AwsError>>> {
        None
    }

    /// Reads this service's resources placed in or attached to `r` (another service's resource);
    /// `None` when it has none of that kind.
    fn read_related<'a>(&'a self, _cx: &'a ReadCx<'a>, _r: &'a ResourceRef) -> Option<BoxFuture<'a, Vec<Read>>> {
        None
    }
}

/// A read failure for one resource.
pub fn failed(resource: &ResourceRef, error: AwsError) -> Read {
    Read::Failed(ReadFailure { resource_arn: resource.arn(), error })
}

/// How a [`PerRegion`] service reads its one subject in a region.
pub type ReadRegion = for<'a> fn(&'a Clients, &'a str) -> BoxFuture<'a, Result<Box<dyn Subject>, AwsError>>;

/// A service whose only subject is a setting of each audited region (a detector, a recorder, a
/// hub), judged as the account-region (`AWS::::AccountRegion`): a full scan reads it once per
/// region, and an event re-reads the region it came from. Such a service is its table and one
/// read function.
pub struct PerRegion {
    pub info: &'static ServiceInfo,
    pub read: ReadRegion,
}

impl PerRegion {
    async fn region(&self, cx: &ReadCx<'_>, region: &str) -> Read {
        let r = ResourceRef::new(crate::model::ACCOUNT_REGION, cx.account_id, cx.account_id, region);
        match (self.read)(cx.clients, region).await {
            Ok(subject) => Read::Found(Snapshot { resource: r, subject, failures: Vec::new() }),
            Err(e) => failed(&r, e),
        }
    }
}

impl Service for PerRegion {
    fn info(&self) -> &'static ServiceInfo {
        self.info
    }

    /// The account-region is EC2's to name in an ARN.
    fn parse_arn(&self, _arn: &crate::model::Arn) -> Option<ResourceRef> {
        None
    }

    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        Box::pin(async move {
            let mut scan = Scan::default();
            match self.region(cx, region).await {
                Read::Found(s) => scan.snapshots.push(s),
                Read::Failed(f) => scan.failures.push(f),
                _ => {}
            }
            scan
        })
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        Box::pin(async move {
            let Some(r) = cx.regional(&target.resource) else { return vec![Read::OutOfScope(target.resource.clone())] };
            vec![self.region(cx, &r.region).await]
        })
    }
}
