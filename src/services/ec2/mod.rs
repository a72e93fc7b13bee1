//! EC2: security groups, VPCs (with subnets, route tables and flow logs), network ACLs, instances,
//! EBS volumes and snapshots, and the regional EBS default. Event rows, types and entry points; the collector is `read.rs`, snapshots
//! `snapshot.rs`, checks `checks/`.

pub mod checks;
pub mod read;
pub mod snapshot;

use crate::error::{AwsError, ReadFailure};
use crate::model::{partition, Arn, ResourceRef, ResourceType, TypeInfo, ACCOUNT_REGION};
use crate::router::{strings, Effect, EventCx, EventRule, Focus, Located, Locator, RouteError, Target};
use crate::service::{failed, units, Read, ReadCx, Scan, Service, ServiceInfo, Snapshot, Subject, Tags};
use futures::future::BoxFuture;
use futures::FutureExt;
use read::{Networks, Select};
use snapshot::{EbsSnapshot, Instance, NetworkAcl, RegionSettings, SecurityGroup, Volume, Vpc};

fn ec2_arn(r: &ResourceRef, kind: &str) -> String {
    format!("arn:{}:ec2:{}:{}:{kind}/{}", partition(&r.region), r.region, r.account, r.id)
}

const fn ec2_type(name: &'static str, arn: fn(&ResourceRef) -> String, has_findings: bool) -> TypeInfo {
    TypeInfo { name, arn, tags: has_findings, named: has_findings, regional: true, has_findings, short: None }
}

pub const SECURITY_GROUP: ResourceType =
    ResourceType(&ec2_type("AWS::EC2::SecurityGroup", |r| ec2_arn(r, "security-group"), true));
pub const VPC: ResourceType = ResourceType(&ec2_type("AWS::EC2::VPC", |r| ec2_arn(r, "vpc"), true));
/// Routed from subnet events and resolved to its VPC at audit time; findings are the VPC's.
pub const SUBNET: ResourceType = ResourceType(&ec2_type("AWS::EC2::Subnet", |r| ec2_arn(r, "subnet"), false));
/// Routed from route events and resolved to its VPC at audit time. Its id may be an association
/// id (`rtbassoc-`) when the event names nothing else.
pub const ROUTE_TABLE: ResourceType = ResourceType(&ec2_type("AWS::EC2::RouteTable", |r| ec2_arn(r, "route-table"), false));
/// Routed from DeleteFlowLogs (which names only the flow log): the region's VPCs are re-read.
pub const FLOW_LOG: ResourceType = ResourceType(&ec2_type("AWS::EC2::FlowLog", |r| ec2_arn(r, "vpc-flow-log"), false));
pub const VOLUME: ResourceType = ResourceType(&ec2_type("AWS::EC2::Volume", |r| ec2_arn(r, "volume"), true));

/// A type whose id is AWS's, not a name the operator chose (`SCOPE_NAME_SUFFIX` does not apply).
const fn ec2_id_type(name: &'static str, arn: fn(&ResourceRef) -> String) -> TypeInfo {
    TypeInfo { name, arn, tags: true, named: false, regional: true, has_findings: true, short: None }
}

pub const INSTANCE: ResourceType = ResourceType(&ec2_id_type("AWS::EC2::Instance", |r| ec2_arn(r, "instance")));
pub const NETWORK_ACL: ResourceType = ResourceType(&ec2_id_type("AWS::EC2::NetworkAcl", |r| ec2_arn(r, "network-acl")));
/// An EBS snapshot (EC2 ARNs name it without the account: `arn:aws:ec2:REGION::snapshot/ID`;
/// vigil keys it with the owner account, as AWS Config does).
pub const EBS_SNAPSHOT: ResourceType = ResourceType(&ec2_id_type("AWS::EC2::Snapshot", |r| ec2_arn(r, "snapshot")));

/// What an event re-reads of a VPC.
pub mod part {
    use crate::router::Part;
    /// Subnets and route tables (which subnets are public).
    pub const NETWORK: Part = Part::new(0);
    pub const FLOW_LOGS: Part = Part::new(1);
}

const SOURCE: &str = "ec2.amazonaws.com";

