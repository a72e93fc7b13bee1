//! The engine without AWS: a test service whose reads come from memory, the in-memory store and
//! alert sink. Covers what the moto tests cannot force: failed listings, conflicts, stale
//! observations, refused alerts.

#[cfg(test)]
use super::ports::{MemoryExports, MemorySink, MemoryStore};
use super::*;
use crate::aws::{CallRecorder, Clients};
use crate::check::{Check, On};
use crate::config::{Settings, TagMatch};
use crate::error::Operation;
use crate::findings::{RESOLVED_DELETED, RESOLVED_OUT_OF_SCOPE, RESOLVED_PASSED};
use crate::model::{Arn, Severity, TypeInfo};
use crate::router::Focus;
use crate::service::{ServiceInfo, Subject, Tags};
use futures::future::BoxFuture;
use futures::FutureExt;
use std::collections::BTreeMap;
use std::sync::Mutex;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

const THING: ResourceType = ResourceType(&TypeInfo {
    name: "Test::Fake::Thing",
    arn: |r| format!("arn:aws:fake:{}:{}:thing/{}", r.region, r.account, r.id),
    tags: true,
    named: true,
    regional: true,
    has_findings: true,
    short: None,
});

/// A resource of the test service: a flag the check reads (`None`: not read), and its tags.
#[derive(Debug, Clone, Default)]
struct Thing {
    bad: Option<bool>,
    tags: Tags,
    /// Never audited (as a service-linked role, or one named in `EXEMPT_ROLE_NAMES`).
    never: bool,
}

impl Subject for Thing {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }

    fn never_audited(&self, _: &Settings) -> Option<&'static str> {
        self.never.then_some("never audited")
    }
}

fn thing_is_bad(t: &Thing, _: &Context) -> Option<Outcome> {
    Some(if t.bad? { Outcome::fail("the thing is bad".into()) } else { Outcome::Pass })
}

static BAD: Check = Check {
    id: "fake_thing_bad",
    title: "The thing is bad",
    severity: Severity::Critical,
    resource_types: &[THING],
    risk: "Bad things happen.",
    remediation: "Make it good.",
    remediation_cli: "aws fake fix --thing {id}",
    compliance: &[],
    eval: &On(thing_is_bad),
    advice: None,
};

static CHECKS: &[&Check] = &[&BAD];

/// What the test service's AWS holds, and how its reads fail.
#[derive(Debug, Default)]
struct World {
    things: BTreeMap<String, Thing>,
    listing_fails: bool,
    reads_fail: bool,
    reads: usize,
    /// Listed, but their configuration cannot be understood (a document that does not parse).
    unparseable: std::collections::BTreeSet<String>,
}

#[derive(Default)]
struct Fake(Mutex<World>);

fn fake_error(kind: AwsErrorKind, code: &str, message: &str) -> AwsError {
    AwsError { operation: Operation { service: "fake", name: "DescribeThings" }, kind, code: Some(code.into()), message: message.into() }
}

fn throttled() -> AwsError {
    fake_error(AwsErrorKind::Throttled, "Throttling", "slow down")
}

fn malformed() -> AwsError {
    fake_error(AwsErrorKind::Other, "MalformedPolicyDocument", "the thing's document does not parse")
}

impl Fake {
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.0.lock().unwrap()
    }

    fn set(&self, id: &str, bad: bool) {
        self.world().things.entry(id.into()).or_default().bad = Some(bad);
    }
}

static INFO: ServiceInfo = ServiceInfo { name: "fake", types: &[THING], checks: CHECKS, events: &[], global: false, permissions: &[] };

