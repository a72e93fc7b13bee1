//! EC2 collection: security groups, VPCs with subnets, route tables and flow logs, EBS volumes and
//! the regional EBS default, read in bulk for a scan or narrowly for an event.

use crate::aws::{classify, each_page};
use crate::error::{AwsError, AwsErrorKind};
use crate::service::{Memo, ReadCx};
use crate::services::ec2::snapshot::{
    AclEntry, EbsSnapshot, FlowLog, Instance, Network, NetworkAcl, Peer, Restorable, Route, RouteTable, Rule, SecurityGroup, Subnet, Volume, Vpc,
};
use futures::StreamExt;
use aws_sdk_ec2::types::{Filter, IpPermission, Tag};
use aws_sdk_ec2::Client;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The EC2 client for a region.
/// The regions enabled in the account (opted-in or not requiring opt-in), sorted: what
/// `REGIONS=all` lists. Asked in the SDK's region.
pub async fn enabled_regions(clients: &crate::aws::Clients) -> Result<Vec<String>, AwsError> {
    let out = client(clients, "").describe_regions().send().await.map_err(|e| classify(&e))?;
    let mut regions: Vec<String> = out.regions().iter().filter_map(|r| r.region_name().map(str::to_string)).collect();
    if regions.is_empty() {
        return Err(AwsError::other(crate::error::Operation { service: "ec2", name: "DescribeRegions" }, "the answer lists no region"));
    }
    regions.sort();
    Ok(regions)
}

pub fn client(clients: &crate::aws::Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_ec2::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// Which resources a describe call reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select<'a> {
    /// Every resource in the region.
    All,
    /// One resource by id (a missing one reads as an empty list).
    Id(&'a str),
    /// The resources of one VPC.
    Vpc(&'a str),
    /// A security group by name (default VPC), or a route table by association id.
    Other(&'a str),
}

impl Select<'_> {
    /// Whether it looks one resource up (so NotFound means it is gone).
    fn is_lookup(self) -> bool {
        matches!(self, Select::Id(_) | Select::Other(_))
    }
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The codes each describe call returns when the id (or name) it looked up does not exist.
const SG_GONE: &[&str] = &["InvalidGroup.NotFound", "InvalidGroupId.NotFound"];
const VPC_GONE: &[&str] = &["InvalidVpcID.NotFound"];
const SUBNET_GONE: &[&str] = &["InvalidSubnetID.NotFound"];
const ROUTE_TABLE_GONE: &[&str] = &["InvalidRouteTableID.NotFound", "InvalidAssociationID.NotFound"];
const VOLUME_GONE: &[&str] = &["InvalidVolume.NotFound"];
const INSTANCE_GONE: &[&str] = &["InvalidInstanceID.NotFound"];
const ACL_GONE: &[&str] = &["InvalidNetworkAclID.NotFound"];
const SNAPSHOT_GONE: &[&str] = &["InvalidSnapshot.NotFound"];

/// A listing with an item AWS returned without its id is not a listing of everything: which
/// resource it was is unknown, so the listing fails rather than let that resource be swept.
fn listed_whole<E>(unnamed: bool) -> Result<(), AwsError> {
    if unnamed {
        return Err(AwsError {
            operation: crate::error::Operation::of::<E>(),
            kind: AwsErrorKind::Other,
            code: None,
            message: "an item of the listing has no id".into(),
        });
    }
    Ok(())
}

/// A lookup by id (or name) that fails with its operation's not-found code found nothing: the
/// resource is gone, an empty result. A listing that fails is an error whatever the code, never
/// "the region is empty".
fn gone_is_empty<T>(lookup: bool, gone: &[&str], result: Result<Vec<T>, AwsError>) -> Result<Vec<T>, AwsError> {
    match result {
        Err(e) if lookup && e.has_code(gone) => Ok(Vec::new()),
        other => other,
    }
}

fn tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string()))).collect()
}

/// Reads security groups.
pub async fn security_groups(client: &Client, select: Select<'_>) -> Result<Vec<SecurityGroup>, AwsError> {
    let mut req = client.describe_security_groups();
    req = match select {
        Select::All => req,
        Select::Id(id) => req.group_ids(id),
        Select::Vpc(vpc) => req.filters(filter("vpc-id", vpc)),
        Select::Other(name) => req.group_names(name),
    };
    let mut out = Vec::new();
    let mut unnamed = false;
    let read = each_page(req.into_paginator().send(), |page| {
        for g in page.security_groups() {
            let Some(id) = g.group_id() else {
                unnamed = true;
                continue;
            };
            out.push(SecurityGroup {
                id: id.to_string(),
                name: g.group_name().unwrap_or_default().to_string(),
                vpc_id: g.vpc_id().map(str::to_string),
                tags: tags(g.tags()),
                ingress: g.ip_permissions().iter().flat_map(rules).collect(),
                egress: g.ip_permissions_egress().iter().flat_map(rules).collect(),
            });
        }
    }).await;
    let read = read.and_then(|()| listed_whole::<aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsError>(unnamed));
    gone_is_empty(select.is_lookup(), SG_GONE, read.map(|()| out))
}