const fn on(name: &'static str, locator: Locator, effect: Effect) -> EventRule {
    EventRule::new(SOURCE, name, locator, effect)
}

/// Where EC2 events carry a security group id: the request for most calls, the response for
/// CreateSecurityGroup (and for AuthorizeSecurityGroupIngress by group name), the nested request
/// for ModifySecurityGroupRules; a group named without id (default VPC) is looked up by name.
const GROUP: Locator = Locator::At(
    SECURITY_GROUP,
    &[
        "detail.requestParameters.groupId",
        "detail.requestParameters.ModifySecurityGroupRulesRequest.GroupId",
        "detail.responseElements.groupId",
        "detail.responseElements.securityGroupRuleSet.items.0.groupId",
        "detail.requestParameters.groupName",
    ],
);
const VPC_PARAM: Locator = Locator::At(VPC, &["detail.requestParameters.vpcId"]);
const SUBNET_PARAM: Locator = Locator::At(SUBNET, &["detail.requestParameters.subnetId"]);
const TABLE_PARAM: Locator = Locator::At(ROUTE_TABLE, &["detail.requestParameters.routeTableId"]);
const ACL_PARAM: Locator = Locator::At(NETWORK_ACL, &["detail.requestParameters.networkAclId"]);
const SNAPSHOT_PARAM: Locator = Locator::At(EBS_SNAPSHOT, &["detail.requestParameters.snapshotId"]);
const VOLUME_PARAM: Locator = Locator::At(VOLUME, &["detail.requestParameters.volumeId"]);
const WHOLE: Effect = Effect::Audit(Focus::EVERYTHING);
/// Subnets and routes change which subnets are public: the VPC's network, and what is placed in it.
const NETWORK: Effect = Effect::Audit(Focus::only(&[part::NETWORK]).and_governed());
const FLOW_LOGS: Effect = Effect::Audit(Focus::only(&[part::FLOW_LOGS]));

