//! The Security Hub sink (`SECURITY_HUB=on`): imports each transition as an ASFF finding and sets
//! the customer-owned workflow of accepted risks.
//!
//! OPEN → Compliance FAILED, RecordState ACTIVE; RESOLVED → Compliance PASSED, RecordState
//! ARCHIVED (both `BatchImportFindings`, at most 100 per call). SUPPRESSED → imported as FAILED and
//! ACTIVE, then Workflow SUPPRESSED with the acceptance as a note (`BatchUpdateFindings`, which is
//! how anyone but the provider changes a workflow); an exemption withdrawn or lapsed → Workflow
//! NEW. The SDK retries throttling with backoff; what still fails stays owed on the item.

use crate::aws::{classify, Clients};
use crate::engine::ports::ExportSink;
use crate::error::{AwsError, AwsErrorKind, Operation};
use crate::findings::{Finding, Transition};
use crate::render::asff;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingIdentifier, Compliance, ComplianceStatus, NoteUpdate, Partition, Recommendation,
    RecordState, Remediation, Resource, Severity, SeverityLabel, WorkflowStatus, WorkflowUpdate,
};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::Value;
use std::collections::BTreeMap;

pub const NAME: &str = "securityhub";
/// `BatchImportFindings` and `BatchUpdateFindings` take at most 100 findings per call.
const MAX_BATCH: usize = 100;

/// SDK operation → IAM actions, for the least-privilege proof.
pub const PERMISSIONS: &[(&str, &[&str])] = &[
    ("securityhub:BatchImportFindings", &["securityhub:BatchImportFindings"]),
    ("securityhub:BatchUpdateFindings", &["securityhub:BatchUpdateFindings"]),
];

/// Security Hub in each audited region: a finding goes to its own region's hub (a global one,
/// IAM or the account, to the function's region), as Security Hub's product ARNs require.
/// Cross-region aggregation, where the user set it up, gathers them.
#[derive(Debug, Clone)]
pub struct SecurityHub {
    home: String,
    by_region: BTreeMap<String, aws_sdk_securityhub::Client>,
}

impl SecurityHub {
    pub fn new(clients: &Clients, regions: &[String]) -> Self {
        let home = clients.default_region();
        let build = |region: &str| {
            clients.regional(region, |sdk, recorder| {
                aws_sdk_securityhub::Client::from_conf(aws_sdk_securityhub::config::Builder::from(sdk).interceptor(recorder.clone()).build())
            })
        };
        let by_region = regions.iter().chain(std::iter::once(&home)).map(|r| (r.clone(), build(r))).collect();
        SecurityHub { home, by_region }
    }
}

fn import_op() -> Operation {
    Operation::of::<aws_sdk_securityhub::operation::batch_import_findings::BatchImportFindingsError>()
}

fn update_op() -> Operation {
    Operation::of::<aws_sdk_securityhub::operation::batch_update_findings::BatchUpdateFindingsError>()
}

fn refused(operation: Operation, code: Option<&str>, message: Option<&str>) -> AwsError {
    AwsError { operation, kind: AwsErrorKind::Other, code: code.map(str::to_string), message: message.unwrap_or("refused").to_string() }
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer).and_then(Value::as_str).map(str::to_string)
}

/// The ASFF record (the one `--format asff` writes) as the SDK's type. Workflow and Note are the
/// customer's fields, which an import does not change; [`workflow`] sets them.
pub fn to_sdk(f: &Finding, home: &str) -> AwsSecurityFinding {
    let r = asff::record_in(f, home);
    let label = match text(&r, "/Severity/Label").as_deref() {
        Some("CRITICAL") => SeverityLabel::Critical,
        Some("HIGH") => SeverityLabel::High,
        Some("MEDIUM") => SeverityLabel::Medium,
        Some("LOW") => SeverityLabel::Low,
        _ => SeverityLabel::Informational,
    };
    let listed = r["Resources"].as_array().cloned().unwrap_or_default();
    let resources = listed.iter().map(resource);
    let requirements: Vec<String> =
        r.pointer("/Compliance/RelatedRequirements").and_then(Value::as_array).map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
    let compliance = Compliance::builder()
        .set_status(text(&r, "/Compliance/Status").map(|s| ComplianceStatus::from(s.as_str())))
        .set_related_requirements((!requirements.is_empty()).then_some(requirements))
        .build();
    let types = r["Types"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect());
    let fields = r["ProductFields"].as_object().map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect());
    AwsSecurityFinding::builder()
        .set_schema_version(text(&r, "/SchemaVersion"))
        .set_id(text(&r, "/Id"))
        .set_product_arn(text(&r, "/ProductArn"))
        .set_product_name(text(&r, "/ProductName"))
        .set_company_name(text(&r, "/CompanyName"))
        .set_generator_id(text(&r, "/GeneratorId"))
        .set_aws_account_id(text(&r, "/AwsAccountId"))
        .set_region(text(&r, "/Region"))
        .set_types(types)
        .set_created_at(text(&r, "/CreatedAt"))
        .set_updated_at(text(&r, "/UpdatedAt"))
        .severity(Severity::builder().label(label).set_original(text(&r, "/Severity/Original")).build())
        .set_title(text(&r, "/Title"))
        .set_description(text(&r, "/Description"))
        .remediation(Remediation::builder().recommendation(Recommendation::builder().set_text(text(&r, "/Remediation/Recommendation/Text")).build()).build())
        .set_resources(Some(resources.collect()))
        .compliance(compliance)
        .set_record_state(text(&r, "/RecordState").map(|s| RecordState::from(s.as_str())))
        .set_product_fields(fields)
        .build()
}