/// One [`Rule`] per peer of a permission.
fn rules(p: &IpPermission) -> Vec<Rule> {
    let rule = |peer: Peer, description: Option<&str>| Rule {
        protocol: p.ip_protocol().unwrap_or("-1").to_string(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        peer,
        description: description.map(str::to_string),
    };
    let mut out = Vec::new();
    for r in p.ip_ranges() {
        if let Some(c) = r.cidr_ip() {
            out.push(rule(Peer::Cidr(c.to_string()), r.description()));
        }
    }
    for r in p.ipv6_ranges() {
        if let Some(c) = r.cidr_ipv6() {
            out.push(rule(Peer::Cidr(c.to_string()), r.description()));
        }
    }
    for g in p.user_id_group_pairs() {
        if let Some(id) = g.group_id().or(g.group_name()) {
            out.push(rule(Peer::Group(id.to_string()), g.description()));
        }
    }
    for l in p.prefix_list_ids() {
        if let Some(id) = l.prefix_list_id() {
            out.push(rule(Peer::PrefixList(id.to_string()), l.description()));
        }
    }
    out
}

/// A VPC's identity as DescribeVpcs gives it; subnets, routes and flow logs are read separately.
#[derive(Debug, Clone)]
pub struct VpcInfo {
    pub id: String,
    pub is_default: bool,
    pub tags: BTreeMap<String, String>,
}

impl VpcInfo {
    /// The VPC snapshot with the parts that were read.
    pub fn with(self, network: Option<Arc<Network>>, flow_logs: Option<Vec<FlowLog>>) -> Vpc {
        Vpc { id: self.id, is_default: self.is_default, tags: self.tags, network, flow_logs }
    }
}

/// Reads VPCs: all of them, or one (empty when it is gone).
pub async fn vpcs(client: &Client, id: Option<&str>) -> Result<Vec<VpcInfo>, AwsError> {
    let mut out = Vec::new();
    let read = each_page(client.describe_vpcs().set_vpc_ids(id.map(|i| vec![i.to_string()])).into_paginator().send(), |page| {
        for v in page.vpcs() {
            if let Some(id) = v.vpc_id() {
                out.push(VpcInfo { id: id.to_string(), is_default: v.is_default().unwrap_or(false), tags: tags(v.tags()) });
            }
        }
    }).await;
    gone_is_empty(id.is_some(), VPC_GONE, read.map(|()| out))
}

/// Reads subnets: all, one, or a VPC's.
pub async fn subnets(client: &Client, select: Select<'_>) -> Result<Vec<Subnet>, AwsError> {
    let mut req = client.describe_subnets();
    req = match select {
        Select::Id(id) => req.subnet_ids(id),
        Select::Vpc(vpc) => req.filters(filter("vpc-id", vpc)),
        Select::All | Select::Other(_) => req,
    };
    let mut out = Vec::new();
    let read = each_page(req.into_paginator().send(), |page| {
        for s in page.subnets() {
            if let (Some(id), Some(vpc)) = (s.subnet_id(), s.vpc_id()) {
                out.push(Subnet { id: id.to_string(), vpc_id: vpc.to_string(), cidr: s.cidr_block().map(str::to_string) });
            }
        }
    }).await;
    gone_is_empty(select.is_lookup(), SUBNET_GONE, read.map(|()| out))
}

/// Reads route tables: all, one, a VPC's, or the one holding an association id.
pub async fn route_tables(client: &Client, select: Select<'_>) -> Result<Vec<RouteTable>, AwsError> {
    let mut req = client.describe_route_tables();
    req = match select {
        Select::All => req,
        Select::Id(id) => req.route_table_ids(id),
        Select::Vpc(vpc) => req.filters(filter("vpc-id", vpc)),
        Select::Other(assoc) => req.filters(filter("association.route-table-association-id", assoc)),
    };
    let mut out = Vec::new();
    let read = each_page(req.into_paginator().send(), |page| {
        for t in page.route_tables() {
            let (Some(id), Some(vpc)) = (t.route_table_id(), t.vpc_id()) else { continue };
            let routes = t
                .routes()
                .iter()
                .filter_map(|r| {
                    let destination =
                        r.destination_cidr_block().or(r.destination_ipv6_cidr_block()).or(r.destination_prefix_list_id())?;
                    let target = r
                        .gateway_id()
                        .or(r.egress_only_internet_gateway_id())
                        .or(r.nat_gateway_id())
                        .or(r.transit_gateway_id())
                        .or(r.vpc_peering_connection_id())
                        .or(r.network_interface_id())
                        .or(r.instance_id())
                        .or(r.local_gateway_id())
                        .or(r.carrier_gateway_id())
                        .unwrap_or_default();
                    let blackhole = r.state().is_some_and(|s| s.as_str() == "blackhole");
                    Some(Route { destination: destination.to_string(), target: target.to_string(), blackhole })
                })
                .collect();
            out.push(RouteTable {
                id: id.to_string(),
                vpc_id: vpc.to_string(),
                main: t.associations().iter().any(|a| a.main().unwrap_or(false)),
                subnets: t.associations().iter().filter_map(|a| a.subnet_id().map(str::to_string)).collect(),
                routes,
            });
        }
    }).await;
    gone_is_empty(select.is_lookup(), ROUTE_TABLE_GONE, read.map(|()| out))
}

/// Reads VPC-level flow logs, grouped by VPC: all in the region, or one VPC's.
pub async fn flow_logs(client: &Client, vpc: Option<&str>) -> Result<HashMap<String, Vec<FlowLog>>, AwsError> {
    let mut out: HashMap<String, Vec<FlowLog>> = HashMap::new();
    let req = client.describe_flow_logs().set_filter(vpc.map(|v| vec![filter("resource-id", v)]));
    each_page(req.into_paginator().send(), |page| {
        for l in page.flow_logs() {
            let Some(resource) = l.resource_id().filter(|r| r.starts_with("vpc-")) else { continue };
            out.entry(resource.to_string()).or_default().push(FlowLog {
                id: l.flow_log_id().unwrap_or_default().to_string(),
                traffic_type: l.traffic_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                status: l.flow_log_status().unwrap_or_default().to_string(),
            });
        }
    }).await?;
    Ok(out)
}

/// Groups subnets and route tables into one [`Network`] per VPC.
pub fn networks(subnets: Vec<Subnet>, tables: Vec<RouteTable>) -> HashMap<String, Arc<Network>> {
    let mut by_vpc: HashMap<String, Network> = HashMap::new();
    for s in subnets {
        by_vpc.entry(s.vpc_id.clone()).or_insert_with(|| Network { vpc_id: s.vpc_id.clone(), ..Default::default() }).subnets.push(s);
    }
    for t in tables {
        by_vpc.entry(t.vpc_id.clone()).or_insert_with(|| Network { vpc_id: t.vpc_id.clone(), ..Default::default() }).route_tables.push(t);
    }
    by_vpc.into_iter().map(|(k, v)| (k, Arc::new(v))).collect()
}

/// Reads one VPC's network: its subnets and route tables.
pub async fn network(client: &Client, vpc: &str) -> Result<Arc<Network>, AwsError> {
    let (subnets, tables) = futures::try_join!(subnets(client, Select::Vpc(vpc)), route_tables(client, Select::Vpc(vpc)))?;
    Ok(Arc::new(Network { vpc_id: vpc.to_string(), subnets, route_tables: tables }))
}

/// Reads EBS volumes: all, or one (empty when it is gone).
pub async fn volumes(client: &Client, id: Option<&str>) -> Result<Vec<Volume>, AwsError> {
    let mut out = Vec::new();
    let mut unnamed = false;
    let read = each_page(client.describe_volumes().set_volume_ids(id.map(|i| vec![i.to_string()])).into_paginator().send(), |page| {
        for v in page.volumes() {
            let Some(id) = v.volume_id() else {
                unnamed = true;
                continue;
            };
            out.push(Volume {
                id: id.to_string(),
                encrypted: v.encrypted(),
                state: v.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
                attached_to: v.attachments().iter().filter_map(|a| a.instance_id().map(str::to_string)).collect(),
                tags: tags(v.tags()),
            });
        }
    }).await;
    let read = read.and_then(|()| listed_whole::<aws_sdk_ec2::operation::describe_volumes::DescribeVolumesError>(unnamed));
    gone_is_empty(id.is_some(), VOLUME_GONE, read.map(|()| out))
}

/// Reads instances that are not terminated: all, or one (empty when it is gone or terminated).
pub async fn instances(client: &Client, id: Option<&str>) -> Result<Vec<Instance>, AwsError> {
    let mut out = Vec::new();
    let mut unnamed = false;
    let req = client.describe_instances().set_instance_ids(id.map(|i| vec![i.to_string()]));
    let read = each_page(req.into_paginator().send(), |page| {
        for i in page.reservations().iter().flat_map(|r| r.instances()) {
            let Some(id) = i.instance_id() else {
                unnamed = true;
                continue;
            };
            let state = i.state().and_then(|s| s.name()).map(|n| n.as_str().to_string()).unwrap_or_default();
            // A terminated instance is listed for a while after it is gone; it has nothing to judge.
            if state == "terminated" || state == "shutting-down" {
                continue;
            }
            let meta = i.metadata_options();
            out.push(Instance {
                id: id.to_string(),
                state,
                http_tokens: meta.and_then(|m| m.http_tokens()).map(|t| t.as_str().to_string()),
                http_endpoint: meta.and_then(|m| m.http_endpoint()).map(|e| e.as_str().to_string()),
                tags: tags(i.tags()),
            });
        }
    })
    .await;
    let read = read.and_then(|()| listed_whole::<aws_sdk_ec2::operation::describe_instances::DescribeInstancesError>(unnamed));
    gone_is_empty(id.is_some(), INSTANCE_GONE, read.map(|()| out))
}

/// Reads network ACLs: all, or one (empty when it is gone).
pub async fn network_acls(client: &Client, id: Option<&str>) -> Result<Vec<NetworkAcl>, AwsError> {
    let mut out = Vec::new();
    let mut unnamed = false;
    let req = client.describe_network_acls().set_network_acl_ids(id.map(|i| vec![i.to_string()]));
    let read = each_page(req.into_paginator().send(), |page| {
        for a in page.network_acls() {
            let (Some(id), Some(vpc)) = (a.network_acl_id(), a.vpc_id()) else {
                unnamed = true;
                continue;
            };
            let entries = a
                .entries()
                .iter()
                .filter_map(|e| {
                    Some(AclEntry {
                        number: e.rule_number()?,
                        egress: e.egress()?,
                        allow: e.rule_action()?.as_str() == "allow",
                        protocol: e.protocol()?.to_string(),
                        cidr: e.cidr_block().or(e.ipv6_cidr_block())?.to_string(),
                        ports: e.port_range().and_then(|p| Some((p.from()?, p.to()?))),
                    })
                })
                .collect::<Vec<_>>();
            // A rule AWS returned without its number, action or CIDR cannot be placed in the
            // order: the ACL is not judged on a partial rule list.
            if entries.len() != a.entries().len() {
                unnamed = true;
                continue;
            }
            out.push(NetworkAcl {
                id: id.to_string(),
                vpc_id: vpc.to_string(),
                is_default: a.is_default().unwrap_or(false),
                subnets: a.associations().iter().filter_map(|s| s.subnet_id().map(str::to_string)).collect(),
                entries,
                tags: tags(a.tags()),
            });
        }
    })
    .await;
    let read = read.and_then(|()| listed_whole::<aws_sdk_ec2::operation::describe_network_acls::DescribeNetworkAclsError>(unnamed));
    gone_is_empty(id.is_some(), ACL_GONE, read.map(|()| out))
}

/// Reads the EBS snapshots the account owns: all, or one (empty when it is gone), each with who
/// may restore it. A snapshot whose permission read fails has `restorable_by: None` and the
/// failure is returned beside it.
pub async fn ebs_snapshots(client: &Client, id: Option<&str>) -> Result<(Vec<EbsSnapshot>, Vec<(String, AwsError)>), AwsError> {
    let mut out = Vec::new();
    let mut unnamed = false;
    let req = client.describe_snapshots().owner_ids("self").set_snapshot_ids(id.map(|i| vec![i.to_string()]));
    let read = each_page(req.into_paginator().send(), |page| {
        for s in page.snapshots() {
            let Some(id) = s.snapshot_id() else {
                unnamed = true;
                continue;
            };
            out.push(EbsSnapshot {
                id: id.to_string(),
                volume_id: s.volume_id().map(str::to_string),
                encrypted: s.encrypted(),
                restorable_by: None,
                tags: tags(s.tags()),
            });
        }
    })
    .await;
    let read = read.and_then(|()| listed_whole::<aws_sdk_ec2::operation::describe_snapshots::DescribeSnapshotsError>(unnamed));
    let mut snapshots = gone_is_empty(id.is_some(), SNAPSHOT_GONE, read.map(|()| out))?;
    // The futures are built before the stream so its type names no closure (the scan future must be Send).
    let reads: Vec<_> = snapshots.iter().map(|s| restorable_by(client, &s.id)).collect();
    let permissions: Vec<Result<Restorable, AwsError>> = futures::stream::iter(reads).buffered(8).collect().await;
    let mut failures = Vec::new();
    for (s, p) in snapshots.iter_mut().zip(permissions) {
        match p {
            Ok(p) => s.restorable_by = Some(p),
            Err(e) => failures.push((s.id.clone(), e)),
        }
    }
    Ok((snapshots, failures))
}

/// Who may create volumes from one snapshot (`createVolumePermission`).
async fn restorable_by(client: &Client, id: &str) -> Result<Restorable, AwsError> {
    let out = client
        .describe_snapshot_attribute()
        .snapshot_id(id)
        .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
        .map_err(|e| classify(&e))?;
    let mut who = Restorable::default();
    for p in out.create_volume_permissions() {
        if p.group().is_some_and(|g| g.as_str() == "all") {
            who.everyone = true;
        }
        if let Some(account) = p.user_id() {
            who.accounts.push(account.to_string());
        }
    }
    Ok(who)
}

/// Whether the region encrypts new EBS volumes by default.
/// `Ok(None)` when the answer lacks the setting: unknown, not off.
pub async fn ebs_encryption_by_default(client: &Client) -> Result<Option<bool>, AwsError> {
    let out = client.get_ebs_encryption_by_default().send().await.map_err(|e| classify(&e))?;
    Ok(out.ebs_encryption_by_default())
}

/// Every VPC's network in one region, by VPC id.
pub type RegionNetworks = Arc<HashMap<String, Arc<Network>>>;

/// Networks read in this run, shared by every reader that needs them (VPC checks, and RDS
/// instances placed in a VPC): each region's or VPC's subnets and route tables are read once.
#[derive(Debug, Default)]
pub struct Networks {
    regions: Memo<String, RegionNetworks>,
    vpcs: Memo<(String, String), Arc<Network>>,
}

impl Networks {
    /// Every VPC's network in a region (all subnets and route tables).
    pub async fn in_region(&self, cx: &ReadCx<'_>, region: &str) -> Result<RegionNetworks, AwsError> {
        let client = client(cx.clients, region);
        self.regions
            .get_or_read(region.to_string(), || async {
                let (s, t) = futures::try_join!(subnets(&client, Select::All), route_tables(&client, Select::All))?;
                Ok(Arc::new(networks(s, t)))
            })
            .await
    }

    /// One VPC's network: from the region's when that was read in this run, else read alone.
    pub async fn of_vpc(&self, cx: &ReadCx<'_>, region: &str, vpc: &str) -> Result<Arc<Network>, AwsError> {
        if let Some(all) = self.regions.known(region.to_string()) {
            return Ok(all.get(vpc).cloned().unwrap_or_else(|| Arc::new(Network { vpc_id: vpc.to_string(), ..Default::default() })));
        }
        let client = client(cx.clients, region);
        self.vpcs.get_or_read((region.to_string(), vpc.to_string()), || network(&client, vpc)).await
    }
}

/// Builds the VPC snapshots from what was read: a VPC with no subnet has an empty network.
pub fn assemble(
    infos: Vec<VpcInfo>,
    networks: Option<&HashMap<String, Arc<Network>>>,
    mut logs: Option<HashMap<String, Vec<FlowLog>>>,
) -> Vec<Vpc> {
    infos
        .into_iter()
        .map(|info| {
            let network = networks.map(|n| {
                n.get(&info.id).cloned().unwrap_or_else(|| Arc::new(Network { vpc_id: info.id.clone(), ..Default::default() }))
            });
            let flow_logs = logs.as_mut().map(|l| l.remove(&info.id).unwrap_or_default());
            info.with(network, flow_logs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Operation;

    fn not_found() -> Result<Vec<u8>, AwsError> {
        Err(AwsError { operation: Operation { service: "ec2", name: "DescribeVpcs" }, kind: AwsErrorKind::Other, code: Some("InvalidVpcID.NotFound".into()), message: "x".into() })
    }

    #[test]
    fn not_found_empties_a_lookup_but_fails_a_listing() {
        assert_eq!(gone_is_empty(true, VPC_GONE, not_found()).unwrap(), Vec::<u8>::new());
        assert!(gone_is_empty(false, VPC_GONE, not_found()).is_err(), "a listing that failed must not read as an empty region");
        // Another operation's not-found code (or a bare NotFound) proves nothing about this one.
        assert!(gone_is_empty(true, SG_GONE, not_found()).is_err());
        assert!(Select::Id("sg-1").is_lookup() && Select::Other("default").is_lookup());
        assert!(!Select::All.is_lookup() && !Select::Vpc("vpc-1").is_lookup());
    }
}