static EVENTS: &[EventRule] = &[
    // Security groups: one DescribeSecurityGroups of the group.
    on("AuthorizeSecurityGroupIngress", GROUP, WHOLE),
    on("AuthorizeSecurityGroupEgress", GROUP, WHOLE),
    on("RevokeSecurityGroupIngress", GROUP, WHOLE),
    on("RevokeSecurityGroupEgress", GROUP, WHOLE),
    on("ModifySecurityGroupRules", GROUP, WHOLE),
    on("CreateSecurityGroup", GROUP, WHOLE),
    on("DeleteSecurityGroup", GROUP, Effect::Delete),
    // Subnets and routes.
    on("CreateSubnet", Locator::At(VPC, &["detail.requestParameters.vpcId", "detail.responseElements.subnet.vpcId"]), NETWORK),
    on("DeleteSubnet", SUBNET_PARAM, NETWORK),
    on("ModifySubnetAttribute", SUBNET_PARAM, NETWORK),
    on("CreateRoute", TABLE_PARAM, NETWORK),
    on("ReplaceRoute", TABLE_PARAM, NETWORK),
    on("DeleteRoute", TABLE_PARAM, NETWORK),
    on("AssociateRouteTable", TABLE_PARAM, NETWORK),
    on(
        "ReplaceRouteTableAssociation",
        Locator::At(ROUTE_TABLE, &["detail.requestParameters.routeTableId", "detail.requestParameters.associationId"]),
        NETWORK,
    ),
    on("DisassociateRouteTable", Locator::At(ROUTE_TABLE, &["detail.requestParameters.associationId"]), NETWORK),
    on("AttachInternetGateway", VPC_PARAM, NETWORK),
    on("DetachInternetGateway", VPC_PARAM, NETWORK),
    // VPCs and their flow logs.
    on("CreateVpc", Locator::At(VPC, &["detail.responseElements.vpc.vpcId"]), WHOLE),
    on("DeleteVpc", VPC_PARAM, Effect::Delete),
    on("CreateFlowLogs", Locator::Custom(flow_log_vpcs), FLOW_LOGS),
    on(
        "DeleteFlowLogs",
        Locator::At(
            FLOW_LOG,
            &[
                "detail.requestParameters.DeleteFlowLogsRequest.FlowLogId.content",
                "detail.requestParameters.DeleteFlowLogsRequest.FlowLogId.0.content",
                "detail.requestParameters.DeleteFlowLogsRequest.FlowLogId",
            ],
        ),
        FLOW_LOGS,
    ),
    // EBS volumes and the regional default.
    on("CreateVolume", Locator::At(VOLUME, &["detail.responseElements.volumeId"]), WHOLE),
    on("DeleteVolume", VOLUME_PARAM, Effect::Delete),
    on("EnableEbsEncryptionByDefault", Locator::Account(ACCOUNT_REGION), WHOLE),
    on("DisableEbsEncryptionByDefault", Locator::Account(ACCOUNT_REGION), WHOLE),
    // EBS snapshots: one DescribeSnapshots and one DescribeSnapshotAttribute.
    on("ModifySnapshotAttribute", SNAPSHOT_PARAM, WHOLE),
    on("DeleteSnapshot", SNAPSHOT_PARAM, Effect::Delete),
    // Instances: one DescribeInstances of the instances the event names.
    on("RunInstances", Locator::Custom(|cx| ids_at(cx, "detail.responseElements.instancesSet", INSTANCE, "i-")), WHOLE),
    on(
        "ModifyInstanceMetadataOptions",
        Locator::At(
            INSTANCE,
            &[
                "detail.requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId",
                "detail.requestParameters.instanceId",
                "detail.responseElements.ModifyInstanceMetadataOptionsResponse.instanceId",
            ],
        ),
        WHOLE,
    ),
    on("TerminateInstances", Locator::Custom(|cx| ids_at(cx, "detail.requestParameters.instancesSet", INSTANCE, "i-")), Effect::Delete),
    // Network ACLs: one DescribeNetworkAcls of the ACL.
    on("CreateNetworkAcl", Locator::At(NETWORK_ACL, &["detail.responseElements.networkAcl.networkAclId"]), WHOLE),
    on("CreateNetworkAclEntry", ACL_PARAM, WHOLE),
    on("ReplaceNetworkAclEntry", ACL_PARAM, WHOLE),
    on("DeleteNetworkAclEntry", ACL_PARAM, WHOLE),
    on("ReplaceNetworkAclAssociation", ACL_PARAM, WHOLE),
    on("DeleteNetworkAcl", ACL_PARAM, Effect::Delete),
    // Tags of every EC2 type vigil audits (required tags, SCOPE_TAG, EXEMPT_TAG).
    on("CreateTags", Locator::Custom(tagged), WHOLE),
    on("DeleteTags", Locator::Custom(tagged), WHOLE),
];

/// Every id with `prefix` under `field` (`detail.responseElements.instancesSet`, whose items carry
/// `instanceId`), as resources of `kind`.
fn ids_at(cx: &EventCx, field: &'static str, kind: ResourceType, prefix: &str) -> Result<Located, RouteError> {
    let pointer = field.trim_start_matches("detail").replace('.', "/");
    let value = cx.detail.pointer(&pointer).ok_or_else(|| cx.missing(field))?;
    let mut found = Vec::new();
    strings(value, &mut found);
    let ids: Vec<ResourceRef> = found.into_iter().filter(|id| id.starts_with(prefix)).map(|id| cx.resource(kind, id)).collect();
    if ids.is_empty() {
        return Err(cx.missing(field));
    }
    Ok(Located::Resources(ids))
}

/// The type of an EC2 resource id vigil audits, by its prefix.
fn kind_of_id(id: &str) -> Option<ResourceType> {
    let (prefix, _) = id.split_once('-')?;
    Some(match prefix {
        "sg" => SECURITY_GROUP,
        "vpc" => VPC,
        "vol" => VOLUME,
        "i" => INSTANCE,
        "acl" => NETWORK_ACL,
        "snap" => EBS_SNAPSHOT,
        _ => return None,
    })
}

