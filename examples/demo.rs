//! The demo: a misconfigured account in moto, scanned through the real Lambda handler under
//! cargo-lambda's emulator; prints the findings and the alerts SNS delivered, then makes one
//! bucket public, sends the matching CloudTrail event, and prints the single new alert.
//!
//! Run it with `scripts/demo`, which installs the tools first.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use serde_json::Value;

fn summary(v: &Value) -> String {
    format!(
        "{} resources audited, {} checks evaluated ({} passed), {} alerts sent, {} AWS calls, {} ms",
        v["resources_audited"],
        v["evaluated"],
        v["passed"],
        v["alerts_sent"],
        v["calls"]["operations"].as_object().map(|o| o.values().filter_map(Value::as_u64).sum::<u64>()).unwrap_or(0),
        v["wall_ms"]
    )
}

fn print_alerts(alerts: &[Value]) {
    for a in alerts {
        println!("--- Subject: {}", a["_subject"].as_str().unwrap_or_default());
        println!("{}", a["text"].as_str().unwrap_or_default());
    }
}

#[tokio::main]
async fn main() {
    println!("== vigil demo: a local AWS account in moto, audited through the Lambda handler\n");
    let w = World::new().await;
    println!("moto server at {}; findings table {:?}; alert topic {} (an SQS queue is subscribed)", w.moto.endpoint, w.table, w.topic_arn);

    let s3 = w.s3();
    for name in ["vigil-demo-website", "vigil-demo-archive"] {
        bucket(&s3, name).await;
        harden(&s3, name).await;
    }
    bucket(&s3, "vigil-demo-reports").await;
    bucket_policy(&s3, "vigil-demo-reports", public_read("vigil-demo-reports")).await;
    bucket(&s3, "vigil-demo-uploads").await;
    s3.put_bucket_acl().bucket("vigil-demo-uploads").acl(aws_sdk_s3::types::BucketCannedAcl::PublicReadWrite).send().await.unwrap();
    bucket(&s3, "vigil-demo-shared").await;
    harden(&s3, "vigil-demo-shared").await;
    let mut shared = tls_only("vigil-demo-shared");
    shared["Statement"].as_array_mut().unwrap().push(serde_json::json!({"Sid":"VendorRead","Effect":"Allow",
        "Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["s3:GetObject","s3:ListBucket"],
        "Resource":["arn:aws:s3:::vigil-demo-shared","arn:aws:s3:::vigil-demo-shared/*"]}));
    bucket_policy(&s3, "vigil-demo-shared", shared).await;
    bucket(&s3, "vigil-demo-breakglass").await;
    bucket_policy(&s3, "vigil-demo-breakglass", public_read("vigil-demo-breakglass")).await;
    tag(&s3, "vigil-demo-breakglass", "EmergencyAccess", "true").await;
    println!("seeded 6 buckets: website and archive clean; reports public by policy; uploads public by ACL;");
    println!("  shared granted to another account; breakglass public but tagged EmergencyAccess=true");

    let iam = aws_sdk_iam::Client::new(&w.sdk);
    let doc = |s: serde_json::Value| serde_json::json!({"Version":"2012-10-17","Statement":s}).to_string();
    iam.create_user().user_name("ops-admin").send().await.unwrap();
    iam.attach_user_policy().user_name("ops-admin").policy_arn("arn:aws:iam::aws:policy/AdministratorAccess").send().await.unwrap();
    iam.create_login_profile().user_name("ops-admin").password("Demo-Passw0rd!").send().await.unwrap();
    iam.create_user().user_name("ci-deployer").send().await.unwrap();
    for (name, actions) in [("pass-roles", serde_json::json!(["iam:PassRole"])), ("functions", serde_json::json!(["lambda:CreateFunction", "lambda:InvokeFunction"]))] {
        let policy = doc(serde_json::json!([{"Effect":"Allow","Action":actions,"Resource":"*"}]));
        iam.put_user_policy().user_name("ci-deployer").policy_name(name).policy_document(policy).send().await.unwrap();
    }
    let vendor = doc(serde_json::json!([{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]));
    iam.create_role().role_name("vendor-audit").assume_role_policy_document(vendor).send().await.unwrap();
    println!("seeded IAM: ops-admin (AdministratorAccess, console password, no MFA); ci-deployer (PassRole in one");
    println!("  policy, lambda:CreateFunction+InvokeFunction in another: an escalation path); vendor-audit role");
    println!("  trusting another account without an ExternalId; no password policy");

    let ec2 = aws_sdk_ec2::Client::new(&w.sdk);
    let vpc = ec2.create_vpc().cidr_block("10.40.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    let igw = ec2.create_internet_gateway().send().await.unwrap().internet_gateway.unwrap().internet_gateway_id.unwrap();
    ec2.attach_internet_gateway().vpc_id(&vpc).internet_gateway_id(&igw).send().await.unwrap();
    let main = ec2
        .describe_route_tables()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string();
    ec2.create_route().route_table_id(&main).destination_cidr_block("0.0.0.0/0").gateway_id(&igw).send().await.unwrap();
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.40.1.0/24", "us-east-1a"), ("10.40.2.0/24", "us-east-1b")] {
        let s = ec2.create_subnet().vpc_id(&vpc).cidr_block(cidr).availability_zone(az).send().await.unwrap();
        subnets.push(s.subnet.unwrap().subnet_id.unwrap());
    }
    let bastion = ec2.create_security_group().group_name("vigil-demo-bastion").description("bastion").vpc_id(&vpc).send().await.unwrap();
    let ssh = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").description("temporary").build())
        .build();
    ec2.authorize_security_group_ingress().group_id(bastion.group_id.unwrap()).ip_permissions(ssh).send().await.unwrap();
    let rds = aws_sdk_rds::Client::new(&w.sdk);
    rds.create_db_subnet_group()
        .db_subnet_group_name("vigil-demo-data")
        .db_subnet_group_description("data")
        .set_subnet_ids(Some(subnets))
        .send()
        .await
        .unwrap();
    rds.create_db_instance()
        .db_instance_identifier("vigil-demo-orders")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("app")
        .master_user_password("demo-password-1")
        .allocated_storage(20)
        .db_subnet_group_name("vigil-demo-data")
        .publicly_accessible(true)
        .send()
        .await
        .unwrap();
    let volume = ec2.create_volume().availability_zone("us-east-1a").size(8).send().await.unwrap().volume_id.unwrap();
    let snapshot = ec2.create_snapshot().volume_id(&volume).description("orders backup").send().await.unwrap().snapshot_id.unwrap();
    share_snapshot(&ec2, &snapshot, None).await;
    let functions = aws_sdk_lambda::Client::new(&w.sdk);
    let role = lambda_role(&w).await;
    create_function(&functions, "vigil-demo-thumbnails", "python3.9", &role).await;
    functions
        .create_function_url_config()
        .function_name("vigil-demo-thumbnails")
        .auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    println!("seeded network and data: a VPC whose only route table goes to the internet; security group");
    println!("  vigil-demo-bastion with SSH open to 0.0.0.0/0; RDS vigil-demo-orders publicly accessible and");
    println!("  unencrypted in that VPC; an unencrypted EBS volume with a public snapshot; EBS encryption by");
    println!("  default off; Lambda vigil-demo-thumbnails on python3.9 with a function URL that needs no auth\n");

    println!("starting the Lambda runtime emulator (cargo lambda watch; the first run compiles the function)...");
    let lambda = Watch::start(&w);

    println!("\n== 1. Scheduled full scan: events/other/scheduled-event.json -> Lambda");
    let scan = lambda.invoke("other/scheduled-event.json");
    println!("Lambda response: {}", summary(&scan));

    println!("\n== Findings stored in DynamoDB (`vigil findings`)");
    let (ok, out, err) = cli(&w, &["findings"], &[]);
    print!("{}", if ok { out } else { err });

    let alerts = w.alerts().await;
    println!("\n== Alerts SNS delivered: {} (only CRITICAL findings alert; the exempt bucket does not)", alerts.len());
    print_alerts(&alerts);

    println!("== 2. Change: vigil-demo-website gets a public bucket policy");
    bucket_policy(&s3, "vigil-demo-website", public_read("vigil-demo-website")).await;
    println!("CloudTrail PutBucketPolicy via EventBridge: events/other/demo-make-website-public.json -> Lambda");
    let event = lambda.invoke("other/demo-make-website-public.json");
    println!("Lambda response: {}", summary(&event));
    let ops: Vec<String> = event["calls"]["operations"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| format!("{k} x{v}")).collect())
        .unwrap_or_default();
    println!("AWS calls for this event: {}", ops.join(", "));
    let alerts = w.alerts().await;
    println!("\n== New alerts delivered: {}", alerts.len());
    print_alerts(&alerts);

    println!("== 3. The same event again (EventBridge delivers at least once)");
    let again = lambda.invoke("other/demo-make-website-public.json");
    println!("Lambda response: {}", summary(&again));
    println!("New alerts delivered: {} (a finding that stays open never re-alerts)", w.alerts().await.len());
}
