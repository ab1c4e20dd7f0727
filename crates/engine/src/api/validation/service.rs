//! Service validation (`ValidateService`, `ValidateServiceUpdate`). IP and
//! nodePort allocation, and their errors, happen in the allocator.

use super::pod::{port_num_or_name, protocol};
use super::{Sink, gint, gstr};
use crate::api::content::{
    is_dns1123_label, is_dns1123_subdomain, is_label_key, is_valid_port_num, parse_ip_sloppy,
};
use crate::api::errors::{FieldError, quote};
use crate::api::gofmt;
use crate::api::path::Path;
use crate::api::selector::validate_labels;
use crate::value::Value;

fn cluster_ips(spec: &Value) -> Vec<&str> {
    spec.get("clusterIPs")
        .items()
        .filter_map(Value::as_str)
        .collect()
}

fn is_headless(spec: &Value) -> bool {
    let ips = cluster_ips(spec);
    ips.len() == 1 && ips[0] == "None"
}

/// A Service on create or update.
pub(super) fn service(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    if let Some(old) = old {
        update_rules(spec, old.get("spec"), errs);
    }
    let sp = Path::new("spec");
    let ty = gstr(spec, "type").unwrap_or("");
    let headless = is_headless(spec);
    let ports = spec.get("ports");
    let pp = sp.child("ports");
    if ports.is_empty() && !headless && ty != "ExternalName" {
        errs.required(&pp, "");
    }
    let cips = sp.child("clusterIPs");
    match ty {
        "LoadBalancer" => {
            for (i, port) in ports.items().enumerate() {
                if gint(port, "port") == Some(10250) {
                    errs.invalid(
                        &pp.index(i),
                        "10250".into(),
                        "may not expose port 10250 externally since it is used by kubelet",
                    );
                }
            }
            if headless {
                errs.invalid(
                    &cips.index(0),
                    quote("None"),
                    "may not be set to 'None' for LoadBalancer services",
                );
            }
        }
        "NodePort" if headless => {
            errs.invalid(
                &cips.index(0),
                quote("None"),
                "may not be set to 'None' for NodePort services",
            );
        }
        "ExternalName" => {
            if !spec.get("clusterIPs").is_empty() {
                errs.forbidden(&cips, "may not be set for ExternalName services");
            }
            if !spec.get("ipFamilies").is_empty() {
                errs.forbidden(
                    &sp.child("ipFamilies"),
                    "may not be set for ExternalName services",
                );
            }
            if !spec.get("ipFamilyPolicy").is_null() {
                errs.forbidden(
                    &sp.child("ipFamilyPolicy"),
                    "may not be set for ExternalName services",
                );
            }
            if let Some(name) = gstr(spec, "externalName") {
                // A trailing dot marks a fully qualified name.
                let cname = name.strip_suffix('.').unwrap_or(name);
                if cname.is_empty() {
                    errs.required(&sp.child("externalName"), "");
                } else {
                    errs.invalid_each(
                        &sp.child("externalName"),
                        cname,
                        is_dns1123_subdomain(cname),
                    );
                }
            }
        }
        _ => {}
    }
    let many = ports.items().len() > 1;
    let mut names: Vec<&str> = Vec::new();
    for (i, port) in ports.items().enumerate() {
        service_port(port, many, &mut names, &pp.index(i), errs);
    }
    if spec.get("selector").as_object().is_some() {
        validate_labels(spec.get("selector"), &sp.child("selector"), errs);
    }
    let affinity = gstr(spec, "sessionAffinity").unwrap_or("");
    match affinity {
        "" => errs.required(&sp.child("sessionAffinity"), ""),
        "ClientIP" | "None" => {}
        other => errs.not_supported(
            &sp.child("sessionAffinity"),
            quote(other),
            &["ClientIP", "None"],
        ),
    }
    let cfg = spec.get("sessionAffinityConfig");
    let cp = sp.child("sessionAffinityConfig");
    if affinity == "ClientIP" {
        if cfg.as_object().is_none() {
            errs.required(&cp, "when session affinity type is ClientIP");
        } else if cfg.get("clientIP").as_object().is_none() {
            errs.required(
                &cp.child("clientIP"),
                "when session affinity type is ClientIP",
            );
        } else {
            let tp = cp.child("clientIP");
            let tp = tp.child("timeoutSeconds");
            match cfg.at(&["clientIP", "timeoutSeconds"]).as_i64() {
                None => errs.required(&tp, "when session affinity type is ClientIP"),
                Some(t) if t <= 0 || t > 86400 => {
                    errs.invalid(
                        &tp,
                        t.to_string(),
                        "must be greater than 0 and less than 86400",
                    );
                }
                Some(_) => {}
            }
        }
    } else if affinity == "None" && !cfg.is_null() {
        errs.forbidden(&cp, "must not be set when session affinity is None");
    }
    cluster_ips_related(spec, &sp, errs);
    let ep = sp.child("externalIPs");
    for (i, ip) in spec.get("externalIPs").items().enumerate() {
        if let Some(ip) = ip.as_str() {
            if parse_ip_sloppy(ip).is_none() {
                errs.invalid(&ep.index(i), quote(ip), crate::api::content::INVALID_IP);
            } else {
                non_special_ip(ip, &ep.index(i), errs);
            }
        }
    }
    match ty {
        "" => errs.required(&sp.child("type"), ""),
        "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName" => {}
        other => errs.not_supported(
            &sp.child("type"),
            quote(other),
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        ),
    }
    if ty == "ClusterIP" {
        for (i, port) in ports.items().enumerate() {
            if gint(port, "nodePort").is_some_and(|n| n != 0) {
                let ip = pp.index(i);
                errs.forbidden(
                    &ip.child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                );
            }
        }
    }
    let mut node_ports: Vec<(&str, i64)> = Vec::new();
    for (i, port) in ports.items().enumerate() {
        let np = gint(port, "nodePort").unwrap_or(0);
        if np == 0 {
            continue;
        }
        let key = (gstr(port, "protocol").unwrap_or(""), np);
        if node_ports.contains(&key) {
            let ip = pp.index(i);
            errs.duplicate(&ip.child("nodePort"), np.to_string());
        }
        node_ports.push(key);
    }
    let mut seen: Vec<(&str, i64)> = Vec::new();
    for (i, port) in ports.items().enumerate() {
        let key = (
            gstr(port, "protocol").unwrap_or(""),
            gint(port, "port").unwrap_or(0),
        );
        if seen.contains(&key) {
            errs.duplicate(
                &pp.index(i),
                format!(
                    "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
                    quote(key.0),
                    key.1
                ),
            );
        }
        seen.push(key);
    }
    if !spec.get("loadBalancerSourceRanges").is_empty() {
        // Upstream capitalises this path.
        let lp = sp.child("LoadBalancerSourceRanges");
        if ty != "LoadBalancer" {
            errs.forbidden(&lp, "may only be used when `type` is 'LoadBalancer'");
        }
        for (i, r) in spec.get("loadBalancerSourceRanges").items().enumerate() {
            if let Some(r) = r.as_str()
                && !valid_cidr(r.trim())
            {
                errs.invalid(
                    &lp.index(i),
                    quote(r.trim()),
                    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                );
            }
        }
    }
    if !spec.get("allocateLoadBalancerNodePorts").is_null() && ty != "LoadBalancer" {
        errs.forbidden(
            &sp.child("allocateLoadBalancerNodePorts"),
            "may only be used when `type` is 'LoadBalancer'",
        );
    }
    if ty == "LoadBalancer" && spec.get("allocateLoadBalancerNodePorts").is_null() {
        // Upstream leaves out the `spec.` prefix here.
        errs.required(&Path::new("allocateLoadBalancerNodePorts"), "");
    }
    if let Some(class) = spec.get("loadBalancerClass").as_str() {
        if ty == "LoadBalancer" {
            errs.invalid_each(&sp.child("loadBalancerClass"), class, is_label_key(class));
        } else {
            errs.forbidden(
                &sp.child("loadBalancerClass"),
                "may only be used when `type` is 'LoadBalancer'",
            );
        }
    }
    traffic_policies(spec, ty, &sp, errs);
}

