//! Test harness: a real moto server on a free loopback port, the findings table and alert topic
//! created as the template defines them, and an SQS queue subscribed to the topic.
#![allow(dead_code)]

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType,
};
use serde_json::Value;
use std::net::TcpListener;
use std::path::PathBuf;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vigil::aws::{CallRecorder, Clients};
use vigil::config::Settings;
use vigil::findings::Finding;
use vigil::handler::{RunOptions, Vigil};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv that scripts/test creates (override with VIGIL_VENV).
pub fn venv_bin(tool: &str) -> PathBuf {
    let venv = std::env::var_os("VIGIL_VENV").map(PathBuf::from).unwrap_or_else(|| repo().join(".venv"));
    let path = venv.join("bin").join(tool);
    assert!(path.exists(), "{} is missing: run scripts/test, which installs the pinned tools", path.display());
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// Waits until something listens on a loopback port; `what` names it if it never does.
pub fn wait_for_port(port: u16, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A moto server process, stopped on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        let child = Command::new(venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            // Without them, moto's ~1,300 AMI backing snapshots would be the account's own.
            .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        wait_for_port(port, Duration::from_secs(30), "moto did not start");
        Moto { child, endpoint }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(vigil::aws::LazyHttpClient::default())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "vigil-tests",
        )))
        .build()
}

/// A seeded world: moto plus the table, topic and subscribed queue.
pub struct World {
    pub moto: Moto,
    pub sdk: SdkConfig,
    pub table: String,
    pub topic_arn: String,
    pub queue_url: String,
    pub ddb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl World {
    pub async fn new() -> World {
        let moto = Moto::start();
        let sdk = sdk_config(&moto.endpoint);
        let ddb = aws_sdk_dynamodb::Client::new(&sdk);
        let sns = aws_sdk_sns::Client::new(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let table = "vigil-findings".to_string();
        create_table(&ddb, &table).await;
        let topic_arn = sns.create_topic().name("vigil-alerts").send().await.unwrap().topic_arn.unwrap();
        let queue_url = sqs.create_queue().queue_name("vigil-alert-inbox").send().await.unwrap().queue_url.unwrap();
        let queue_arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:vigil-alert-inbox");
        sns.subscribe().topic_arn(&topic_arn).protocol("sqs").endpoint(queue_arn).send().await.unwrap();
        World { moto, sdk, table, topic_arn, queue_url, ddb, sqs }
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(true).build())
    }

    pub fn s3_in(&self, region: &str) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk).region(Region::new(region.to_string())).force_path_style(true).build(),
        )
    }

    /// Settings wired to this world, auditing every service moto emulates.
    pub fn settings(&self) -> Settings {
        let services = moto_services().split(',').map(str::to_string).collect();
        Settings { table_name: Some(self.table.clone()), topic_arn: Some(self.topic_arn.clone()), services, ..Settings::default() }
    }

    /// Settings auditing S3 only (the S3 tests' account has no IAM seeding).
    pub fn s3_settings(&self) -> Settings {
        self.only(&["s3"])
    }

    /// Settings auditing only these services.
    pub fn only(&self, services: &[&str]) -> Settings {
        Settings { services: services.iter().map(|s| s.to_string()).collect(), ..self.settings() }
    }

    /// The handler as the Lambda builds it, with these settings.
    pub fn vigil(&self, settings: Settings) -> Vigil {
        Vigil::new(settings, Clients::new(&self.sdk, CallRecorder::from_env()), ACCOUNT.to_string())
    }

    /// Every stored finding (a test-only Scan).
    pub async fn items(&self) -> Vec<Finding> {
        let out = self.ddb.scan().table_name(&self.table).send().await.unwrap();
        serde_dynamo::from_items(out.items().to_vec()).unwrap()
    }

    pub async fn item(&self, bucket: &str, check: &str) -> Option<Finding> {
        self.items().await.into_iter().find(|f| f.resource_id == bucket && f.check_id == check)
    }

    /// Drains the alert queue: the `sqs` payloads SNS delivered.
    pub async fn alerts(&self) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let got = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .send()
                .await
                .unwrap();
            let msgs = got.messages();
            if msgs.is_empty() {
                break;
            }
            for m in msgs {
                let envelope: Value = serde_json::from_str(m.body().unwrap()).unwrap();
                let inner = envelope["Message"].as_str().unwrap_or_default();
                let mut payload: Value = serde_json::from_str(inner).unwrap_or(Value::String(inner.to_string()));
                if let Some(obj) = payload.as_object_mut() {
                    obj.insert("_subject".into(), envelope["Subject"].clone());
                    obj.insert("_attributes".into(), envelope["MessageAttributes"].clone());
                }
                out.push(payload);
                self.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
            }
        }
        out
    }
}