impl Service for Fake {
    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }
    fn parse_arn(&self, _: &Arn) -> Option<ResourceRef> {
        None
    }

    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let w = self.world();
            let mut scan = Scan::default();
            if w.listing_fails {
                scan.incomplete.push(THING);
                scan.failures.push(ReadFailure { resource_arn: THING.as_str().into(), error: throttled() });
                return scan;
            }
            for (id, t) in &w.things {
                let r = ResourceRef::new(THING, id, cx.account_id, region);
                if w.unparseable.contains(id) {
                    scan.failures.push(ReadFailure { resource_arn: r.arn(), error: malformed() });
                    continue;
                }
                scan.snapshots.push(Snapshot::new(r, t.clone()));
            }
            scan.complete.push((THING, Some(region.to_string())));
            scan
        }
        .boxed()
    }

    fn read<'a>(&'a self, _cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            let mut w = self.world();
            w.reads += 1;
            let r = target.resource.clone();
            if w.reads_fail {
                return vec![crate::service::failed(&r, throttled())];
            }
            vec![match w.things.get(&r.id) {
                Some(t) => Read::Found(Snapshot::new(r, t.clone())),
                None => Read::Gone(r),
            }]
        }
        .boxed()
    }
}

struct Harness {
    clients: Clients,
    settings: Settings,
    store: MemoryStore,
    sink: MemorySink,
    fake: Fake,
    /// Transition sinks, used when `exporting` is on.
    hub: MemoryExports,
    bus: MemoryExports,
    exporting: bool,
}

fn at(minute: u32) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-20T10:{minute:02}:00Z")).unwrap().with_timezone(&Utc)
}

impl Harness {
    fn new() -> Self {
        let sdk = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new(REGION))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let settings = Settings { services: ["fake".to_string()].into_iter().collect(), ..Settings::default() };
        Harness {
            clients: Clients::new(&sdk, CallRecorder::default()),
            settings,
            store: MemoryStore::default(),
            sink: MemorySink::default(),
            fake: Fake::default(),
            hub: MemoryExports::new("securityhub"),
            bus: MemoryExports::new("eventbridge"),
            exporting: false,
        }
    }

    fn engine(&self, minute: u32) -> Engine<'_> {
        Engine {
            services: std::slice::from_ref(&(&self.fake as &dyn Service)).to_vec().leak(),
            cx: ReadCx::new(&self.clients, &self.settings, ACCOUNT),
            store: Some(&self.store),
            sink: Some(&self.sink),
            exports: if self.exporting { vec![&self.hub as &dyn ExportSink, &self.bus].leak() } else { &[] },
            now: at(minute),
            dry_run: false,
            progress: None,
            deadline: None,
            known: Default::default(),
        }
    }

    async fn scan(&self, minute: u32) -> RunReport {
        self.engine(minute).full_scan().await
    }

    /// A delete event for `id`: a hint the engine confirms with a read.
    async fn delete_event(&self, id: &str, minute: u32) -> RunReport {
        self.engine(minute).resources(&[], &[ResourceRef::new(THING, id, "", REGION)]).await
    }

    async fn event(&self, id: &str, minute: u32) -> RunReport {
        let target = Target { resource: ResourceRef::new(THING, id, "", REGION), focus: Focus::EVERYTHING, service: "fake" };
        self.engine(minute).resources(&[target], &[]).await
    }

    fn finding(&self, id: &str) -> Finding {
        let arn = ResourceRef::new(THING, id, ACCOUNT, REGION).arn();
        self.store.all().into_iter().find(|f| f.resource_arn == arn).expect("finding stored")
    }

    fn alerts(&self) -> usize {
        self.sink.delivered.lock().unwrap().len()
    }
}

#[tokio::test]
async fn full_scan_opens_alerts_once_and_resolves_on_evidence() {
    let h = Harness::new();
    h.fake.set("a", true);
    h.fake.set("b", false);
    let r = h.scan(0).await;
    assert_eq!((r.resources_audited, r.evaluated, r.passed), (2, 2, 1));
    assert_eq!(r.transitions.get(&Transition::New), Some(&1));
    assert_eq!(h.finding("a").status, Status::Open);
    assert_eq!(h.alerts(), 1);
    assert!(!h.finding("a").alert_pending, "delivered alerts are cleared");

    let again = h.scan(1).await;
    assert_eq!(again.transitions.get(&Transition::StillOpen), Some(&1));
    assert_eq!(h.alerts(), 1, "never twice");

    h.fake.set("a", false);
    h.scan(2).await;
    let f = h.finding("a");
    assert_eq!((f.status, f.resolution.as_deref()), (Status::Resolved, Some(RESOLVED_PASSED)));
    h.fake.set("a", true);
    let reopened = h.scan(3).await;
    assert_eq!(reopened.transitions.get(&Transition::Reopened), Some(&1));
    assert_eq!(h.alerts(), 2, "a finding that comes back alerts again");
}