/// `CreateTags` and `DeleteTags`: every audited resource in `resourcesSet`; others are ignored.
fn tagged(cx: &EventCx) -> Result<Located, RouteError> {
    const FIELD: &str = "detail.requestParameters.resourcesSet";
    let value = cx.detail.pointer("/requestParameters/resourcesSet").ok_or_else(|| cx.missing(FIELD))?;
    let mut ids = Vec::new();
    strings(value, &mut ids);
    let found: Vec<ResourceRef> = ids.iter().filter_map(|id| Some(cx.resource(kind_of_id(id)?, id.clone()))).collect();
    if found.is_empty() {
        return Ok(Located::Ignored(format!("{} on {ids:?}: no audited EC2 resource", cx.name)));
    }
    Ok(Located::Resources(found))
}

/// `CreateFlowLogs`: every VPC in `requestParameters.CreateFlowLogsRequest.ResourceId`.
fn flow_log_vpcs(cx: &EventCx) -> Result<Located, RouteError> {
    const FIELD: &str = "detail.requestParameters.CreateFlowLogsRequest.ResourceId";
    let ids = cx.detail.pointer("/requestParameters/CreateFlowLogsRequest/ResourceId").ok_or_else(|| cx.missing(FIELD))?;
    let mut found = Vec::new();
    strings(ids, &mut found);
    let vpcs: Vec<ResourceRef> = found.iter().filter(|id| id.starts_with("vpc-")).map(|id| cx.resource(VPC, id.clone())).collect();
    if vpcs.is_empty() {
        return Ok(Located::Ignored(format!("{} for {found:?}: only VPC-level flow logs are audited", cx.name)));
    }
    Ok(Located::Resources(vpcs))
}

impl Subject for SecurityGroup {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

impl Subject for Vpc {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

impl Subject for Volume {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

impl Subject for Instance {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

impl Subject for NetworkAcl {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

impl Subject for EbsSnapshot {
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

impl Subject for RegionSettings {}

/// Each operation the collector performs, with the IAM actions that authorize it.
static OPERATIONS: &[(&str, &[&str])] = &[
    ("ec2:DescribeRegions", &["ec2:DescribeRegions"]),
    ("ec2:DescribeSecurityGroups", &["ec2:DescribeSecurityGroups"]),
    ("ec2:DescribeVpcs", &["ec2:DescribeVpcs"]),
    ("ec2:DescribeSubnets", &["ec2:DescribeSubnets"]),
    ("ec2:DescribeRouteTables", &["ec2:DescribeRouteTables"]),
    ("ec2:DescribeFlowLogs", &["ec2:DescribeFlowLogs"]),
    ("ec2:DescribeVolumes", &["ec2:DescribeVolumes"]),
    ("ec2:GetEbsEncryptionByDefault", &["ec2:GetEbsEncryptionByDefault"]),
    ("ec2:DescribeInstances", &["ec2:DescribeInstances"]),
    ("ec2:DescribeNetworkAcls", &["ec2:DescribeNetworkAcls"]),
    ("ec2:DescribeSnapshots", &["ec2:DescribeSnapshots"]),
    ("ec2:DescribeSnapshotAttribute", &["ec2:DescribeSnapshotAttribute"]),
];

static INFO: ServiceInfo = ServiceInfo { name: "ec2", types: &[SECURITY_GROUP, VPC, SUBNET, ROUTE_TABLE, FLOW_LOG, VOLUME, INSTANCE, NETWORK_ACL, EBS_SNAPSHOT, ACCOUNT_REGION], checks: checks::CHECKS, events: EVENTS, global: false, permissions: OPERATIONS };

pub struct Ec2;

impl Service for Ec2 {
    fn enabled_regions<'a>(&'a self, clients: &'a crate::aws::Clients) -> Option<BoxFuture<'a, Result<Vec<String>, crate::error::AwsError>>> {
        Some(Box::pin(read::enabled_regions(clients)))
    }

    fn info(&self) -> &'static ServiceInfo {
        &INFO
    }

    fn parse_arn(&self, arn: &Arn) -> Option<ResourceRef> {
        if !arn.is_regional(self.name()) {
            return None;
        }
        if arn.resource == "account" {
            return Some(ResourceRef::new(ACCOUNT_REGION, arn.account, arn.account, arn.region));
        }
        let (prefix, _) = arn.resource.split_once('/')?;
        let kind = match prefix {
            "security-group" => SECURITY_GROUP,
            "vpc" => VPC,
            "subnet" => SUBNET,
            "route-table" => ROUTE_TABLE,
            "vpc-flow-log" => FLOW_LOG,
            "volume" => VOLUME,
            "instance" => INSTANCE,
            "network-acl" => NETWORK_ACL,
            "snapshot" => EBS_SNAPSHOT,
            _ => return None,
        };
        let id = arn.last_segment(prefix)?;
        Some(ResourceRef::new(kind, id, arn.account, arn.region))
    }

