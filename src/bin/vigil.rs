//! The `vigil` CLI: scan an account from a laptop, replay events through the Lambda's handler, list checks and findings.

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::Value;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use vigil::engine::{Progress, RunReport};
use vigil::error::{cause_chain, HandlerError};
use vigil::findings::Status;
use vigil::handler::{RunOptions, Vigil};
use vigil::model::Severity;

#[derive(Parser)]
#[command(
    name = "vigil",
    version,
    about = "AWS security auditor: full scans, event re-audits, findings with a lifecycle",
    after_help = vigil::config::settings_help()
)]
struct Cli {
    /// On failure, also print the full chain of causes.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ComplianceFormat {
    Table,
    Json,
    Csv,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogueFormat {
    Table,
    Markdown,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Output format (table with a summary, vigil's JSON, CSV, OCSF JSON Lines, or ASFF).
    #[arg(long, value_enum, default_value = "table")]
    format: vigil::render::Format,
    /// Write the output to this file instead of standard output.
    #[arg(long = "out", value_name = "FILE")]
    out_file: Option<PathBuf>,
    #[command(flatten)]
    opts: RunOpts,
}

#[derive(clap::Args)]
struct RunOpts {
    /// Audit and report, but write nothing and publish nothing.
    #[arg(long)]
    dry_run: bool,
    /// Audit as if it were this time (RFC 3339), for time-based checks.
    #[arg(long, value_parser = parse_time)]
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// Accounts to scan: self, comma-separated ids, or organization (sets ACCOUNTS).
    #[arg(long)]
    accounts: Option<String>,
    /// The role to assume in each member account (sets MEMBER_ROLE_NAME).
    #[arg(long)]
    role_name: Option<String>,
    /// The ExternalId the member role requires (sets MEMBER_EXTERNAL_ID).
    #[arg(long)]
    external_id: Option<String>,
}

impl RunOpts {
    fn options(&self, progress: Option<Arc<dyn Progress>>) -> RunOptions {
        RunOptions { as_of: self.as_of, dry_run: self.dry_run.then_some(true), progress, ..RunOptions::default() }
    }

    /// Puts the account flags where the settings read them, before anything reads the settings.
    fn export_settings(&self) {
        for (var, value) in [("ACCOUNTS", &self.accounts), ("MEMBER_ROLE_NAME", &self.role_name), ("MEMBER_EXTERNAL_ID", &self.external_id)] {
            if let Some(v) = value {
                std::env::set_var(var, v);
            }
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Full scan of every supported resource in the configured regions.
    Scan(RunArgs),
    /// Audit the resources with these ARNs.
    Audit {
        #[arg(required = true)]
        arns: Vec<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Run the Lambda's handler on an event file.
    Event {
        file: PathBuf,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Print the router's decision for an event file, without calling AWS.
    Route { file: PathBuf },
    /// List the settings (environment variables), as the README's configuration table.
    Settings,
    /// List the check catalogue, service by service.
    Checks {
        #[arg(long, value_enum, default_value = "table")]
        format: CatalogueFormat,
    },
    /// Full scan, then write audit.json (findings, summary, privilege escalation paths) and
    /// recommendations.json (least-privilege changes per principal) to a directory.
    Report {
        /// The directory to write to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also write the findings in this format (findings.csv, findings.ocsf.jsonl,
        /// findings.asff.json, report.html).
        #[arg(long, value_enum)]
        format: Option<vigil::render::Format>,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// List stored findings.
    Findings {
        #[arg(long, value_parser = parse_status)]
        status: Option<Status>,
        #[arg(long, value_parser = parse_severity)]
        severity: Option<Severity>,
        #[arg(long, value_enum, default_value = "table")]
        format: vigil::render::Format,
        /// Write the output to this file instead of standard output.
        #[arg(long = "out", value_name = "FILE")]
        out_file: Option<PathBuf>,
    },
    /// A compliance report: every control of a framework with pass, fail or not evaluated (and
    /// why), and the failing resources; from the findings table, or from a scan with --live (the
    /// default without TABLE_NAME).
    Compliance {
        /// cis-3.0, cis-5.0 or fsbp.
        #[arg(long, value_parser = parse_framework, required_unless_present = "coverage")]
        framework: Option<vigil::compliance::Framework>,
        #[arg(long, value_enum, default_value = "table")]
        format: ComplianceFormat,
        /// Write the report to this file instead of standard output.
        #[arg(long = "out", value_name = "FILE")]
        out_file: Option<PathBuf>,
        /// Scan now instead of reading the findings table.
        #[arg(long)]
        live: bool,
        /// Print which checks cover each CIS recommendation, as docs/compliance/cis-aws-foundations.md.
        #[arg(long, conflicts_with_all = ["framework", "live"])]
        coverage: bool,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Accept a finding's risk: it stays SUPPRESSED and never alerts, until --until (a date or
    /// RFC 3339 time) or until withdrawn; who and why are kept on the finding.
    Suppress {
        /// The resource's ARN, as the finding shows it.
        resource: String,
        /// The check id.
        check: String,
        #[arg(long)]
        reason: String,
        #[arg(long, value_parser = parse_until)]
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Withdraw an accepted risk, then audit the resource: the finding returns to the normal
    /// lifecycle (and alerts, if it still fails at an alerting severity).
    Unsuppress {
        resource: String,
        check: String,
    },
    /// Ask the policy engine about one request (--action and --resource), or run the IAM
    /// permission checks on policies (--check): for a live user or role (--principal ARN), or
    /// offline on policy documents (--policy FILE…). --check exits 1 when a check fails.
    Simulate(SimulateArgs),
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// A user or role whose policies are read from the account.
    #[arg(long, conflicts_with = "policy", required_unless_present = "policy")]
    principal: Option<String>,
    /// Policy documents standing for the principal's identity policies (offline; repeatable).
    #[arg(long, value_name = "FILE")]
    policy: Vec<PathBuf>,
    /// A permissions boundary document (offline).
    #[arg(long, value_name = "FILE", requires = "policy")]
    boundary: Option<PathBuf>,
    #[arg(long, requires = "resource", required_unless_present = "check")]
    action: Option<String>,
    #[arg(long, requires = "action")]
    resource: Option<String>,
    /// A context key the request fixes, as key=value (repeatable), e.g. iam:PassedToService=ec2.amazonaws.com.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_key_value)]
    context: Vec<(String, String)>,
    /// Run the IAM permission checks on the policies instead of deciding one request.
    #[arg(long, conflicts_with = "action")]
    check: bool,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err("expected key=value".into()),
    }
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&chrono::Utc)).map_err(|e| format!("{e} (expected RFC 3339, e.g. 2026-11-21T00:00:00Z)"))
}

/// `--until`: a date (midnight UTC) or an RFC 3339 time.
fn parse_until(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
        Err(_) => parse_time(s),
    }
}

fn parse_status(s: &str) -> Result<Status, String> {
    Status::parse(s).ok_or_else(|| "expected OPEN, RESOLVED or SUPPRESSED".into())
}

fn parse_framework(s: &str) -> Result<vigil::compliance::Framework, String> {
    vigil::compliance::Framework::parse(s).ok_or_else(|| "expected cis-3.0, cis-5.0 or fsbp".into())
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| "expected INFO, LOW, MEDIUM, HIGH or CRITICAL".into())
}

/// Draws a progress bar on stderr.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.inc_length(total);
    }
    fn advance(&self) {
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .init();
    let cli = Cli::parse();
    let verbose = cli.verbose;
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_line(e.as_ref()));
            if verbose {
                eprintln!("caused by: {}", cause_chain(e.as_ref()));
            }
            ExitCode::FAILURE
        }
    }
}