fn service_port<'a>(
    port: &'a Value,
    require_name: bool,
    names: &mut Vec<&'a str>,
    p: &Path,
    errs: &mut Vec<FieldError>,
) {
    let name = gstr(port, "name").unwrap_or("");
    if require_name && name.is_empty() {
        errs.required(&p.child("name"), "");
    } else if !name.is_empty() {
        errs.invalid_each(&p.child("name"), name, is_dns1123_label(name));
        if names.contains(&name) {
            errs.duplicate(&p.child("name"), quote(name));
        } else {
            names.push(name);
        }
    }
    if let Some(n) = gint(port, "port") {
        for m in is_valid_port_num(n) {
            errs.invalid(&p.child("port"), n.to_string(), &m);
        }
    }
    if let Some(proto) = gstr(port, "protocol") {
        protocol(proto, &p.child("protocol"), errs);
    }
    port_num_or_name(port.get("targetPort"), &p.child("targetPort"), errs);
    if let Some(app) = port.get("appProtocol").as_str() {
        errs.invalid_each(&p.child("appProtocol"), app, is_label_key(app));
    }
}

fn externally_accessible(spec: &Value, ty: &str) -> bool {
    ty == "LoadBalancer"
        || ty == "NodePort"
        || (ty == "ClusterIP" && !spec.get("externalIPs").is_empty())
}