    /// Bulk reads of the region, in parallel; VPCs are assembled with their networks and flow logs.
    fn scan<'a>(&'a self, cx: &'a ReadCx<'a>, region: &'a str) -> BoxFuture<'a, Scan> {
        async move {
            let ec2 = read::client(cx.clients, region);
            let networks = cx.state::<Networks>();
            let (groups, vpcs, nets, logs, volumes, ebs, instances, acls, snapshots) = tokio::join!(
                read::security_groups(&ec2, Select::All),
                read::vpcs(&ec2, None),
                networks.in_region(cx, region),
                read::flow_logs(&ec2, None),
                read::volumes(&ec2, None),
                read::ebs_encryption_by_default(&ec2),
                read::instances(&ec2, None),
                read::network_acls(&ec2, None),
                read::ebs_snapshots(&ec2, None),
            );
            let mut scan = Scan::default();
            let at = |r: &str| ResourceRef::new(ACCOUNT_REGION, cx.account_id, cx.account_id, r);
            let nets = nets.map_err(|e| scan.failures.push(ReadFailure::regional("AWS::EC2", region, e))).ok();
            let logs = logs.map_err(|e| scan.failures.push(ReadFailure::regional("AWS::EC2", region, e))).ok();
            let on = |kind: ResourceType, id: &str| ResourceRef::new(kind, id, cx.account_id, region);
            let listed: [(ResourceType, Result<Vec<Snapshot>, AwsError>); 6] = [
                (
                    SECURITY_GROUP,
                    groups.map(|g| g.into_iter().map(|g| Snapshot::new(ResourceRef::new(SECURITY_GROUP, &g.id, cx.account_id, region), g)).collect()),
                ),
                (
                    VPC,
                    vpcs.map(|v| {
                        read::assemble(v, nets.as_deref(), logs)
                            .into_iter()
                            .map(|v| Snapshot::new(ResourceRef::new(VPC, &v.id, cx.account_id, region), v))
                            .collect()
                    }),
                ),
                (VOLUME, volumes.map(|v| v.into_iter().map(|v| Snapshot::new(on(VOLUME, &v.id), v)).collect())),
                (INSTANCE, instances.map(|v| v.into_iter().map(|i| Snapshot::new(on(INSTANCE, &i.id), i)).collect())),
                (NETWORK_ACL, acls.map(|v| v.into_iter().map(|a| Snapshot::new(on(NETWORK_ACL, &a.id), a)).collect())),
                (EBS_SNAPSHOT, snapshots.map(|(found, failures)| units(found, failures, |s| &s.id, |id| on(EBS_SNAPSHOT, id)))),
            ];
            for (kind, read) in listed {
                match read {
                    Ok(found) => {
                        scan.complete.push((kind, Some(region.to_string())));
                        scan.snapshots.extend(found);
                    }
                    Err(e) => {
                        scan.incomplete.push(kind);
                        scan.failures.push(ReadFailure::regional(kind.as_str(), region, e));
                    }
                }
            }
            let ebs_encryption_by_default = ebs.map_err(|e| scan.failures.push(ReadFailure::regional("AWS::EC2", region, e))).ok().flatten();
            scan.snapshots.push(Snapshot::new(at(region), RegionSettings { region: region.to_string(), ebs_encryption_by_default }));
            scan
        }
        .boxed()
    }