/// One ASFF resource. `Resource` is about 31 KB (it has a field for every resource type's
/// details), so it is built in its own frame, one step at a time: a chain of builder calls keeps a
/// copy per call on the stack of an unoptimized build.
#[inline(never)]
fn resource(res: &Value) -> Resource {
    let mut b = Resource::builder();
    b = b.set_type(text(res, "/Type"));
    b = b.set_id(text(res, "/Id"));
    b = b.set_partition(text(res, "/Partition").map(|p| Partition::from(p.as_str())));
    b = b.set_region(text(res, "/Region"));
    b.build()
}

/// The workflow change a transition asks of the customer's fields, with its note.
pub fn workflow(f: &Finding) -> Option<(WorkflowStatus, String)> {
    match f.transition? {
        Transition::Suppressed => {
            let note = f.triage.as_ref().map(|t| t.describe()).unwrap_or_else(|| "exempt by the resource's exemption tag".into());
            Some((WorkflowStatus::Suppressed, note))
        }
        Transition::Unsuppressed => Some((WorkflowStatus::New, "vigil: the accepted risk was withdrawn or lapsed; the check still fails".into())),
        _ => None,
    }
}

impl SecurityHub {
    async fn import(&self, client: &aws_sdk_securityhub::Client, findings: &[Finding]) -> (Vec<bool>, Option<AwsError>) {
        let mut ok = vec![false; findings.len()];
        let mut first_error = None;
        for (n, chunk) in findings.chunks(MAX_BATCH).enumerate() {
            let base = n * MAX_BATCH;
            let records: Vec<AwsSecurityFinding> = chunk.iter().map(|f| to_sdk(f, &self.home)).collect();
            match client.batch_import_findings().set_findings(Some(records)).send().await {
                Ok(out) => {
                    let failed: BTreeMap<&str, _> = out.failed_findings().iter().filter_map(|e| Some((e.id()?, e))).collect();
                    for (i, f) in chunk.iter().enumerate() {
                        match failed.get(asff::id(f).as_str()) {
                            None => ok[base + i] = true,
                            Some(e) => {
                                first_error.get_or_insert_with(|| refused(import_op(), e.error_code(), e.error_message()));
                            }
                        }
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(classify(&e));
                }
            }
        }
        (ok, first_error)
    }

    /// Sets the workflow of the imported findings whose transition asks for it; clears `ok` for
    /// those Security Hub did not process.
    async fn update_workflows(&self, client: &aws_sdk_securityhub::Client, findings: &[Finding], ok: &mut [bool]) -> Option<AwsError> {
        let mut first_error = None;
        // One call per (status, note): BatchUpdateFindings applies one workflow and note to all.
        let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for (i, f) in findings.iter().enumerate() {
            if let (true, Some((status, note))) = (ok[i], workflow(f)) {
                groups.entry((status.as_str().to_string(), note)).or_default().push(i);
            }
        }
        for ((status, note), members) in groups {
            for chunk in members.chunks(MAX_BATCH) {
                let ids = chunk.iter().map(|&i| {
                    let r = asff::record_in(&findings[i], &self.home);
                    AwsSecurityFindingIdentifier::builder().set_id(text(&r, "/Id")).set_product_arn(text(&r, "/ProductArn")).build()
                });
                let by = chunk.iter().find_map(|&i| findings[i].triage.as_ref().map(|t| t.by.clone())).unwrap_or_else(|| "vigil".into());
                let call = client
                    .batch_update_findings()
                    .set_finding_identifiers(Some(ids.collect()))
                    .workflow(WorkflowUpdate::builder().status(WorkflowStatus::from(status.as_str())).build())
                    .note(NoteUpdate::builder().text(cut(&note, 512)).updated_by(cut(&by, 512)).build());
                match call.send().await {
                    Ok(out) => {
                        for u in out.unprocessed_findings() {
                            let id = u.finding_identifier().and_then(|f| f.id()).unwrap_or_default();
                            if let Some(&i) = chunk.iter().find(|&&i| asff::id(&findings[i]) == id) {
                                ok[i] = false;
                            }
                            first_error.get_or_insert_with(|| refused(update_op(), u.error_code(), u.error_message()));
                        }
                    }
                    Err(e) => {
                        for &i in chunk {
                            ok[i] = false;
                        }
                        first_error.get_or_insert(classify(&e));
                    }
                }
            }
        }
        first_error
    }
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl ExportSink for SecurityHub {
    fn name(&self) -> &'static str {
        NAME
    }

    fn export<'a>(&'a self, findings: &'a [Finding]) -> BoxFuture<'a, (Vec<usize>, Option<AwsError>)> {
        async move {
            let mut by_region: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (i, f) in findings.iter().enumerate() {
                by_region.entry(asff::region_of(f, &self.home)).or_default().push(i);
            }
            let mut accepted = Vec::new();
            let mut first_error = None;
            for (region, members) in by_region {
                let Some(client) = self.by_region.get(region) else {
                    // A region no longer audited: its findings stay owed until it is again.
                    first_error.get_or_insert_with(|| refused(import_op(), Some("RegionNotConfigured"), Some(&format!("no Security Hub client for {region} (not in REGIONS)"))));
                    continue;
                };
                let batch: Vec<Finding> = members.iter().map(|&i| findings[i].clone()).collect();
                let (mut ok, import_error) = self.import(client, &batch).await;
                let update_error = self.update_workflows(client, &batch, &mut ok).await;
                accepted.extend(members.iter().zip(&ok).filter(|(_, ok)| **ok).map(|(&i, _)| i));
                if let Some(e) = import_error.or(update_error) {
                    first_error.get_or_insert(e);
                }
            }
            accepted.sort_unstable();
            (accepted, first_error)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Status, Triage};

    fn finding(status: Status, transition: Transition) -> Finding {
        let mut f = crate::render::testing::finding(status);
        f.transition = Some(transition);
        f
    }

    #[test]
    fn the_import_carries_the_asff_record_except_the_customers_fields() {
        let f = finding(Status::Open, Transition::New);
        let sdk = to_sdk(&f, "us-east-1");
        let r = asff::record(&f);
        assert_eq!(sdk.id(), r["Id"].as_str());
        assert_eq!(sdk.product_arn(), r["ProductArn"].as_str());
        assert_eq!(sdk.compliance().and_then(|c| c.status()), Some(&ComplianceStatus::Failed));
        assert_eq!(sdk.record_state(), Some(&RecordState::Active));
        assert_eq!(sdk.severity().and_then(|s| s.label()), Some(&SeverityLabel::from(r["Severity"]["Label"].as_str().unwrap())));
        assert_eq!(sdk.resources().len(), 1);
        assert_eq!(sdk.resources()[0].id(), r["Resources"][0]["Id"].as_str());
        assert!(sdk.workflow().is_none() && sdk.note().is_none(), "an import never sets the customer's workflow or note");
        let resolved = to_sdk(&finding(Status::Resolved, Transition::Resolved), "us-east-1");
        assert_eq!((resolved.compliance().and_then(|c| c.status()), resolved.record_state()), (Some(&ComplianceStatus::Passed), Some(&RecordState::Archived)));
    }

    #[test]
    fn only_suppression_and_its_end_change_the_workflow() {
        let mut f = finding(Status::Suppressed, Transition::Suppressed);
        f.triage = Some(Triage { by: "arn:aws:iam::123456789012:user/sec".into(), reason: "legacy partner feed".into(), at: "2026-11-01T00:00:00.000Z".into(), until: None });
        let (status, note) = workflow(&f).unwrap();
        assert_eq!(status, WorkflowStatus::Suppressed);
        assert!(note.contains("legacy partner feed") && note.contains("user/sec"), "{note}");
        assert_eq!(workflow(&finding(Status::Open, Transition::Unsuppressed)).unwrap().0, WorkflowStatus::New);
        for t in [Transition::New, Transition::Reopened, Transition::Resolved] {
            assert!(workflow(&finding(Status::Open, t)).is_none(), "{t:?}");
        }
    }
}
