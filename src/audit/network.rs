//! The network and data audit units: security groups, VPCs (with the RDS instances placed in
//! them), RDS instances, EBS volumes and regional EBS settings, for full scans and events.

use super::{AuditError, Audited, Engine, Listing, RunReport, Verdict};
use crate::checks::{self, Subject};
use crate::collect::ec2::{self as ec2c, Select, VpcInfo};
use crate::collect::rds as rdsc;
use crate::config::Service;
use crate::error::AwsError;
use crate::findings::Evaluation;
use crate::model::{ResourceRef, ResourceType};
use crate::snapshot::network::{DbInstance, FlowLog, Network, RegionSettings, SecurityGroup, Volume, Vpc};
use crate::trigger::Focus;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;

/// One network or data snapshot, ready to judge.
enum Unit {
    Group(SecurityGroup),
    Vpc(Vpc),
    Db(DbInstance),
    Volume(Volume),
    Region(RegionSettings),
}

impl Unit {
    fn resource(&self, account: &str, region: &str) -> ResourceRef {
        let (kind, id) = match self {
            Unit::Group(g) => (ResourceType::Ec2SecurityGroup, g.id.as_str()),
            Unit::Vpc(v) => (ResourceType::Ec2Vpc, v.id.as_str()),
            Unit::Db(d) => (ResourceType::RdsDbInstance, d.id.as_str()),
            Unit::Volume(v) => (ResourceType::Ec2Volume, v.id.as_str()),
            Unit::Region(_) => (ResourceType::AccountRegion, account),
        };
        ResourceRef::new(kind, id, account, region)
    }

    /// Its tags; regional settings have none.
    fn tags(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            Unit::Group(g) => Some(&g.tags),
            Unit::Vpc(v) => Some(&v.tags),
            Unit::Db(d) => Some(&d.tags),
            Unit::Volume(v) => Some(&v.tags),
            Unit::Region(_) => None,
        }
    }

    fn subject(&self) -> Subject<'_> {
        match self {
            Unit::Group(g) => Subject::SecurityGroup(g),
            Unit::Vpc(v) => Subject::Vpc(v),
            Unit::Db(d) => Subject::DbInstance(d),
            Unit::Volume(v) => Subject::Volume(v),
            Unit::Region(r) => Subject::Region(r),
        }
    }
}

/// One type's bulk read in a scan: not attempted (service off), failed, or the snapshots found.
type BulkRead = Option<Result<Vec<Unit>, AwsError>>;

/// Runs `f` only when `on`.
async fn maybe<T>(on: bool, f: impl Future<Output = T>) -> Option<T> {
    if on {
        Some(f.await)
    } else {
        None
    }
}

/// Attaches each instance's VPC network, when it was read.
fn place(dbs: Vec<DbInstance>, networks: Option<&HashMap<String, Arc<Network>>>) -> Vec<DbInstance> {
    dbs.into_iter()
        .map(|mut d| {
            d.network = d.vpc_id.as_ref().and_then(|v| networks?.get(v).cloned());
            d
        })
        .collect()
}