/// Every registered service but those moto does not emulate (IAM Access Analyzer, whose tests
/// answer through the fault proxy), as `SERVICES` takes them.
pub fn moto_services() -> String {
    vigil::services::all().iter().map(|s| s.name()).filter(|n| *n != "accessanalyzer").collect::<Vec<_>>().join(",")
}

/// Creates the findings table with the template's key schema and indexes.
pub async fn create_table(ddb: &aws_sdk_dynamodb::Client, name: &str) {
    let attr = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap();
    let key = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build().unwrap();
    ddb.create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("resource_arn"))
        .attribute_definitions(attr("check_id"))
        .attribute_definitions(attr("status_severity"))
        .attribute_definitions(attr("opened_at"))
        .attribute_definitions(attr("export_due"))
        .attribute_definitions(attr("shard"))
        .key_schema(key("resource_arn", KeyType::Hash))
        .key_schema(key("check_id", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(vigil::store::GSI_NAME)
                .key_schema(key("status_severity", KeyType::Hash))
                .key_schema(key("opened_at", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(vigil::store::EXPORT_GSI_NAME)
                .key_schema(key("export_due", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(vigil::store::SHARD_GSI_NAME)
                .key_schema(key("shard", KeyType::Hash))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Opens TCP `port` of a security group to the whole IPv4 internet.
pub async fn open_to_world(ec2: &aws_sdk_ec2::Client, group: &str, port: i32) {
    let rule = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress().group_id(group).ip_permissions(rule).send().await.unwrap();
}

/// Bucket seeding helpers.
pub async fn bucket(s3: &aws_sdk_s3::Client, name: &str) {
    s3.create_bucket().bucket(name).send().await.unwrap();
}

pub async fn bucket_policy(s3: &aws_sdk_s3::Client, name: &str, policy: Value) {
    s3.put_bucket_policy().bucket(name).policy(policy.to_string()).send().await.unwrap();
}

/// A bucket whose policy lets anyone read it (a CRITICAL `s3_bucket_public_policy`).
pub async fn public_bucket(s3: &aws_sdk_s3::Client, name: &str) {
    bucket(s3, name).await;
    bucket_policy(s3, name, public_read(name)).await;
}

pub fn public_read(name: &str) -> Value {
    serde_json::json!({"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":format!("arn:aws:s3:::{name}/*")}]})
}

pub fn tls_only(name: &str) -> Value {
    serde_json::json!({"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*",
        "Resource":[format!("arn:aws:s3:::{name}"), format!("arn:aws:s3:::{name}/*")],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]})
}

/// Makes a bucket pass every S3 check.
pub async fn harden(s3: &aws_sdk_s3::Client, name: &str) {
    use aws_sdk_s3::types::*;
    s3.put_public_access_block()
        .bucket(name)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    default_encryption(s3, name, aws_sdk_s3::types::ServerSideEncryption::AwsKms).await;
    s3.put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .unwrap();
    bucket_policy(s3, name, tls_only(name)).await;
}

/// Sets the bucket's default encryption algorithm.
pub async fn default_encryption(s3: &aws_sdk_s3::Client, name: &str, algorithm: aws_sdk_s3::types::ServerSideEncryption) {
    use aws_sdk_s3::types::*;
    let by_default = ServerSideEncryptionByDefault::builder().sse_algorithm(algorithm).build().unwrap();
    let rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build();
    s3.put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(ServerSideEncryptionConfiguration::builder().rules(rule).build().unwrap())
        .send()
        .await
        .unwrap();
}

pub async fn tag(s3: &aws_sdk_s3::Client, name: &str, key: &str, value: &str) {
    use aws_sdk_s3::types::{Tag, Tagging};
    s3.put_bucket_tagging()
        .bucket(name)
        .tagging(Tagging::builder().tag_set(Tag::builder().key(key).value(value).build().unwrap()).build().unwrap())
        .send()
        .await
        .unwrap();
}

/// Loads an event file from events/.
pub fn event(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(repo().join("events").join(path)).unwrap()).unwrap()
}

/// A CloudTrail event for `name` on `bucket`, built from the committed sample.
pub fn s3_event(name: &str, bucket: &str) -> Value {
    let mut e = event(&format!("s3/{name}.json"));
    e["detail"]["requestParameters"]["bucketName"] = Value::String(bucket.to_string());
    e
}

/// Runs the `vigil` CLI against this world; returns (exit ok, stdout, stderr).
pub fn cli(world: &World, args: &[&str], extra_env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(vigil_bin());
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env("AWS_ENDPOINT_URL", &world.moto.endpoint)
        .env("TABLE_NAME", &world.table)
        .env("TOPIC_ARN", &world.topic_arn)
        .env("SERVICES", moto_services());
    if let Some(log) = std::env::var_os("VIGIL_OPS_LOG") {
        cmd.env("VIGIL_OPS_LOG", log);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run vigil");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The template as JSON, decoded by cfn-lint (which understands the short-form intrinsic tags).
pub fn template() -> Value {
    template_file("template.yaml")
}

/// A CloudFormation template of the repository, decoded as cfn-lint decodes it.
pub fn template_file(name: &str) -> Value {
    let out = Command::new(venv_bin("python"))
        .args(["-c", "import json,sys; from cfnlint.decode import decode; t,m=decode(sys.argv[1]); assert not m, m; print(json.dumps(t))"])
        .arg(repo().join(name))
        .output()
        .expect("run cfn-lint's decoder");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The built `vigil` binary (tests get its path from cargo; examples find it beside themselves).
pub fn vigil_bin() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_vigil") {
        Some(p) => PathBuf::from(p),
        None => beside_me("vigil"),
    }
}

/// The built Lambda `bootstrap` binary, found the same way.
pub fn bootstrap_bin() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_bootstrap") {
        Some(p) => PathBuf::from(p),
        None => beside_me("bootstrap"),
    }
}

fn beside_me(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") || dir.ends_with("examples") {
        dir.pop();
    }
    dir.join(name)
}