fn traffic_policies(spec: &Value, ty: &str, sp: &Path, errs: &mut Vec<FieldError>) {
    let etp = gstr(spec, "externalTrafficPolicy").unwrap_or("");
    let ep = sp.child("externalTrafficPolicy");
    if !externally_accessible(spec, ty) {
        if !etp.is_empty() {
            errs.invalid(
                &ep,
                quote(etp),
                "may only be set for externally-accessible services",
            );
        }
    } else if etp.is_empty() {
        errs.required(&ep, "");
    } else if etp != "Cluster" && etp != "Local" {
        errs.not_supported(&ep, quote(etp), &["Cluster", "Local"]);
    }
    // A Local LoadBalancer needs a health check port, which the allocator
    // assigns; only a stray one is refused here.
    let needs_hc = ty == "LoadBalancer" && etp == "Local";
    let hc = gint(spec, "healthCheckNodePort").unwrap_or(0);
    let hp = sp.child("healthCheckNodePort");
    if !needs_hc && hc != 0 {
        errs.invalid(
            &hp,
            hc.to_string(),
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        );
    } else if needs_hc && hc != 0 {
        for m in is_valid_port_num(hc) {
            errs.invalid(&hp, hc.to_string(), &m);
        }
    }
    let itp = spec.get("internalTrafficPolicy");
    let ip = sp.child("internalTrafficPolicy");
    match itp.as_str() {
        None if itp.is_null() && matches!(ty, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            errs.required(&ip, "");
        }
        Some(v) if v != "Cluster" && v != "Local" => {
            errs.not_supported(&ip, quote(v), &["Cluster", "Local"]);
        }
        _ => {}
    }
    if let Some(td) = spec.get("trafficDistribution").as_str()
        && !matches!(td, "PreferClose" | "PreferSameZone" | "PreferSameNode")
    {
        errs.not_supported(
            &sp.child("trafficDistribution"),
            quote(td),
            &["PreferClose", "PreferSameZone", "PreferSameNode"],
        );
    }
}