#[tokio::test]
async fn event_reads_one_resource_and_judges_it_like_a_scan() {
    let h = Harness::new();
    h.fake.set("a", true);
    h.fake.set("b", true);
    let r = h.event("a", 0).await;
    assert_eq!(h.fake.world().reads, 1);
    assert_eq!((r.kind.as_str(), r.resources_audited, r.findings.len()), ("resources", 1, 1));
    assert_eq!(h.store.all().len(), 1, "only the named resource is judged");
    assert_eq!(h.finding("a").account_id, ACCOUNT, "the account is filled in");
}

#[tokio::test]
async fn deletion_sweep_resolves_only_after_a_complete_listing() {
    let h = Harness::new();
    h.fake.set("a", true);
    h.scan(0).await;
    h.fake.world().things.clear();
    h.fake.world().listing_fails = true;
    let failed = h.scan(1).await;
    assert_eq!(failed.incomplete_types, vec![THING]);
    assert_eq!(failed.audit_errors.len(), 1);
    assert_eq!(h.finding("a").status, Status::Open, "a listing that failed concludes nothing");

    h.fake.world().listing_fails = false;
    let swept = h.scan(2).await;
    assert_eq!(swept.resources_deleted, 1);
    let f = h.finding("a");
    assert_eq!((f.status, f.resolution.as_deref()), (Status::Resolved, Some(RESOLVED_DELETED)));
}

#[tokio::test]
async fn a_failed_read_concludes_nothing() {
    let h = Harness::new();
    h.fake.set("a", true);
    h.scan(0).await;
    h.fake.set("a", false);
    h.fake.world().reads_fail = true;
    let r = h.event("a", 1).await;
    assert_eq!(r.audit_errors.len(), 1);
    assert!(r.audit_errors[0].retryable && !r.audit_errors[0].is_infrastructure());
    assert_eq!(h.finding("a").status, Status::Open);
    // A part that was not read is not evaluated either.
    h.fake.world().reads_fail = false;
    h.fake.world().things.get_mut("a").unwrap().bad = None;
    let unread = h.event("a", 2).await;
    assert_eq!(unread.evaluated, 0);
    assert_eq!(h.finding("a").status, Status::Open);
}

#[tokio::test]
async fn refused_alerts_stay_pending_and_are_sent_by_the_next_audit() {
    let h = Harness::new();
    h.fake.set("a", true);
    *h.sink.refuse.lock().unwrap() = Some(throttled());
    let r = h.scan(0).await;
    assert_eq!(r.alerts_sent, 0);
    assert!(r.audit_errors.iter().any(|e| e.is_infrastructure()), "an undelivered alert fails the run");
    assert!(h.finding("a").alert_pending);

    *h.sink.refuse.lock().unwrap() = None;
    let retry = h.event("a", 1).await;
    assert_eq!(retry.alerts_sent, 1, "still open and still pending: sent now");
    assert!(!h.finding("a").alert_pending);
    h.event("a", 2).await;
    assert_eq!(h.alerts(), 1, "then never again");
}

#[tokio::test]
async fn write_conflicts_are_retried_then_reported() {
    let h = Harness::new();
    h.fake.set("a", true);
    *h.store.conflicts.lock().unwrap() = 1;
    let r = h.event("a", 0).await;
    assert!(r.audit_errors.is_empty(), "{:?}", r.audit_errors);
    assert_eq!(h.finding("a").status, Status::Open);

    h.fake.set("b", true);
    *h.store.conflicts.lock().unwrap() = COMMIT_ATTEMPTS;
    let r = h.event("b", 1).await;
    assert_eq!(r.audit_errors.len(), 1);
    assert_eq!(r.audit_errors[0].code.as_deref(), Some("ConditionalCheckFailed"));
    assert!(h.store.all().iter().all(|f| f.resource_id != "b"), "nothing written");
}

