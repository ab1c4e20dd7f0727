//! Load-balancer addresses, as MetalLB hands them out on kind: a pool of
//! 172.18.255.200–250 on the docker network; a LoadBalancer Service gets
//! the first free address shortly after it is created (until then kubectl
//! shows `<pending>`), with MetalLB's `IPAllocated` event. The address is
//! released when the Service is deleted (by the API server) or stops
//! being a LoadBalancer.

use crate::apiserver::{ipv4, parse_ipv4};
use crate::cluster::Cluster;
use crate::events::EventType;
use crate::store::{ObjectKey, WatchEvent, WatchEventType};
use crate::time::Millis;
use crate::value::Value;

use super::NetworkTask;

/// The pool's first address.
const POOL_FIRST: &str = "172.18.255.200";
/// The pool's last address.
const POOL_LAST: &str = "172.18.255.250";
/// How long MetalLB's controller takes to assign an address.
pub(crate) const ASSIGN_DELAY: Millis = 2_000;
/// The event source of MetalLB's controller.
const COMPONENT: &str = "metallb-controller";

/// Whether MetalLB handles this Service: a LoadBalancer without another
/// load-balancer class.
fn wants_address(svc: &Value) -> bool {
    svc.str_at(&["spec", "type"]) == Some("LoadBalancer")
        && svc.at(&["spec", "loadBalancerClass"]).is_null()
}

fn has_address(svc: &Value) -> bool {
    !super::lb_ips(svc).is_empty()
}

/// Reacts to a Service change: schedules an assignment, or clears the
/// address of a Service that is no longer a LoadBalancer.
pub(crate) fn on_service_change(
    cluster: &mut Cluster,
    event: &WatchEvent,
    current: Option<&Value>,
) {
    if event.kind == WatchEventType::Deleted {
        cluster.network.lb_pending.remove(&event.key);
        return;
    }
    let Some(svc) = current else {
        return;
    };
    if wants_address(svc) {
        if !has_address(svc) && cluster.network.lb_pending.insert(event.key.clone()) {
            cluster.schedule_network(
                ASSIGN_DELAY,
                NetworkTask::AssignLoadBalancerIp(event.key.clone()),
            );
        }
        return;
    }
    if svc.str_at(&["spec", "type"]) == Some("LoadBalancer") {
        return;
    }
    // The API server's strategy may already have cleared the status (a type
    // change): release what the previous version held too.
    let old_ips = event.old.as_ref().map(super::lb_ips).unwrap_or_default();
    for ip in old_ips.iter().chain(super::lb_ips(svc).iter()) {
        if let Some(n) = parse_ipv4(ip) {
            cluster.alloc.load_balancer_ips.remove(&n);
        }
    }
    if has_address(svc) {
        let mut status = svc.get("status").clone();
        status.set("loadBalancer", Value::object());
        let _ = cluster.update_status(&event.key, status);
    }
}

/// Assigns an address to a Service that still needs one.
pub(crate) fn assign(cluster: &mut Cluster, key: &ObjectKey) {
    cluster.network.lb_pending.remove(key);
    let Some(svc) = super::service_at(cluster, key).cloned() else {
        return;
    };
    if !wants_address(&svc) || has_address(&svc) {
        return;
    }
    let (Some(first), Some(last)) = (parse_ipv4(POOL_FIRST), parse_ipv4(POOL_LAST)) else {
        return;
    };
    let requested = svc
        .str_at(&["spec", "loadBalancerIP"])
        .and_then(parse_ipv4)
        .filter(|n| (first..=last).contains(n) && !cluster.alloc.load_balancer_ips.contains(n));
    let free =
        requested.or_else(|| (first..=last).find(|n| !cluster.alloc.load_balancer_ips.contains(n)));
    let svc_key = format!("{}/{}", key.namespace, key.name);
    let Some(n) = free else {
        cluster.record_event(
            &svc,
            None,
            EventType::Warning,
            "AllocationFailed",
            &format!("Failed to allocate IP for \"{svc_key}\": no available IPs"),
            (COMPONENT, None),
        );
        return;
    };
    let ip = ipv4(n);
    cluster.alloc.load_balancer_ips.insert(n);
    let mut status = svc.get("status").clone();
    status.set(
        "loadBalancer",
        Value::from_pairs([(
            "ingress",
            Value::array(vec![Value::from_pairs([
                ("ip", Value::from(ip.clone())),
                ("ipMode", Value::str("VIP")),
            ])]),
        )]),
    );
    if cluster.update_status(key, status).is_ok() {
        cluster.record_event(
            &svc,
            None,
            EventType::Normal,
            "IPAllocated",
            &format!("Assigned IP [\"{ip}\"]"),
            (COMPONENT, None),
        );
    }
}