/// `ValidateServiceClusterIPsRelatedFields`
fn cluster_ips_related(spec: &Value, sp: &Path, errs: &mut Vec<FieldError>) {
    if gstr(spec, "type") == Some("ExternalName") {
        return;
    }
    let cp = sp.child("clusterIPs");
    let ips = cluster_ips(spec);
    let shown = || gofmt::string_slice(spec.get("clusterIPs"));
    let cluster_ip = gstr(spec, "clusterIP").unwrap_or("");
    if !cluster_ip.is_empty() {
        if ips.is_empty() {
            errs.required(&cp, "");
        } else if ips[0] != cluster_ip {
            errs.invalid(&cp, shown(), "first value must match `clusterIP`");
        }
    } else if !ips.is_empty() {
        errs.invalid(
            &cp,
            shown(),
            "must be empty when `clusterIP` is not specified",
        );
    }
    let fp = sp.child("ipFamilies");
    let mut seen: Vec<&str> = Vec::new();
    for (i, f) in spec.get("ipFamilies").items().enumerate() {
        let Some(f) = f.as_str() else { continue };
        if f != "IPv4" && f != "IPv6" {
            errs.not_supported(&fp.index(i), quote(f), &["IPv4", "IPv6"]);
        }
        if seen.contains(&f) {
            errs.duplicate(&fp.index(i), quote(f));
        }
        seen.push(f);
    }
    if let Some(policy) = spec.get("ipFamilyPolicy").as_str()
        && !matches!(
            policy,
            "SingleStack" | "PreferDualStack" | "RequireDualStack"
        )
    {
        errs.not_supported(
            &sp.child("ipFamilyPolicy"),
            quote(policy),
            &["PreferDualStack", "RequireDualStack", "SingleStack"],
        );
    }
    let mut invalid = false;
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && *ip == "None" {
            if ips.len() > 1 {
                invalid = true;
                errs.invalid(&cp, shown(), "'None' must be the first and only value");
            }
            continue;
        }
        if parse_ip_sloppy(ip).is_none() {
            invalid = true;
            errs.invalid(&cp.index(i), quote(ip), crate::api::content::INVALID_IP);
        }
    }
    if ips.len() > 2 {
        errs.invalid(&cp, shown(), "may only hold up to 2 values");
    }
    if invalid {
        return;
    }
    if ips.len() > 1 {
        let v6 = |s: &str| parse_ip_sloppy(s).is_some_and(|a| a.is_ipv6());
        let dual = ips.len() == 2 && v6(ips[0]) != v6(ips[1]);
        if !dual {
            errs.invalid(
                &cp,
                shown(),
                "may specify no more than one IP for each IP family",
            );
        }
    }
    if !is_headless(spec) {
        let fams: Vec<&str> = spec
            .get("ipFamilies")
            .items()
            .filter_map(Value::as_str)
            .collect();
        for (i, ip) in ips.iter().enumerate() {
            let Some(fam) = fams.get(i) else { break };
            let is_v6 = parse_ip_sloppy(ip).is_some_and(|a| a.is_ipv6());
            if *fam == "IPv4" && is_v6 {
                errs.invalid(
                    &cp.index(i),
                    quote(ip),
                    &format!("expected an IPv4 value as indicated by `ipFamilies[{i}]`"),
                );
            }
            if *fam == "IPv6" && !is_v6 {
                errs.invalid(
                    &cp.index(i),
                    quote(ip),
                    &format!("expected an IPv6 value as indicated by `ipFamilies[{i}]`"),
                );
            }
        }
    }
}

/// `ValidateNonSpecialIP` (external IPs, endpoints).
pub(super) fn non_special_ip(ip: &str, p: &Path, errs: &mut Vec<FieldError>) {
    let Some(addr) = parse_ip_sloppy(ip) else {
        errs.invalid(p, quote(ip), "must be a valid IP address");
        return;
    };
    if addr.is_unspecified() {
        errs.invalid(p, quote(ip), &format!("may not be unspecified ({ip})"));
    }
    if addr.is_loopback() {
        errs.invalid(
            p,
            quote(ip),
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        );
    }
    let link_local = match addr {
        std::net::IpAddr::V4(a) => a.is_link_local(),
        std::net::IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
    };
    if link_local {
        errs.invalid(
            p,
            quote(ip),
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        );
    }
    let ll_multicast = match addr {
        std::net::IpAddr::V4(a) => a.octets()[0] == 224 && a.octets()[1] == 0 && a.octets()[2] == 0,
        std::net::IpAddr::V6(a) => (a.segments()[0] & 0xff0f) == 0xff02,
    };
    if ll_multicast {
        errs.invalid(
            p,
            quote(ip),
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        );
    }
}

pub(super) fn valid_cidr(s: &str) -> bool {
    let Some((ip, bits)) = s.split_once('/') else {
        return false;
    };
    let Some(addr) = parse_ip_sloppy(ip) else {
        return false;
    };
    let max = if addr.is_ipv6() { 128 } else { 32 };
    bits.parse::<u32>().is_ok_and(|b| b <= max) && bits.bytes().all(|b| b.is_ascii_digit())
}