#[tokio::test]
async fn a_duplicate_event_changes_nothing() {
    let h = Harness::new();
    h.fake.set("a", true);
    h.event("a", 0).await;
    let first = h.finding("a");
    let dup = h.event("a", 0).await;
    assert!(dup.transitions.is_empty(), "{:?}", dup.transitions);
    assert_eq!(h.finding("a"), first);
    assert_eq!(h.alerts(), 1);
}

#[tokio::test]
async fn a_stale_observation_never_overwrites_a_newer_one() {
    let h = Harness::new();
    h.fake.set("a", false);
    h.fake.set("b", true);
    h.event("b", 5).await;
    // An older read (a delayed event) that saw the resource failing must not reopen what a newer
    // observation stored, nor resolve it.
    h.fake.set("b", false);
    let stale = h.event("b", 3).await;
    assert!(stale.transitions.is_empty());
    let f = h.finding("b");
    assert_eq!((f.status, f.observed_at.as_str()), (Status::Open, "2026-11-20T10:05:00.000Z"));
}

#[tokio::test]
async fn scope_and_exemption_apply_the_same_to_scans_and_events() {
    let mut h = Harness::new();
    h.settings.scope_tag = Some(TagMatch { key: "env".into(), value: "prod".into() });
    h.fake.set("out", true);
    h.fake.set("in", true);
    h.fake.world().things.get_mut("in").unwrap().tags.insert("env".into(), "prod".into());
    let scan = h.scan(0).await;
    assert_eq!((scan.resources_audited, scan.resources_skipped), (1, 1));
    let event = h.event("out", 1).await;
    assert_eq!((event.resources_audited, event.resources_skipped), (0, 1));

    h.settings.scope_tag = None;
    h.settings.scope_name_suffix = Some("-prod".into());
    let reads = h.fake.world().reads;
    let named = h.event("in", 2).await;
    assert_eq!(named.resources_skipped, 1, "the suffix applies to events as to scans");
    assert_eq!(h.fake.world().reads, reads, "and is decided before anything is read");

    h.settings.scope_name_suffix = None;
    h.fake.world().things.get_mut("out").unwrap().tags.insert("EmergencyAccess".into(), "true".into());
    let exempt = h.event("out", 3).await;
    assert_eq!(exempt.transitions.get(&Transition::Suppressed), Some(&1));
    assert_eq!(h.finding("out").status, Status::Suppressed);
    assert_eq!(h.alerts(), 1, "only the in-scope resource alerted; a suppressed one never does");
}

#[tokio::test]
async fn a_broken_store_fails_the_run_as_infrastructure() {
    let h = Harness::new();
    h.fake.set("a", true);
    *h.store.broken.lock().unwrap() = Some(throttled());
    let r = h.event("a", 0).await;
    assert!(r.audit_errors.iter().any(|e| e.is_infrastructure() && e.retryable));
    assert_eq!(h.alerts(), 0, "nothing stored, nothing alerted");
}

#[tokio::test]
async fn a_disabled_service_is_neither_scanned_nor_read() {
    let mut h = Harness::new();
    h.fake.set("a", true);
    h.settings.services.clear();
    let scan = h.scan(0).await;
    let event = h.event("a", 1).await;
    assert_eq!((scan.evaluated, event.resources_skipped, h.fake.world().reads), (0, 1, 0));
}

#[tokio::test]
async fn replayed_delete_event_audits_a_resource_that_exists() {
    let h = Harness::new();
    h.fake.set("a", true);
    h.scan(0).await;
    // A delayed or replayed DeleteThing for a resource that exists (again): read, and audited.
    let replayed = h.delete_event("a", 1).await;
    assert_eq!((replayed.resources_deleted, replayed.resources_audited), (0, 1));
    assert_eq!(h.finding("a").status, Status::Open, "a delete event alone resolves nothing");
    // Once AWS says it is gone, the same event resolves it as deleted.
    h.fake.world().things.clear();
    let deleted = h.delete_event("a", 2).await;
    assert_eq!(deleted.resources_deleted, 1);
    assert_eq!(h.finding("a").resolution.as_deref(), Some(RESOLVED_DELETED));
    // And a read that fails concludes nothing.
    h.fake.set("b", true);
    h.scan(3).await;
    h.fake.world().things.clear();
    h.fake.world().reads_fail = true;
    h.delete_event("b", 4).await;
    assert_eq!(h.finding("b").status, Status::Open);
}