/// The first thing a user reads: the cause and the fix, on one line.
fn one_line(e: &(dyn std::error::Error + 'static)) -> String {
    match e.downcast_ref::<HandlerError>() {
        Some(HandlerError::Transient(a) | HandlerError::Fatal(a)) => a.explain(),
        _ => e.to_string(),
    }
}

type AnyError = Box<dyn std::error::Error>;

fn read_event(file: &PathBuf) -> Result<Vec<u8>, AnyError> {
    std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()).into())
}

async fn run(cli: Cli) -> Result<ExitCode, AnyError> {
    match cli.command {
        Command::Route { file } => {
            let decision = vigil::router::route_bytes(&read_event(&file)?)?;
            println!("{}", serde_json::to_string(&decision)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Checks { format } => {
            match format {
                CatalogueFormat::Markdown => print!("{}", vigil::check::catalogue_markdown()),
                CatalogueFormat::Table => {
                    println!("{:<8}  {:<44}  {:<8}  {:<22}  TITLE", "SERVICE", "ID", "SEVERITY", "RESOURCE TYPES");
                    for service in vigil::services::all() {
                        for c in service.checks() {
                            let types: Vec<&str> = c.resource_types.iter().map(|t| t.as_str().trim_start_matches("AWS::")).collect();
                            println!("{:<8}  {:<44}  {:<8}  {:<22}  {}", service.name(), c.id, c.severity, types.join(","), c.title);
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Settings => {
            print!("{}", vigil::config::settings_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan(run) => execute(serde_json::json!({"scan": "full"}), run, true).await,
        Command::Audit { arns, run } => execute(serde_json::json!({"resources": arns}), run, false).await,
        Command::Event { file, run } => {
            let event: Value = serde_json::from_slice(&read_event(&file)?).map_err(|e| format!("malformed event JSON: {e}"))?;
            execute(event, run, false).await
        }
        Command::Report { out, format, opts } => {
            let vigil = Vigil::from_env().await?;
            let report = vigil.handle(&serde_json::json!({"scan": "full"}), &opts.options(None)).await?;
            std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
            let write = |name: &str, v: &Value| -> Result<(), AnyError> {
                let path = out.join(name);
                std::fs::write(&path, serde_json::to_string_pretty(v)?).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok(())
            };
            let audit = vigil::report::audit_document(&report, vigil.account_id().unwrap_or_default());
            write("audit.json", &audit)?;
            write("recommendations.json", &vigil::report::recommendations(&report.findings))?;
            let extra = match format {
                Some(vigil::render::Format::Csv) => Some("findings.csv"),
                Some(vigil::render::Format::Ocsf) => Some("findings.ocsf.jsonl"),
                Some(vigil::render::Format::Asff) => Some("findings.asff.json"),
                Some(vigil::render::Format::Html) => Some("report.html"),
                Some(vigil::render::Format::Json | vigil::render::Format::Table) | None => None,
            };
            if let (Some(name), Some(f)) = (extra, format) {
                emit(f, &report.findings, Some(&report), Some(&out.join(name)))?;
                println!("Wrote {}", out.join(name).display());
            }
            let paths = audit["privilege_escalation_paths"].as_array().map_or(0, Vec::len);
            println!(
                "Wrote {0}/audit.json ({1} findings, {paths} escalation paths) and {0}/recommendations.json",
                out.display(),
                report.findings.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate(args) => simulate(args).await,
        Command::Suppress { resource, check, reason, until } => {
            let vigil = Vigil::from_env().await?;
            let triage = vigil::findings::Triage {
                by: vigil.clients.caller_arn().await?,
                reason,
                at: vigil::model::timestamp(chrono::Utc::now()),
                until: until.map(vigil::model::timestamp),
            };
            let exports = vigil.exports();
            let names: Vec<&'static str> = exports.iter().map(|s| s.name()).collect();
            let change = triage_change(&vigil, &resource, &check, |prev| vigil::findings::accept(prev, triage, &names)).await?;
            println!("{} on {}: SUPPRESSED, {}", check, resource, change.finding.triage.as_ref().map(vigil::findings::Triage::describe).unwrap_or_default());
            if !change.finding.exports_pending.is_empty() {
                let store = vigil.store().map(|s| s as &dyn vigil::engine::ports::FindingStore);
                let delivery = vigil::sinks::deliver(store, &exports, vec![change.finding.clone()]).await;
                for (sink, e) in &delivery.failures {
                    eprintln!("{sink}: not exported yet ({}); the next audit sends it", e.explain());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Unsuppress { resource, check } => {
            let vigil = Vigil::from_env().await?;
            triage_change(&vigil, &resource, &check, vigil::findings::withdraw).await?;
            vigil.handle(&serde_json::json!({"resources": [resource]}), &RunOptions::default()).await?;
            let store = vigil.store().ok_or("TABLE_NAME is not set: there is no findings table")?;
            let items = store.for_resource(&resource).await?;
            let status = items.iter().find(|f| f.check_id == check).map_or("gone", |f| f.status.as_str());
            println!("{check} on {resource}: accepted risk withdrawn; now {status}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Compliance { framework, format, out_file, live, coverage, opts } => {
            use vigil::compliance::{self, report::{ComplianceReport, Evidence}, Framework};
            if coverage {
                print!("{}", compliance::coverage_markdown(&[Framework::Cis3, Framework::Cis5]));
                return Ok(ExitCode::SUCCESS);
            }
            let framework = framework.ok_or("--framework is required")?;
            let vigil = Vigil::from_env().await?;
            let mut failed_reads = std::collections::BTreeMap::new();
            let mut run = None;
            let (findings, from) = match vigil.store().filter(|_| !live) {
                Some(store) => {
                    let mut findings = store.list(Some(Status::Open), None).await?;
                    findings.extend(store.list(Some(Status::Suppressed), None).await?);
                    (findings, "findings table")
                }
                None => {
                    let report = vigil.handle(&serde_json::json!({"scan": "full"}), &opts.options(None)).await?;
                    for e in report.audit_errors.iter().filter(|e| !e.is_infrastructure()) {
                        failed_reads.entry(e.operation.service.to_string()).or_insert_with(|| e.operation.to_string());
                    }
                    let findings = report.findings.clone();
                    run = Some(report);
                    (findings, "live scan")
                }
            };
            let evaluated = run.as_ref().map(|r| &r.evaluated_by_check);
            let evidence = Evidence { findings: &findings, audited: vigil.settings.services.clone(), failed_reads, evaluated };
            let report = ComplianceReport::new(framework, &evidence, from, vigil::model::timestamp(chrono::Utc::now()));
            let text = match format {
                ComplianceFormat::Table => report.table(),
                ComplianceFormat::Json => report.json()? + "\n",
                ComplianceFormat::Csv => report.csv()?,
                ComplianceFormat::Html => report.html(),
            };
            match out_file {
                Some(path) => std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Findings { status, severity, format, out_file } => {
            let vigil = Vigil::from_env().await?;
            let store = vigil.store().ok_or("TABLE_NAME is not set: there is no findings table to read")?;
            let findings = store.list(status, severity).await?;
            emit(format, &findings, None, out_file.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn execute(event: Value, args: RunArgs, progress: bool) -> Result<ExitCode, AnyError> {
    args.opts.export_settings();
    let vigil = Vigil::from_env().await?;
    let style = || {
        indicatif::ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos}/{len} resources ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    };
    let mut opts = args.opts.options(None);
    if progress && std::io::stderr().is_terminal() {
        // One bar per account, all drawn together.
        let bars = indicatif::MultiProgress::new();
        opts.progress_for = Some(Arc::new(move |account: &str| {
            let pb = bars.add(indicatif::ProgressBar::new(0).with_style(style()).with_prefix(format!("auditing {account}")));
            Arc::new(Bar(pb)) as Arc<dyn Progress>
        }));
    }
    let report: RunReport = vigil.handle(&event, &opts).await?;
    match (&report.ignored_reason, args.format) {
        (Some(reason), vigil::render::Format::Table) => println!("Ignored: {reason}"),
        _ => emit(args.format, &report.findings, Some(&report), args.out_file.as_deref())?,
    }
    if let (vigil::render::Format::Table, Some(kib)) = (args.format, peak_rss_kib()) {
        println!("Peak RSS: {:.1} MiB", kib as f64 / 1024.0);
    }
    // A batch of queued shards with messages to retry (as SQS would be told): exit 2.
    if report.batch_item_failures.as_ref().is_some_and(|f| !f.is_empty()) {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// This process's peak resident set (Linux `VmHWM`), for the summary and the benchmarks: a
/// parent's `wait4` would count the memory the parent had when it forked.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Reads the finding of `check` on `resource`, applies `change` to it, and writes it back on the
/// condition that nothing changed it meanwhile.
async fn triage_change(
    vigil: &Vigil,
    resource: &str,
    check: &str,
    change: impl FnOnce(&vigil::findings::Finding) -> Result<vigil::findings::Change, String>,
) -> Result<vigil::findings::Change, AnyError> {
    let store = vigil.store().ok_or("TABLE_NAME is not set: there is no findings table")?;
    let items = store.for_resource(resource).await?;
    let prev = items.iter().find(|f| f.check_id == check).ok_or_else(|| format!("no finding of {check} on {resource}"))?;
    let change = change(prev)?;
    store.commit(std::slice::from_ref(&change)).await.into_iter().next().unwrap_or(Ok(()))?;
    Ok(change)
}

/// Renders findings in `format` to `out`, or to standard output.
fn emit(format: vigil::render::Format, findings: &[vigil::findings::Finding], run: Option<&RunReport>, out: Option<&std::path::Path>) -> Result<(), AnyError> {
    let text = vigil::render::render(format, findings, run, &vigil::render::Context { now: chrono::Utc::now() })?;
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

async fn simulate(args: SimulateArgs) -> Result<ExitCode, AnyError> {
    use vigil::policy::engine::Verdict;
    use vigil::services::iam::simulate;
    let read_doc = |path: &PathBuf| -> Result<(String, vigil::policy::PolicyDocument), AnyError> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc = vigil::policy::PolicyDocument::parse(&text).map_err(|e| format!("{} is not a policy document: {e}", path.display()))?;
        Ok((path.display().to_string(), doc))
    };
    let (principal, ctx) = match &args.principal {
        None => {
            let docs = args.policy.iter().map(read_doc).collect::<Result<Vec<_>, _>>()?;
            let boundary = args.boundary.as_ref().map(read_doc).transpose()?;
            let account = "000000000000";
            let settings = vigil::config::Settings::default();
            let ctx = vigil::check::Context::new(&settings, account, "aws", chrono::Utc::now());
            (simulate::offline_principal(docs, boundary, account), ctx)
        }
        Some(arn) => {
            let vigil = Vigil::from_env().await?;
            let account = vigil.account_id().unwrap_or_default().to_string();
            let (service, resource) = vigil::services::parse_arn_with_service(arn).ok_or_else(|| format!("{arn} is not the ARN of a user or role"))?;
            let cx = vigil::service::ReadCx::new(&vigil.clients, &vigil.settings, &account);
            let target = vigil::router::Target { resource, focus: vigil::router::Focus::EVERYTHING, service: service.name() };
            let mut principal = None;
            for read in service.read(&cx, &target).await {
                match read {
                    vigil::service::Read::Found(snapshot) => {
                        let any: &dyn std::any::Any = snapshot.subject.as_ref();
                        principal = any.downcast_ref::<vigil::services::iam::snapshot::Principal>().cloned();
                        if let Some(f) = snapshot.failures.first() {
                            return Err(f.error.explain().into());
                        }
                    }
                    vigil::service::Read::Failed(f) => return Err(f.error.explain().into()),
                    vigil::service::Read::Gone(_) => return Err(format!("{arn} does not exist").into()),
                    _ => {}
                }
            }
            let principal = principal.ok_or_else(|| format!("{arn} is not a user or role vigil audits"))?;
            let ctx = vigil::check::Context::new(&vigil.settings, &account, cx.partition(), chrono::Utc::now());
            (principal, ctx)
        }
    };
    if args.check {
        let results = simulate::check(&principal, &ctx);
        let failed: Vec<_> = results.iter().filter_map(|(c, o)| match o {
            vigil::check::Outcome::Fail(f) => Some((c, f)),
            vigil::check::Outcome::Pass => None,
        }).collect();
        match args.format {
            Format::Json => {
                let out: Vec<Value> = failed
                    .iter()
                    .map(|(c, f)| serde_json::json!({"check": c.id, "severity": f.severity.unwrap_or(c.severity), "title": c.title, "detail": f.detail}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            }
            Format::Table => {
                for (c, f) in &failed {
                    println!("{:<8}  {}: {}", f.severity.unwrap_or(c.severity), c.id, f.detail);
                }
                println!("{} checks evaluated, {} failed", results.len(), failed.len());
            }
        }
        return Ok(if failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    let (Some(action), Some(resource)) = (&args.action, &args.resource) else {
        return Err("give --action and --resource, or --check".into());
    };
    let verdict = simulate::decide(&principal, action, resource, &args.context, ctx.now).ok_or("the principal's policies could not be read")?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&verdict)?),
        Format::Table => match verdict {
            Verdict::Allowed(g) if g.gates.is_empty() => println!("allowed\n  by: {}", g.sources.join("; ")),
            Verdict::Allowed(g) => println!("allowed only when: {}\n  by: {}", g.gates.join(" and "), g.sources.join("; ")),
            Verdict::ExplicitlyDenied { by } => println!("denied explicitly\n  by: {by}"),
            Verdict::ImplicitlyDenied => println!("denied implicitly: no statement allows it"),
        },
    }
    Ok(ExitCode::SUCCESS)
}