/// The update-only rules: cluster IPs and families may not change, nor a
/// health check port once set.
fn update_rules(spec: &Value, old: &Value, errs: &mut Vec<FieldError>) {
    let ty = gstr(spec, "type").unwrap_or("");
    let old_ty = gstr(old, "type").unwrap_or("");
    if ty == "ExternalName" || old_ty == "ExternalName" {
        return;
    }
    let sp = Path::new("spec");
    let cp = sp.child("clusterIPs");
    let (new_ips, old_ips) = (cluster_ips(spec), cluster_ips(old));
    let shown = || gofmt::string_slice(spec.get("clusterIPs"));
    if !(is_headless(spec) && is_headless(old)) {
        if new_ips.len() == old_ips.len() {
            for (i, ip) in old_ips.iter().enumerate() {
                if *ip != new_ips[i] {
                    errs.invalid(&cp.index(i), shown(), "may not change once set");
                }
            }
        } else if old_ips.len() > new_ips.len() {
            if new_ips.is_empty() {
                errs.invalid(&cp.index(0), shown(), "primary clusterIP can not be unset");
            }
            if !old_ips.is_empty() && !new_ips.is_empty() && new_ips[0] != old_ips[0] {
                errs.invalid(&cp.index(0), shown(), "may not change once set");
            }
            if new_ips.len() == 1 && spec.get("ipFamilyPolicy").as_str() != Some("SingleStack") {
                errs.invalid(
                    &sp.child("ipFamilyPolicy"),
                    policy_shown(spec),
                    "must be set to 'SingleStack' when releasing the secondary clusterIP",
                );
            }
        } else if !old_ips.is_empty() && new_ips[0] != old_ips[0] {
            errs.invalid(&cp.index(0), shown(), "may not change once set");
        }
    }
    if is_headless(spec) == is_headless(old) && !is_headless(spec) {
        let fp = sp.child("ipFamilies");
        let fams = |v: &Value| -> Vec<String> {
            v.get("ipFamilies")
                .items()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        };
        let (nf, of) = (fams(spec), fams(old));
        let fams_shown = || {
            let v: Vec<&str> = nf.iter().map(String::as_str).collect();
            format!(
                "[]core.IPFamily{{{}}}",
                v.iter().map(|f| quote(f)).collect::<Vec<_>>().join(", ")
            )
        };
        if nf.len() == of.len() {
            for (i, f) in of.iter().enumerate() {
                if *f != nf[i] {
                    errs.invalid(&fp.index(0), fams_shown(), "may not change once set");
                }
            }
        } else if of.len() > nf.len() {
            if !nf.is_empty() && nf[0] != of[0] {
                errs.invalid(&fp.index(0), shown(), "may not change once set");
            }
            if nf.len() == 1 && spec.get("ipFamilyPolicy").as_str() != Some("SingleStack") {
                errs.invalid(
                    &sp.child("ipFamilyPolicy"),
                    policy_shown(spec),
                    "must be set to 'SingleStack' when releasing the secondary ipFamily",
                );
            }
        } else if !of.is_empty() && !nf.is_empty() && nf[0] != of[0] {
            errs.invalid(&fp.index(0), shown(), "may not change once set");
        }
    }
    if ty == "LoadBalancer" && old_ty == "LoadBalancer" {
        let (n, o) = (spec.get("loadBalancerClass"), old.get("loadBalancerClass"));
        if n != o {
            let shown = match n.as_str() {
                Some(s) => quote(s),
                None => "null".into(),
            };
            errs.invalid(
                &sp.child("loadBalancerClass"),
                shown,
                "may not change once set",
            );
        }
    }
    let needs_hc = |s: &Value| {
        gstr(s, "type") == Some("LoadBalancer") && gstr(s, "externalTrafficPolicy") == Some("Local")
    };
    if needs_hc(spec)
        && needs_hc(old)
        && gint(spec, "healthCheckNodePort") != gint(old, "healthCheckNodePort")
    {
        errs.forbidden(&sp.child("healthCheckNodePort"), "field is immutable");
    }
}

fn policy_shown(spec: &Value) -> String {
    match spec.get("ipFamilyPolicy").as_str() {
        Some(p) => quote(p),
        None => "null".into(),
    }
}