#[tokio::test]
async fn unparseable_resource_is_an_error_never_a_deletion() {
    let h = Harness::new();
    h.fake.set("a", true);
    h.scan(0).await;
    h.fake.world().unparseable.insert("a".into());
    let r = h.scan(1).await;
    assert_eq!(r.resources_deleted, 0);
    assert!(r.audit_errors.iter().any(|e| e.code.as_deref() == Some("MalformedPolicyDocument")));
    assert!(r.unsettled.contains(&h.finding("a").resource_arn));
    assert_eq!(h.finding("a").status, Status::Open, "its findings are kept");
}

#[tokio::test]
async fn leaving_scope_resolves_as_out_of_scope_and_never_alerts() {
    let mut h = Harness::new();
    h.fake.set("a", true);
    h.fake.set("b", true);
    h.scan(0).await;
    assert_eq!(h.alerts(), 2);
    // Its scope tag is gone: a full scan resolves its findings as out of scope (from the sweep's
    // listing), an event does the same for the one resource it names.
    h.settings.scope_tag = Some(TagMatch { key: "env".into(), value: "prod".into() });
    let scan = h.scan(1).await;
    assert_eq!(scan.transitions.get(&Transition::Resolved), Some(&2));
    for id in ["a", "b"] {
        let f = h.finding(id);
        assert_eq!((f.status, f.resolution.as_deref()), (Status::Resolved, Some(RESOLVED_OUT_OF_SCOPE)));
    }
    assert_eq!(h.alerts(), 2, "leaving scope never alerts");
    // Back in scope: the normal lifecycle reopens it.
    h.fake.world().things.get_mut("a").unwrap().tags.insert("env".into(), "prod".into());
    let back = h.event("a", 2).await;
    assert_eq!(back.transitions.get(&Transition::Reopened), Some(&1));
    // A suffix that leaves a resource out resolves it on its event too, before any read.
    h.settings.scope_tag = None;
    h.event("b", 3).await;
    h.settings.scope_name_suffix = Some("-prod".into());
    let reads = h.fake.world().reads;
    h.event("b", 4).await;
    assert_eq!(h.fake.world().reads, reads);
    assert_eq!(h.finding("b").resolution.as_deref(), Some(RESOLVED_OUT_OF_SCOPE));
}

#[tokio::test]
async fn a_switched_off_service_resolves_its_findings_as_out_of_scope() {
    let mut h = Harness::new();
    h.fake.set("a", true);
    h.scan(0).await;
    h.settings.services.clear();
    let r = h.scan(1).await;
    assert_eq!(r.transitions.get(&Transition::Resolved), Some(&1));
    assert_eq!(h.finding("a").resolution.as_deref(), Some(RESOLVED_OUT_OF_SCOPE));
}

#[tokio::test]
async fn an_exhausted_write_conflict_fails_only_its_resource() {
    let mut h = Harness::new();
    h.settings.audit_concurrency = 1;
    h.fake.set("a", true);
    h.fake.set("b", true);
    // Every attempt on the first resource judged conflicts; the second settles normally.
    *h.store.conflicts.lock().unwrap() = COMMIT_ATTEMPTS;
    let r = h.scan(0).await;
    assert_eq!(r.audit_errors.len(), 1, "{:?}", r.audit_errors);
    assert!(!r.audit_errors[0].is_infrastructure(), "one resource's conflict does not fail the run");
    assert_eq!(r.unsettled, vec![ResourceRef::new(THING, "a", ACCOUNT, REGION).arn()]);
    assert_eq!(h.finding("b").status, Status::Open);
    assert_eq!(h.store.all().len(), 1);
}

#[tokio::test]
async fn past_the_deadline_nothing_new_starts_and_nothing_is_swept() {
    let h = Harness::new();
    h.fake.set("a", true);
    h.scan(0).await;
    h.fake.world().things.clear();
    let mut late = h.engine(1);
    late.deadline = Some(std::time::Instant::now());
    let r = late.full_scan().await;
    assert!(!r.complete);
    assert_eq!(r.remaining, vec![format!("shard {ACCOUNT}#{REGION}")]);
    assert_eq!(h.finding("a").status, Status::Open, "no sweep after a cut-short scan");
    let event = late.resources(&[Target { resource: ResourceRef::new(THING, "a", "", REGION), focus: Focus::EVERYTHING, service: "fake" }], &[]).await;
    assert_eq!(event.remaining.len(), 1);
    assert_eq!(h.fake.world().reads, 0);
}