/// cargo-lambda's Lambda emulator (`cargo lambda watch --only-lambda-apis`) driving the
/// `bootstrap` binary this build already made, so the AWS SDK is never compiled a second time.
/// Both processes are stopped on drop.
pub struct Watch {
    emulator: Child,
    function: Child,
    pub port: u16,
}

impl Watch {
    pub fn start(w: &World) -> Watch {
        Self::start_with(w, &[])
    }

    /// The emulator and function, with extra environment for the function (settings).
    pub fn start_with(w: &World, env: &[(&str, &str)]) -> Watch {
        let port = free_port();
        let emulator = Command::new(venv_bin("cargo-lambda"))
            .args(["lambda", "watch", "--only-lambda-apis", "--invoke-port", &port.to_string()])
            .current_dir(repo())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start cargo lambda watch");
        wait_for_port(port, Duration::from_secs(60), "cargo lambda watch did not listen");
        let mut function = Command::new(bootstrap_bin());
        function
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{port}/.rt/bootstrap"))
            .env("AWS_LAMBDA_FUNCTION_NAME", "bootstrap")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env("AWS_ENDPOINT_URL", &w.moto.endpoint)
            .env("TABLE_NAME", &w.table)
            .env("TOPIC_ARN", &w.topic_arn)
            .env("SERVICES", moto_services())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        if let Some(log) = std::env::var_os("VIGIL_OPS_LOG") {
            function.env("VIGIL_OPS_LOG", log);
        }
        for (k, v) in env {
            function.env(k, v);
        }
        let function = function.spawn().expect("start the bootstrap binary");
        Watch { emulator, function, port }
    }