    fn read<'a>(&'a self, cx: &'a ReadCx<'a>, target: &'a Target) -> BoxFuture<'a, Vec<Read>> {
        async move {
            let Some(r) = cx.regional(&target.resource) else { return vec![Read::OutOfScope(target.resource.clone())] };
            let region = r.region.clone();
            let ec2 = read::client(cx.clients, &region);
            let kind = r.kind;
            if kind == SECURITY_GROUP {
                let by_id = r.id.starts_with("sg-");
                let select = if by_id { Select::Id(&r.id) } else { Select::Other(&r.id) };
                vec![match read::security_groups(&ec2, select).await {
                    Ok(groups) => match groups.into_iter().next() {
                        Some(g) => Read::Found(Snapshot::new(ResourceRef::new(SECURITY_GROUP, &g.id, &r.account, &region), g)),
                        None if by_id => Read::Gone(r),
                        // Named in the default VPC, and gone: nothing to key on.
                        None => Read::Skipped,
                    },
                    Err(e) => failed(&r, e),
                }]
            } else if kind == VPC {
                self.read_vpc(cx, &r, target.focus).await
            } else if kind == SUBNET {
                match read::subnets(&ec2, Select::Id(&r.id)).await {
                    Ok(found) => match found.into_iter().next() {
                        Some(s) => self.read_vpc(cx, &ResourceRef::new(VPC, s.vpc_id, &r.account, &region), target.focus).await,
                        None => self.read_region_vpcs(cx, &r, target.focus).await,
                    },
                    Err(e) => vec![failed(&r, e)],
                }
            } else if kind == ROUTE_TABLE {
                let select = if r.id.starts_with("rtbassoc-") { Select::Other(&r.id) } else { Select::Id(&r.id) };
                match read::route_tables(&ec2, select).await {
                    Ok(found) => match found.into_iter().next() {
                        Some(t) => self.read_vpc(cx, &ResourceRef::new(VPC, t.vpc_id, &r.account, &region), target.focus).await,
                        // The table, or the association, is gone: its VPC is unknown.
                        None => self.read_region_vpcs(cx, &r, target.focus).await,
                    },
                    Err(e) => vec![failed(&r, e)],
                }
            } else if kind == FLOW_LOG {
                self.read_region_vpcs(cx, &r, target.focus).await
            } else if kind == VOLUME {
                vec![match read::volumes(&ec2, Some(&r.id)).await {
                    Ok(found) => match found.into_iter().next() {
                        Some(v) => Read::Found(Snapshot::new(r, v)),
                        None => Read::Gone(r),
                    },
                    Err(e) => failed(&r, e),
                }]
            } else if kind == INSTANCE {
                vec![match read::instances(&ec2, Some(&r.id)).await {
                    Ok(found) => match found.into_iter().next() {
                        Some(i) => Read::Found(Snapshot::new(r, i)),
                        None => Read::Gone(r),
                    },
                    Err(e) => failed(&r, e),
                }]
            } else if kind == NETWORK_ACL {
                vec![match read::network_acls(&ec2, Some(&r.id)).await {
                    Ok(found) => match found.into_iter().next() {
                        Some(a) => Read::Found(Snapshot::new(r, a)),
                        None => Read::Gone(r),
                    },
                    Err(e) => failed(&r, e),
                }]
            } else if kind == EBS_SNAPSHOT {
                match read::ebs_snapshots(&ec2, Some(&r.id)).await {
                    Ok((found, failures)) if !found.is_empty() => units(found, failures, |s| &s.id, |id| ResourceRef { id: id.to_string(), ..r.clone() })
                        .into_iter()
                        .map(Read::Found)
                        .collect(),
                    Ok(_) => vec![Read::Gone(r)],
                    Err(e) => vec![failed(&r, e)],
                }
            } else if kind == ACCOUNT_REGION {
                vec![match read::ebs_encryption_by_default(&ec2).await {
                    Ok(on) => Read::Found(Snapshot::new(r, RegionSettings { region: region.clone(), ebs_encryption_by_default: on })),
                    Err(e) => failed(&r, e),
                }]
            } else {
                vec![Read::Skipped]
            }
        }
        .boxed()
    }
}


impl Ec2 {
    /// One VPC: its identity, then the parts the focus names. When its network was read, what is
    /// placed in it (RDS instances) is re-audited too.
    async fn read_vpc(&self, cx: &ReadCx<'_>, r: &ResourceRef, focus: Focus) -> Vec<Read> {
        let ec2 = read::client(cx.clients, &r.region);
        let info = match read::vpcs(&ec2, Some(&r.id)).await {
            Ok(found) => match found.into_iter().next() {
                Some(info) => info,
                None => return vec![Read::Gone(r.clone())],
            },
            Err(e) => return vec![failed(r, e)],
        };
        let networks = cx.state::<Networks>();
        let (net, logs) = tokio::join!(
            async {
                if focus.has(part::NETWORK) {
                    Some(networks.of_vpc(cx, &r.region, &r.id).await)
                } else {
                    None
                }
            },
            async {
                if focus.has(part::FLOW_LOGS) {
                    Some(read::flow_logs(&ec2, Some(&r.id)).await)
                } else {
                    None
                }
            },
        );
        let mut failures = Vec::new();
        let arn = r.arn();
        let mut keep = |e: AwsError| failures.push(ReadFailure { resource_arn: arn.clone(), error: e });
        let net = net.and_then(|n| n.map_err(&mut keep).ok());
        let logs = logs.and_then(|l| l.map_err(&mut keep).ok());
        let flow_logs = logs.map(|mut by_vpc| by_vpc.remove(&r.id).unwrap_or_default());
        let placed = net.is_some();
        let unit = Snapshot { resource: r.clone(), subject: Box::new(info.with(net, flow_logs)), failures };
        let mut out = vec![Read::Found(unit)];
        if placed {
            out.push(Read::Related(r.clone()));
        }
        out
    }