#[tokio::test]
async fn a_region_left_out_or_an_entity_never_audited_leaves_scope() {
    let mut h = Harness::new();
    h.fake.set("a", true);
    h.fake.set("b", true);
    h.scan(0).await;
    // `REGIONS` no longer lists the region: nothing there is read, and its findings leave scope.
    h.settings.regions = vec!["eu-west-1".into()];
    h.scan(1).await;
    assert_eq!(h.finding("a").resolution.as_deref(), Some(RESOLVED_OUT_OF_SCOPE));
    assert_eq!(h.finding("b").resolution.as_deref(), Some(RESOLVED_OUT_OF_SCOPE));
    // Back in the region; then one resource becomes one that is never audited.
    h.settings.regions.clear();
    h.scan(2).await;
    assert_eq!(h.finding("b").status, Status::Open);
    h.fake.world().things.get_mut("b").unwrap().never = true;
    h.scan(3).await;
    assert_eq!(h.finding("b").resolution.as_deref(), Some(RESOLVED_OUT_OF_SCOPE));
    assert_eq!(h.finding("a").status, Status::Open);
}

fn transitions(sink: &MemoryExports) -> Vec<(String, Option<Transition>)> {
    sink.accepted().into_iter().map(|f| (f.resource_id, f.transition)).collect()
}

#[tokio::test]
async fn every_lifecycle_transition_reaches_every_sink_once() {
    let mut h = Harness::new();
    h.exporting = true;
    h.fake.set("a", true);
    h.fake.set("b", false);
    let r = h.scan(0).await;
    assert_eq!((r.exports_sent.get("securityhub"), r.exports_sent.get("eventbridge"), r.exports_owed), (Some(&1), Some(&1), 0));
    h.scan(1).await;
    assert_eq!(transitions(&h.bus).len(), 1, "staying open is no transition");
    h.fake.set("a", false);
    h.scan(2).await;
    h.fake.set("a", true);
    h.scan(3).await;
    let want = vec![("a".to_string(), Some(Transition::New)), ("a".into(), Some(Transition::Resolved)), ("a".into(), Some(Transition::Reopened))];
    assert_eq!(transitions(&h.hub), want);
    assert_eq!(transitions(&h.bus), want);
    let f = h.finding("a");
    assert!(f.exports_pending.is_empty() && f.export_due.is_none(), "nothing owed once delivered: {f:?}");
}

#[tokio::test]
async fn a_refused_transition_stays_owed_and_the_next_audit_sends_it_even_for_a_deleted_resource() {
    let mut h = Harness::new();
    h.exporting = true;
    h.fake.set("a", true);
    h.scan(0).await;
    // Security Hub is down while the resource is deleted: its RESOLVED is owed, EventBridge has it.
    *h.hub.refuse.lock().unwrap() = Some(throttled());
    h.fake.world().things.clear();
    let r = h.scan(1).await;
    assert_eq!((r.resources_deleted, r.exports_owed, r.export_errors.len()), (1, 1, 1));
    assert!(r.audit_errors.is_empty(), "a sink outage does not fail the run: {:?}", r.audit_errors);
    let f = h.finding("a");
    assert_eq!((f.status, f.exports_pending.clone(), f.export_due.as_deref()), (Status::Resolved, vec!["securityhub".to_string()], Some(ACCOUNT)));
    assert_eq!(transitions(&h.bus).last().map(|t| t.1), Some(Some(Transition::Resolved)));
    // The resource is gone, so no audit reads it again: the index still finds what is owed.
    *h.hub.refuse.lock().unwrap() = None;
    let unrelated = h.event("zzz", 2).await;
    assert_eq!((unrelated.exports_sent.get("securityhub"), unrelated.exports_owed), (Some(&1), 0));
    assert_eq!(transitions(&h.hub).last().map(|t| t.1), Some(Some(Transition::Resolved)));
    assert_eq!(transitions(&h.bus).len(), 2, "EventBridge is not sent it twice");
    assert!(h.finding("a").export_due.is_none());
}