/// Builds the VPC snapshots from what was read: a VPC with no subnet has an empty network.
fn assemble(
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

impl Engine<'_> {
    /// The regions a full scan covers.
    pub(super) fn regions(&self) -> Vec<String> {
        if self.settings.regions.is_empty() {
            vec![self.clients.default_region()]
        } else {
            self.settings.regions.clone()
        }
    }

    fn wants(&self, service: Service) -> bool {
        self.settings.services.contains(&service)
    }

    /// Scope, exemption, evaluation and recording for one snapshot.
    async fn judge(&self, region: &str, unit: &Unit) -> Audited {
        let r = unit.resource(self.account_id, region);
        let tags = unit.tags();
        if let Some(tags) = tags {
            let out_of_scope = self.settings.scope_tag.as_ref().is_some_and(|scope| !scope.matches(tags));
            let unnamed = self.settings.scope_name_suffix.as_ref().is_some_and(|suffix| !r.id.ends_with(suffix.as_str()));
            if out_of_scope || unnamed {
                return Audited::skipped();
            }
        }
        let exempt = tags.is_some_and(|t| self.settings.exempt_tag.matches(t));
        let ctx = self.context();
        let evals: Vec<Evaluation> = checks::for_type(r.kind)
            .filter_map(|check| Some(Evaluation { check, outcome: check.evaluate(unit.subject(), &ctx)?, exposure: None }))
            .collect();
        let mut out = self.record(&r, Verdict::Evaluated { evals: &evals, exempt }).await;
        out.evaluated = evals.len() as u64;
        out.passed = evals.iter().filter(|e| e.outcome == checks::Outcome::Pass).count() as u64;
        out
    }

    async fn judge_all(&self, region: &str, units: &[Unit]) -> Vec<Audited> {
        futures::stream::iter(units)
            .map(|u| self.judge(region, u))
            .buffer_unordered(self.settings.audit_concurrency.max(1))
            .collect()
            .await
    }

    /// The EC2 and RDS part of a full scan in one region: bulk reads in parallel, then the audit
    /// unit for every resource. Types whose listing failed are reported and not swept.
    pub(super) async fn scan_region(
        &self,
        region: &str,
        report: &mut RunReport,
        results: &mut Vec<Audited>,
        complete: &mut Vec<Listing>,
        listed: &mut BTreeSet<String>,
    ) {
        let (ec2, rds) = (self.clients.ec2(region), self.clients.rds(region));
        let (want_ec2, want_rds) = (self.wants(Service::Ec2), self.wants(Service::Rds));
        let (groups, vpcs, subnets, tables, logs, volumes, ebs, dbs) = tokio::join!(
            maybe(want_ec2, ec2c::security_groups(&ec2, Select::All)),
            maybe(want_ec2, ec2c::vpcs(&ec2, None)),
            ec2c::subnets(&ec2, Select::All),
            ec2c::route_tables(&ec2, Select::All),
            maybe(want_ec2, ec2c::flow_logs(&ec2, None)),
            maybe(want_ec2, ec2c::volumes(&ec2, None)),
            maybe(want_ec2, ec2c::ebs_encryption_by_default(&ec2)),
            maybe(want_rds, rdsc::db_instances(&rds, None)),
        );
        let mut fail = |types: &[ResourceType], e: AwsError| {
            let what = types.first().map_or("AWS::EC2", |t| t.as_str());
            report.audit_errors.push(AuditError::new(&format!("{what} in {region}"), &e));
            report.incomplete_types.extend(types);
        };
        let networks = match (subnets, tables) {
            (Ok(s), Ok(t)) => Some(ec2c::networks(s, t)),
            (Err(e), _) | (_, Err(e)) => {
                fail(&[], e);
                None
            }
        };
        let logs = match logs {
            Some(Err(e)) => {
                fail(&[], e);
                None
            }
            other => other.and_then(Result::ok),
        };
        let listings: [(ResourceType, BulkRead); 4] = [
            (ResourceType::Ec2SecurityGroup, groups.map(|r| r.map(|g| g.into_iter().map(Unit::Group).collect()))),
            (ResourceType::Ec2Vpc, vpcs.map(|r| r.map(|v| assemble(v, networks.as_ref(), logs).into_iter().map(Unit::Vpc).collect()))),
            (ResourceType::Ec2Volume, volumes.map(|r| r.map(|v| v.into_iter().map(Unit::Volume).collect()))),
            (ResourceType::RdsDbInstance, dbs.map(|r| r.map(|d| place(d, networks.as_ref()).into_iter().map(Unit::Db).collect()))),
        ];
        let mut units = Vec::new();
        for (kind, read) in listings {
            match read {
                Some(Ok(found)) => {
                    complete.push((kind, Some(region.to_string())));
                    units.extend(found);
                }
                Some(Err(e)) => fail(&[kind], e),
                None => {}
            }
        }
        if let Some(read) = ebs {
            let ebs_encryption_by_default = match read {
                Ok(on) => Some(on),
                Err(e) => {
                    fail(&[], e);
                    None
                }
            };
            units.push(Unit::Region(RegionSettings { region: region.to_string(), ebs_encryption_by_default }));
        }
        listed.extend(units.iter().map(|u| u.resource(self.account_id, region).arn()));
        results.extend(self.judge_all(region, &units).await);
    }

    /// Audits one network or data resource named by an event or an operator.
    pub(super) async fn audit_network(&self, r: ResourceRef, focus: Focus) -> Vec<Audited> {
        let region = if r.region.is_empty() { self.clients.default_region() } else { r.region.clone() };
        if !self.in_regions(&region) {
            return vec![Audited::skipped()];
        }
        let r = ResourceRef { region: region.clone(), ..r };
        let ec2 = self.clients.ec2(&region);
        let arn = r.arn();
        match r.kind {
            ResourceType::Ec2SecurityGroup => {
                let by_id = r.id.starts_with("sg-");
                let select = if by_id { Select::Id(&r.id) } else { Select::Other(&r.id) };
                vec![match ec2c::security_groups(&ec2, select).await {
                    Ok(groups) => match groups.into_iter().next() {
                        Some(g) => self.judge(&region, &Unit::Group(g)).await,
                        None if by_id => self.forget(&r).await,
                        None => Audited::default(), // named in the default VPC, and gone: nothing to key on
                    },
                    Err(e) => Audited::failed(&arn, &e),
                }]
            }
            ResourceType::Ec2Vpc => self.audit_vpc(&region, &r, focus).await,
            ResourceType::Ec2Subnet => match ec2c::subnets(&ec2, Select::Id(&r.id)).await {
                Ok(found) => match found.into_iter().next() {
                    Some(s) => self.audit_vpc(&region, &ResourceRef::new(ResourceType::Ec2Vpc, s.vpc_id, &r.account, &region), Focus::Network).await,
                    None => self.audit_region_vpcs(&region, Focus::Network).await,
                },
                Err(e) => vec![Audited::failed(&arn, &e)],
            },
            ResourceType::Ec2RouteTable => {
                let select = if r.id.starts_with("rtbassoc-") { Select::Other(&r.id) } else { Select::Id(&r.id) };
                match ec2c::route_tables(&ec2, select).await {
                    Ok(found) => match found.into_iter().next() {
                        Some(t) => {
                            let vpc = ResourceRef::new(ResourceType::Ec2Vpc, t.vpc_id, &r.account, &region);
                            self.audit_vpc(&region, &vpc, Focus::Network).await
                        }
                        // The table, or the association, is gone: its VPC is unknown.
                        None => self.audit_region_vpcs(&region, Focus::Network).await,
                    },
                    Err(e) => vec![Audited::failed(&arn, &e)],
                }
            }
            ResourceType::Ec2FlowLog => self.audit_region_vpcs(&region, Focus::FlowLogs).await,
            ResourceType::Ec2Volume => vec![match ec2c::volumes(&ec2, Some(&r.id)).await {
                Ok(found) => match found.into_iter().next() {
                    Some(v) => self.judge(&region, &Unit::Volume(v)).await,
                    None => self.forget(&r).await,
                },
                Err(e) => Audited::failed(&arn, &e),
            }],
            ResourceType::RdsDbInstance => vec![self.audit_db(&region, &r).await],
            ResourceType::AccountRegion => vec![match ec2c::ebs_encryption_by_default(&ec2).await {
                Ok(on) => {
                    let settings = RegionSettings { region: region.clone(), ebs_encryption_by_default: Some(on) };
                    self.judge(&region, &Unit::Region(settings)).await
                }
                Err(e) => Audited::failed(&arn, &e),
            }],
            _ => vec![Audited::skipped()],
        }
    }

    /// One VPC: its identity, then the parts the focus names; with its network, the RDS instances
    /// placed in it are re-audited too.
    async fn audit_vpc(&self, region: &str, r: &ResourceRef, focus: Focus) -> Vec<Audited> {
        let ec2 = self.clients.ec2(region);
        let arn = r.arn();
        let info = match ec2c::vpcs(&ec2, Some(&r.id)).await {
            Ok(found) => match found.into_iter().next() {
                Some(info) => info,
                None => return vec![self.forget(r).await],
            },
            Err(e) => return vec![Audited::failed(&arn, &e)],
        };
        let (net, logs) = tokio::join!(
            maybe(focus != Focus::FlowLogs, ec2c::network(&ec2, &r.id)),
            maybe(focus != Focus::Network, ec2c::flow_logs(&ec2, Some(&r.id))),
        );
        let mut errors = Vec::new();
        let net = net.and_then(|n| n.map_err(|e| errors.push(AuditError::new(&arn, &e))).ok());
        let logs = logs.and_then(|l| l.map_err(|e| errors.push(AuditError::new(&arn, &e))).ok());
        let flow_logs = logs.map(|mut by_vpc| by_vpc.remove(&r.id).unwrap_or_default());
        let mut judged = self.judge(region, &Unit::Vpc(info.with(net.clone(), flow_logs))).await;
        judged.errors.extend(errors);
        let mut out = vec![judged];
        if let Some(net) = net.filter(|_| self.wants(Service::Rds)) {
            out.extend(self.audit_placed_dbs(region, &HashMap::from([(r.id.clone(), net)])).await);
        }
        out
    }

    /// Every VPC of the region, for an event whose VPC cannot be known any more (a deleted subnet,
    /// a removed route table association, a deleted flow log).
    async fn audit_region_vpcs(&self, region: &str, focus: Focus) -> Vec<Audited> {
        let ec2 = self.clients.ec2(region);
        let place = format!("AWS::EC2::VPC in {region}");
        let with_net = focus != Focus::FlowLogs;
        let (infos, subnets, tables, logs) = tokio::join!(
            ec2c::vpcs(&ec2, None),
            maybe(with_net, ec2c::subnets(&ec2, Select::All)),
            maybe(with_net, ec2c::route_tables(&ec2, Select::All)),
            maybe(!with_net, ec2c::flow_logs(&ec2, None)),
        );
        let read = (|| {
            let networks = match (subnets, tables) {
                (Some(s), Some(t)) => Some(ec2c::networks(s?, t?)),
                _ => None,
            };
            Ok::<_, AwsError>((infos?, networks, logs.transpose()?))
        })();
        let (infos, networks, logs) = match read {
            Ok(x) => x,
            Err(e) => return vec![Audited::failed(&place, &e)],
        };
        let vpcs: Vec<Unit> = assemble(infos, networks.as_ref(), logs).into_iter().map(Unit::Vpc).collect();
        let mut out = self.judge_all(region, &vpcs).await;
        if let Some(networks) = networks.filter(|_| self.wants(Service::Rds)) {
            out.extend(self.audit_placed_dbs(region, &networks).await);
        }
        out
    }

    /// The RDS instances whose subnet group lies in one of `networks`' VPCs, judged with them.
    async fn audit_placed_dbs(&self, region: &str, networks: &HashMap<String, Arc<Network>>) -> Vec<Audited> {
        match rdsc::db_instances(&self.clients.rds(region), None).await {
            Ok(dbs) => {
                let placed = dbs.into_iter().filter(|d| d.vpc_id.as_ref().is_some_and(|v| networks.contains_key(v))).collect();
                let units: Vec<Unit> = place(placed, Some(networks)).into_iter().map(Unit::Db).collect();
                self.judge_all(region, &units).await
            }
            Err(e) => vec![Audited::failed(&format!("AWS::RDS::DBInstance in {region}"), &e)],
        }
    }

    /// One RDS instance, with the network of its VPC.
    async fn audit_db(&self, region: &str, r: &ResourceRef) -> Audited {
        let arn = r.arn();
        let mut db = match rdsc::db_instances(&self.clients.rds(region), Some(&r.id)).await {
            Ok(found) => match found.into_iter().next() {
                Some(db) => db,
                None => return self.forget(r).await,
            },
            Err(e) => return Audited::failed(&arn, &e),
        };
        let mut error = None;
        if let Some(vpc) = db.vpc_id.clone() {
            match ec2c::network(&self.clients.ec2(region), &vpc).await {
                Ok(n) => db.network = Some(n),
                Err(e) => error = Some(AuditError::new(&arn, &e)),
            }
        }
        let mut out = self.judge(region, &Unit::Db(db)).await;
        out.errors.extend(error);
        out
    }
}