    /// Every VPC of the region, for an event whose VPC cannot be known any more (a deleted subnet,
    /// a removed route table association, a deleted flow log).
    async fn read_region_vpcs(&self, cx: &ReadCx<'_>, r: &ResourceRef, focus: Focus) -> Vec<Read> {
        let region = &r.region;
        let ec2 = read::client(cx.clients, region);
        let networks = cx.state::<Networks>();
        let with_net = focus.has(part::NETWORK);
        let (infos, nets, logs) = tokio::join!(
            read::vpcs(&ec2, None),
            async {
                if with_net {
                    Some(networks.in_region(cx, region).await)
                } else {
                    None
                }
            },
            async {
                if with_net {
                    None
                } else {
                    Some(read::flow_logs(&ec2, None).await)
                }
            },
        );
        let read = (|| Ok::<_, AwsError>((infos?, nets.transpose()?, logs.transpose()?)))();
        let (infos, nets, logs): (_, Option<read::RegionNetworks>, _) = match read {
            Ok(x) => x,
            Err(e) => return vec![Read::Failed(ReadFailure::regional(VPC.as_str(), region, e))],
        };
        let vpcs = read::assemble(infos, nets.as_deref(), logs);
        let mut out: Vec<Read> =
            vpcs.iter().map(|v| Read::Found(Snapshot::new(ResourceRef::new(VPC, &v.id, &r.account, region), v.clone()))).collect();
        if nets.is_some() {
            out.extend(vpcs.iter().map(|v| Read::Related(ResourceRef::new(VPC, &v.id, &r.account, region))));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing;

    #[test]
    fn network_arns_round_trip() {
        for arn in [
            "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc",
            "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0abc",
            "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0abc",
            "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc",
            "arn:aws:ec2:eu-west-1:123456789012:network-acl/acl-0abc",
            "arn:aws:ec2:eu-west-1:123456789012:snapshot/snap-0abc",
            "arn:aws:ec2:eu-west-1:123456789012:account",
        ] {
            let r = ResourceRef::from_arn(arn).unwrap_or_else(|| panic!("{arn} parses"));
            assert_eq!(r.arn(), arn);
            assert_eq!(r.region, "eu-west-1");
        }
        assert!(ResourceRef::from_arn("arn:aws:ec2:eu-west-1:123456789012:image/ami-1").is_none());
    }

    #[test]
    fn unread_parts_are_not_evaluated() {
        let vpc = Vpc { id: "vpc-1".into(), is_default: false, tags: Default::default(), network: None, flow_logs: None };
        let region = RegionSettings { region: "us-east-1".into(), ebs_encryption_by_default: None };
        for c in checks::CHECKS {
            assert_eq!(c.evaluate(&vpc, &testing::ctx()), None, "{} concluded without data", c.id);
            assert_eq!(c.evaluate(&region, &testing::ctx()), None, "{} concluded without data", c.id);
        }
    }
}