#[tokio::test]
async fn a_partial_failure_keeps_only_the_refused_finding_owed() {
    let mut h = Harness::new();
    h.exporting = true;
    h.fake.set("a", true);
    *h.bus.refuse_ids.lock().unwrap() = vec!["a".into()];
    h.fake.set("b", true);
    let r = h.scan(0).await;
    assert_eq!((r.exports_sent.get("securityhub"), r.exports_sent.get("eventbridge"), r.exports_owed), (Some(&2), Some(&1), 1));
    assert_eq!(h.finding("a").exports_pending, vec!["eventbridge".to_string()]);
    assert!(h.finding("b").exports_pending.is_empty());
    h.bus.refuse_ids.lock().unwrap().clear();
    let r = h.scan(1).await;
    assert_eq!((r.exports_sent.get("eventbridge"), r.exports_owed), (Some(&1), 0));
    assert_eq!(transitions(&h.bus), vec![("b".into(), Some(Transition::New)), ("a".into(), Some(Transition::New))]);
    assert_eq!(transitions(&h.hub).len(), 2, "the sink that took them is not sent them again");
}

#[tokio::test]
async fn a_dry_run_owes_nothing_and_exports_nothing() {
    let mut h = Harness::new();
    h.exporting = true;
    h.fake.set("a", true);
    let mut e = h.engine(0);
    e.dry_run = true;
    let r = e.full_scan().await;
    assert!(r.exports_sent.is_empty());
    assert!(h.hub.accepted().is_empty() && h.store.all().iter().all(|f| f.exports_pending.is_empty()));
}

#[tokio::test]
async fn a_full_scan_loads_each_shard_with_one_query_and_writes_only_changes() {
    let h = Harness::new();
    for i in 0..40 {
        h.fake.set(&format!("t{i:02}"), i % 4 == 0);
    }
    let first = h.scan(0).await;
    assert_eq!(first.transitions.get(&Transition::New), Some(&10));
    let queries = |s: &MemoryStore| (*s.shard_queries.lock().unwrap(), *s.resource_queries.lock().unwrap());
    assert_eq!(queries(&h.store), (1, 0), "one shard Query, no Query per resource");
    assert!(h.store.all().iter().all(|f| f.shard.as_deref() == Some("123456789012#us-east-1")), "every item carries its shard");
    // Minutes later nothing changed: the ten failures are reported, nothing is written.
    let before = h.store.all();
    let again = h.scan(5).await;
    assert_eq!(again.transitions.get(&Transition::StillOpen), Some(&10));
    assert_eq!(again.findings.len(), 10, "still-open findings are reported");
    assert_eq!(h.store.all(), before, "an unchanged failure is not rewritten");
    assert_eq!(queries(&h.store), (2, 0));
    // One thing fixed, one broken: two writes, still no per-resource Query.
    h.fake.set("t00", false);
    h.fake.set("t01", true);
    let third = h.scan(10).await;
    assert_eq!((third.transitions.get(&Transition::Resolved), third.transitions.get(&Transition::New)), (Some(&1), Some(&1)));
    assert_eq!(queries(&h.store), (3, 0));
}

#[tokio::test]
async fn items_stored_before_the_shard_index_gain_their_key_and_are_still_swept() {
    let h = Harness::new();
    h.fake.set("old", true);
    h.scan(0).await;
    // As an item written by an earlier version: no shard key.
    h.store.items.lock().unwrap().iter_mut().for_each(|f| f.shard = None);
    h.fake.world().things.clear();
    let r = h.scan(5).await;
    assert_eq!(r.transitions.get(&Transition::Resolved), Some(&1), "the old item is swept as gone");
    let f = h.finding("old");
    assert_eq!((f.status, f.shard.as_deref()), (Status::Resolved, Some("123456789012#us-east-1")));
}

