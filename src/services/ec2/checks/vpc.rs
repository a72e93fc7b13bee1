//! VPC checks, one file each, and the rule that decides which subnets are public.


use crate::services::ec2::snapshot::{Network, Route, RouteTable};
use ipnet::IpNet;

/// The route table that serves a subnet: its explicit association, otherwise the VPC's main table.
pub fn table_for<'n>(network: &'n Network, subnet_id: &str) -> Option<&'n RouteTable> {
    let tables = &network.route_tables;
    tables
        .iter()
        .find(|t| t.subnets.iter().any(|s| s == subnet_id))
        .or_else(|| tables.iter().find(|t| t.main))
}

/// A route that sends the whole internet (`0.0.0.0/0` or `::/0`) to an internet gateway. An
/// egress-only gateway (`eigw-`) admits nothing from outside, so it does not count.
pub fn internet_route(table: &RouteTable) -> Option<&Route> {
    table.routes.iter().find(|r| {
        !r.blackhole
            && r.target.starts_with("igw-")
            && r.destination.parse::<IpNet>().is_ok_and(|n| n.prefix_len() == 0)
    })
}

/// Why a subnet is public (`rtb-… routes 0.0.0.0/0 to igw-…`), or `None` when it is private.
pub fn public_because(network: &Network, subnet_id: &str) -> Option<String> {
    let table = table_for(network, subnet_id)?;
    let route = internet_route(table)?;
    let main = if table.main && !table.subnets.iter().any(|s| s == subnet_id) { " (main table)" } else { "" };
    Some(format!("{}{main} routes {} to {}", table.id, route.destination, route.target))
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Networks for the tests.
    use crate::services::ec2::snapshot::{Network, Route, RouteTable, Subnet};

    pub fn route(destination: &str, target: &str) -> Route {
        Route { destination: destination.into(), target: target.into(), blackhole: false }
    }

    pub fn table(id: &str, main: bool, subnets: &[&str], routes: Vec<Route>) -> RouteTable {
        RouteTable { id: id.into(), vpc_id: "vpc-1".into(), main, subnets: subnets.iter().map(|s| s.to_string()).collect(), routes }
    }

    pub fn network(subnets: &[&str], route_tables: Vec<RouteTable>) -> Network {
        Network {
            vpc_id: "vpc-1".into(),
            subnets: subnets.iter().map(|s| Subnet { id: s.to_string(), vpc_id: "vpc-1".into(), cidr: None }).collect(),
            route_tables,
        }
    }

    pub fn local() -> Route {
        route("10.0.0.0/16", "local")
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn explicit_association_wins_over_main_table() {
        let net = network(
            &["subnet-a", "subnet-b"],
            vec![
                table("rtb-main", true, &[], vec![local(), route("0.0.0.0/0", "igw-1")]),
                table("rtb-private", false, &["subnet-b"], vec![local(), route("0.0.0.0/0", "nat-1")]),
            ],
        );
        assert_eq!(public_because(&net, "subnet-a").as_deref(), Some("rtb-main (main table) routes 0.0.0.0/0 to igw-1"));
        assert_eq!(public_because(&net, "subnet-b"), None, "NAT egress is private");
    }

    #[test]
    fn main_table_fallback_can_be_private() {
        let net = network(
            &["subnet-a", "subnet-b"],
            vec![
                table("rtb-main", true, &[], vec![local()]),
                table("rtb-public", false, &["subnet-a"], vec![local(), route("::/0", "igw-1")]),
            ],
        );
        assert!(public_because(&net, "subnet-a").is_some(), "IPv6 default route to an internet gateway");
        assert_eq!(public_because(&net, "subnet-b"), None, "falls back to the private main table");
    }

    #[test]
    fn egress_only_gateway_narrow_routes_and_blackholes_are_not_public() {
        let mut blackhole = route("0.0.0.0/0", "igw-gone");
        blackhole.blackhole = true;
        for r in [route("::/0", "eigw-1"), route("198.51.100.0/24", "igw-1"), blackhole, route("0.0.0.0/0", "pcx-1")] {
            let net = network(&["subnet-a"], vec![table("rtb-main", true, &[], vec![local(), r.clone()])]);
            assert_eq!(public_because(&net, "subnet-a"), None, "{r:?}");
        }
    }
}