    /// Invokes the function with an events/ file; returns its JSON response.
    pub fn invoke(&self, file: &str) -> Value {
        self.try_invoke(file).unwrap_or_else(|e| panic!("invoke {file} failed: {e}"))
    }

    /// Invokes and returns the response, or the invocation's error text.
    pub fn try_invoke(&self, file: &str) -> Result<Value, String> {
        let out = Command::new(venv_bin("cargo-lambda"))
            .args(["lambda", "invoke", "bootstrap", "--invoke-port", &self.port.to_string(), "--output-format", "json"])
            .arg("--data-file")
            .arg(repo().join("events").join(file))
            .output()
            .expect("cargo lambda invoke");
        if !out.status.success() {
            return Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        for child in [&mut self.function, &mut self.emulator] {
            let _ = Command::new("kill").arg("--").arg(format!("-{}", child.id())).status();
            let _ = child.wait();
        }
    }
}


/// The faulty HTTP proxy (`tests/faultproxy.py`) between vigil and moto, stopped on drop.
pub struct Proxy {
    child: Child,
    port: u16,
    pub endpoint: String,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let port = free_port();
        let child = Command::new(venv_bin("python"))
            .arg(repo().join("tests/faultproxy.py"))
            .arg(port.to_string())
            .arg(upstream)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the fault proxy");
        wait_for_port(port, Duration::from_secs(20), "the fault proxy did not listen");
        Proxy { child, port, endpoint: format!("http://127.0.0.1:{port}") }
    }

    pub fn control(&self, method: &str, body: &Value) -> Value {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let body = body.to_string();
        write!(s, "{method} /__faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        serde_json::from_str(out.split_once("\r\n\r\n").unwrap().1).unwrap()
    }

    pub fn inject(&self, rules: Value) {
        self.control("POST", &serde_json::json!({ "rules": rules }));
    }

    pub fn clear(&self) {
        self.control("DELETE", &serde_json::json!({}));
    }

    /// `service:Operation` of every request a fault hit.
    pub fn hits(&self) -> std::collections::BTreeSet<String> {
        let out = self.control("GET", &serde_json::json!({}));
        out["hits"].as_array().unwrap().iter().map(|h| format!("{}:{}", h[0].as_str().unwrap(), h[1].as_str().unwrap())).collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}


pub fn at(t: &str) -> RunOptions {
    RunOptions { as_of: Some(chrono::DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&chrono::Utc)), ..Default::default() }
}

/// A role Lambda may assume, for functions the tests create.
pub async fn lambda_role(w: &World) -> String {
    let iam = aws_sdk_iam::Client::new(&w.sdk);
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    iam.create_role().role_name("fn-role").assume_role_policy_document(trust.to_string()).send().await.unwrap().role.unwrap().arn
}

/// Creates a function with an empty ZIP archive (moto stores the code and never runs it here).
pub async fn create_function(client: &aws_sdk_lambda::Client, name: &str, runtime: &str, role: &str) {
    // The 22-byte end-of-central-directory record: a valid, empty ZIP archive.
    let mut zip = b"PK\x05\x06".to_vec();
    zip.extend([0u8; 18]);
    client
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::from(runtime))
        .role(role)
        .handler("app.handler")
        .code(aws_sdk_lambda::types::FunctionCode::builder().zip_file(aws_smithy_types::Blob::new(zip)).build())
        .send()
        .await
        .unwrap();
}

/// Lets every AWS account (`None`) or one account restore an EBS snapshot. moto reads the request's
/// OperationType, GroupNames and UserIds (AWS accepts them too).
pub async fn share_snapshot(ec2: &aws_sdk_ec2::Client, snapshot: &str, account: Option<&str>) {
    let req = ec2
        .modify_snapshot_attribute()
        .snapshot_id(snapshot)
        .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
        .operation_type(aws_sdk_ec2::types::OperationType::Add);
    match account {
        Some(a) => req.user_ids(a),
        None => req.group_names("all"),
    }
    .send()
    .await
    .unwrap();
}