#[tokio::test]
async fn a_shard_cut_by_its_deadline_resumes_where_it_stopped_and_sweeps_only_at_the_end() {
    let mut h = Harness::new();
    h.settings.audit_concurrency = 1;
    for i in 0..6 {
        h.fake.set(&format!("t{i}"), true);
    }
    h.scan(0).await;
    // One thing is deleted; another turns good. The shard then runs with its deadline passed.
    h.fake.world().things.remove("t5");
    h.fake.set("t0", false);
    let mut engine = h.engine(5);
    engine.deadline = Some(std::time::Instant::now());
    let mut passes = 0;
    let mut after: Option<String> = None;
    let mut resolved = 0;
    loop {
        passes += 1;
        let r = engine.shard(&["fake".to_string()], REGION, after.as_deref()).await;
        assert_eq!(r.shard.as_deref(), Some("123456789012#us-east-1"));
        resolved += r.transitions.get(&Transition::Resolved).copied().unwrap_or(0);
        match r.resume_at {
            Some(next) => {
                assert_eq!(r.resume_services, ["fake"]);
                assert!(after.as_deref().is_none_or(|a| a < next.as_str()), "each pass moves forward");
                assert_eq!(h.finding("t5").status, Status::Open, "no sweep before the last pass");
                after = Some(next);
            }
            None => break,
        }
        assert!(passes < 10, "the shard terminates");
    }
    assert!(passes > 1, "the deadline cut the shard into passes");
    assert_eq!(resolved, 2, "t0 passed and t5 was swept as gone");
    assert_eq!(h.finding("t5").resolution.as_deref(), Some(RESOLVED_DELETED));
    assert_eq!(h.finding("t0").resolution.as_deref(), Some(RESOLVED_PASSED));
    // The same shard message again changes nothing.
    let again = h.engine(6).shard(&["fake".to_string()], REGION, None).await;
    assert!(again.transitions.keys().all(|t| !t.is_lifecycle()), "{:?}", again.transitions);
}

/// A second service that judges the same resources (as S3, IAM and CloudTrail all judge the
/// account): its own subject, its own check.
#[derive(Debug, Clone)]
struct Other {
    bad: bool,
}

impl Subject for Other {}

fn other_is_bad(t: &Other, _: &Context) -> Option<Outcome> {
    Some(if t.bad { Outcome::fail("the other side is bad".into()) } else { Outcome::Pass })
}

static OTHER_BAD: Check = Check { id: "fake_other_bad", eval: &On(other_is_bad), ..BAD };
static OTHER_CHECKS: &[&Check] = &[&OTHER_BAD];
static OTHER_INFO: ServiceInfo = ServiceInfo { name: "other", types: &[], checks: OTHER_CHECKS, events: &[], global: false, permissions: &[] };

#[derive(Default)]
struct OtherService(Mutex<bool>);

impl Service for OtherService {
    fn info(&self) -> &'static ServiceInfo {
        &OTHER_INFO
    }
    fn parse_arn(&self, _: &Arn) -> Option<ResourceRef> {
        None
    }
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let bad = *self.0.lock().unwrap();
            Scan { snapshots: vec![Snapshot::new(ResourceRef::new(THING, "a", cx.account_id, region), Other { bad })], ..Scan::default() }
        }
        .boxed()
    }
    fn read<'a>(&'a self, _cx: &'a ReadCx<'a>, _target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move { Vec::new() }.boxed()
    }
}

#[tokio::test]
async fn two_services_judging_one_resource_in_a_shard_each_settle_their_own_findings() {
    let mut h = Harness::new();
    h.settings.services.insert("other".into());
    let other = OtherService::default();
    let services: &[&dyn Service] = vec![&h.fake as &dyn Service, &other as &dyn Service].leak();
    let scan = |minute| {
        let mut e = h.engine(minute);
        e.services = services;
        async move { e.full_scan().await }
    };
    h.fake.set("a", true);
    *other.0.lock().unwrap() = true;
    let first = scan(0).await;
    assert_eq!(first.transitions.get(&Transition::New), Some(&2));
    h.fake.set("a", false);
    *other.0.lock().unwrap() = false;
    let second = scan(5).await;
    assert_eq!(second.transitions.get(&Transition::Resolved), Some(&2), "{:?}", second.transitions);
    assert!(h.store.all().iter().all(|f| f.status == Status::Resolved));
}
