//! Ingress, IngressClass (`pkg/apis/networking/validation`) and
//! EndpointSlice (`pkg/apis/discovery/validation`).

use super::service::non_special_ip;
use super::{IMMUTABLE, Sink, gint, gstr};
use crate::api::content::{
    is_dns1035_label, is_dns1123_label, is_dns1123_subdomain, is_label_key,
    is_valid_path_segment_name, is_valid_port_name, is_valid_port_num,
    is_wildcard_dns1123_subdomain, parse_ip_sloppy, regex_error,
};
use crate::api::errors::{FieldError, quote};
use crate::api::path::Path;
use crate::value::Value;

/// An Ingress on create or update.
pub(super) fn ingress(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    // Existing objects keep values that were accepted before the rules
    // tightened.
    let allow_bad_secret = old.is_some_and(|o| {
        o.at(&["spec", "tls"]).items().any(|t| {
            gstr(t, "secretName")
                .is_some_and(|n| !n.is_empty() && !is_dns1123_subdomain(n).is_empty())
        })
    });
    let allow_bad_wildcard = old.is_some_and(|o| {
        o.at(&["spec", "rules"]).items().any(|r| {
            gstr(r, "host").is_some_and(|h| h.contains('*')) && {
                let mut e = Vec::new();
                let p = Path::new("");
                rule_value(r, &p, &mut e);
                !e.is_empty()
            }
        })
    });
    let rules = spec.get("rules");
    let default_backend = spec.get("defaultBackend");
    if rules.is_empty() && default_backend.is_null() {
        let shown = if rules.is_null() {
            "[]networking.IngressRule(nil)"
        } else {
            "[]networking.IngressRule{}"
        };
        errs.invalid(
            &sp,
            shown.into(),
            "either `defaultBackend` or `rules` must be specified",
        );
    }
    if default_backend.as_object().is_some() {
        backend(default_backend, &sp.child("defaultBackend"), errs);
    }
    let rp = sp.child("rules");
    for (i, r) in rules.items().enumerate() {
        let ip = rp.index(i);
        let mut wildcard = false;
        if let Some(host) = gstr(r, "host")
            && !host.is_empty()
        {
            let hp = ip.child("host");
            if parse_ip_sloppy(host).is_some() {
                errs.invalid(&hp, quote(host), "must be a DNS name, not an IP address");
            }
            if host.contains('*') {
                errs.invalid_each(&hp, host, is_wildcard_dns1123_subdomain(host));
                wildcard = true;
            } else {
                errs.invalid_each(&hp, host, is_dns1123_subdomain(host));
            }
        }
        if !wildcard || !allow_bad_wildcard {
            rule_value(r, &ip, errs);
        }
    }
    let tp = sp.child("tls");
    for (i, t) in spec.get("tls").items().enumerate() {
        let ip = tp.index(i);
        let hp = ip.child("hosts");
        for (j, h) in t.get("hosts").items().enumerate() {
            let Some(h) = h.as_str() else { continue };
            if h.contains('*') {
                errs.invalid_each(&hp.index(j), h, is_wildcard_dns1123_subdomain(h));
            } else {
                errs.invalid_each(&hp.index(j), h, is_dns1123_subdomain(h));
            }
        }
        if !allow_bad_secret
            && let Some(name) = gstr(t, "secretName")
            && !name.is_empty()
        {
            errs.invalid_each(&ip.child("secretName"), name, is_dns1123_subdomain(name));
        }
    }
    if let Some(class) = spec.get("ingressClassName").as_str() {
        errs.invalid_each(
            &sp.child("ingressClassName"),
            class,
            is_dns1123_subdomain(class),
        );
    }
    if old.is_none()
        && let (Some(ann), Some(class)) = (
            obj.at(&["metadata", "annotations", "kubernetes.io/ingress.class"])
                .as_str(),
            spec.get("ingressClassName").as_str(),
        )
        && ann != class
    {
        let ap = Path::new("annotations");
        errs.invalid(
            &ap.child("kubernetes.io/ingress.class"),
            quote(ann),
            "must match `ingressClassName` when both are specified",
        );
    }
}

/// `validateIngressRuleValue`: the HTTP paths of a rule.
fn rule_value(r: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let http = r.get("http");
    if http.as_object().is_none() {
        return;
    }
    let hp = p.child("http");
    let pp = hp.child("paths");
    if http.get("paths").is_empty() {
        errs.required(&pp, "");
    }
    for (i, path) in http.get("paths").items().enumerate() {
        http_path(path, &pp.index(i), errs);
    }
}

/// `validateHTTPIngressPath`
fn http_path(path: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let Some(pt) = path.get("pathType").as_str() else {
        if path.get("pathType").is_null() {
            errs.required(&p.child("pathType"), "pathType must be specified");
        }
        return;
    };
    let text = gstr(path, "path").unwrap_or("");
    let pathp = p.child("path");
    match pt {
        "Exact" | "Prefix" => {
            if !text.starts_with('/') {
                errs.invalid(&pathp, quote(text), "must be an absolute path");
            }
            if !text.is_empty() {
                for bad in ["//", "/./", "/../", "%2f", "%2F"] {
                    if text.contains(bad) {
                        errs.invalid(&pathp, quote(text), &format!("must not contain '{bad}'"));
                    }
                }
                for bad in ["/..", "/."] {
                    if text.ends_with(bad) {
                        errs.invalid(&pathp, quote(text), &format!("cannot end with '{bad}'"));
                    }
                }
            }
        }
        "ImplementationSpecific" => {
            if !text.is_empty() && !text.starts_with('/') {
                errs.invalid(&pathp, quote(text), "must be an absolute path");
            }
        }
        other => errs.not_supported(
            &p.child("pathType"),
            quote(other),
            &["Exact", "ImplementationSpecific", "Prefix"],
        ),
    }
    backend(path.get("backend"), &p.child("backend"), errs);
}

/// `validateIngressBackend`
fn backend(b: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let resource = b.get("resource");
    let service = b.get("service");
    match (
        resource.as_object().is_some(),
        service.as_object().is_some(),
    ) {
        (true, true) => errs.invalid(
            p,
            quote(""),
            "cannot set both resource and service backends",
        ),
        (true, false) => typed_reference(resource, &p.child("resource"), errs),
        (false, true) => {
            let sp = p.child("service");
            match gstr(service, "name") {
                Some("") => errs.required(&sp.child("name"), ""),
                Some(name) => errs.invalid_each(&sp.child("name"), name, is_dns1035_label(name)),
                None => {}
            }
            let port = service.get("port");
            let name = gstr(port, "name").unwrap_or("");
            let number = gint(port, "number").unwrap_or(0);
            let pp = sp.child("port");
            match (!name.is_empty(), number != 0) {
                (true, true) => {
                    errs.invalid(p, quote(""), "cannot set both port name & port number")
                }
                (true, false) => {
                    errs.invalid_each(&pp.child("name"), name, is_valid_port_name(name))
                }
                (false, true) => {
                    for m in is_valid_port_num(number) {
                        errs.invalid(&pp.child("number"), number.to_string(), &m);
                    }
                }
                (false, false) => errs.required(p, "port name or number is required"),
            }
        }
        (false, false) => errs.invalid(p, quote(""), "resource or service backend is required"),
    }
}

/// `validateIngressTypedLocalObjectReference`
fn typed_reference(r: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if let Some(group) = r.get("apiGroup").as_str() {
        errs.invalid_each(&p.child("apiGroup"), group, is_dns1123_subdomain(group));
    }
    for (f, detail) in [("kind", "kind is required"), ("name", "name is required")] {
        match gstr(r, f) {
            Some("") => errs.required(&p.child(f), detail),
            Some(v) => errs.invalid_each(&p.child(f), v, is_valid_path_segment_name(v)),
            None => {}
        }
    }
}

/// The HTTP path characters allowed in a domain-prefixed path.
const HTTP_PATH_FMT: &str = r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+";

/// An IngressClass on create or update.
pub(super) fn ingress_class(obj: &Value, old: Option<&Value>, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    let cp = sp.child("controller");
    let controller = gstr(spec, "controller").unwrap_or("");
    if let Some(old) = old {
        let prev = old.at(&["spec", "controller"]).as_str().unwrap_or("");
        if prev != controller {
            errs.invalid(&cp, quote(controller), IMMUTABLE);
        }
    }
    if controller.len() > 250 {
        errs.too_long(&cp, 250);
    }
    // `IsDomainPrefixedPath`
    if controller.is_empty() {
        errs.required(&cp, "");
    } else {
        match controller.split_once('/') {
            Some((host, path)) if !host.is_empty() && !path.is_empty() => {
                errs.invalid_each(&cp, host, is_dns1123_subdomain(host));
                let ok = path
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-._~%!$&'()*+,;=:".contains(&b));
                if !ok {
                    errs.invalid(
                        &cp,
                        quote(path),
                        &regex_error("Invalid path", HTTP_PATH_FMT, &[]),
                    );
                }
            }
            _ => errs.invalid(
                &cp,
                quote(controller),
                "must be a domain-prefixed path (such as \"acme.io/foo\")",
            ),
        }
    }
    let params = spec.get("parameters");
    if params.as_object().is_some() {
        let pp = sp.child("parameters");
        typed_reference(params, &pp, errs);
        match params.get("scope").as_str() {
            None => errs.required(&pp.child("scope"), ""),
            Some("Namespace") => match params.get("namespace").as_str() {
                None => errs.required(
                    &pp.child("namespace"),
                    "`parameters.scope` is set to 'Namespace'",
                ),
                Some(ns) => errs.invalid_each(&pp.child("namespace"), ns, is_dns1123_label(ns)),
            },
            Some("Cluster") => {
                if !params.get("namespace").is_null() {
                    errs.forbidden(
                        &pp.child("namespace"),
                        "`parameters.scope` is set to 'Cluster'",
                    );
                }
            }
            Some(other) => {
                errs.not_supported(&pp.child("scope"), quote(other), &["Cluster", "Namespace"]);
            }
        }
    }
}

/// `ValidateEndpointSlice`
pub(super) fn endpoint_slice(obj: &Value, errs: &mut Vec<FieldError>) {
    let at = gstr(obj, "addressType").unwrap_or("");
    let ap = Path::new("addressType");
    match at {
        "" => errs.required(&ap, ""),
        "IPv4" | "IPv6" | "FQDN" => {}
        other => errs.not_supported(&ap, quote(other), &["FQDN", "IPv4", "IPv6"]),
    }
    let ep = Path::new("endpoints");
    for (i, e) in obj.get("endpoints").items().enumerate() {
        let ip = ep.index(i);
        let addrp = ip.child("addresses");
        let addrs = e.get("addresses");
        if addrs.is_empty() {
            errs.required(&addrp, "must contain at least 1 address");
        } else if addrs.items().len() > 100 {
            errs.push(FieldError::too_many(
                &addrp.to_string(),
                addrs.items().len(),
                100,
            ));
        }
        for (j, a) in addrs.items().enumerate() {
            let Some(a) = a.as_str() else { continue };
            let p = addrp.index(j);
            match at {
                "IPv4" => match parse_ip_sloppy(a) {
                    Some(std::net::IpAddr::V4(_)) => non_special_ip(a, &p, errs),
                    _ => errs.invalid(&p, quote(a), "must be a valid IPv4 address"),
                },
                "IPv6" => match parse_ip_sloppy(a) {
                    Some(std::net::IpAddr::V6(_)) => non_special_ip(a, &p, errs),
                    _ => errs.invalid(&p, quote(a), "must be a valid IPv6 address"),
                },
                "FQDN" => errs.invalid_each(
                    &p,
                    a,
                    is_dns1123_subdomain(a.strip_suffix('.').unwrap_or(a)),
                ),
                _ => {}
            }
        }
        if let Some(n) = e.get("nodeName").as_str() {
            errs.invalid_each(&ip.child("nodeName"), n, is_dns1123_subdomain(n));
        }
        if let Some(h) = e.get("hostname").as_str() {
            errs.invalid_each(&ip.child("hostname"), h, is_dns1123_label(h));
        }
    }
    let pp = Path::new("ports");
    let mut names: Vec<&str> = Vec::new();
    for (i, port) in obj.get("ports").items().enumerate() {
        let ip = pp.index(i);
        let name = gstr(port, "name").unwrap_or("");
        if !name.is_empty() {
            errs.invalid_each(&ip.child("name"), name, is_dns1123_label(name));
        }
        if names.contains(&name) {
            errs.duplicate(&ip.child("name"), quote(name));
        } else {
            names.push(name);
        }
        match port.get("protocol").as_str() {
            None if port.get("protocol").is_null() => errs.required(&ip.child("protocol"), ""),
            Some(p) if !matches!(p, "TCP" | "UDP" | "SCTP") => {
                errs.not_supported(&ip.child("protocol"), quote(p), &["SCTP", "TCP", "UDP"]);
            }
            _ => {}
        }
        if let Some(app) = port.get("appProtocol").as_str() {
            errs.invalid_each(&ip.child("appProtocol"), app, is_label_key(app));
        }
    }
}

/// `ValidateNetworkPolicySpec`: the pod selector, each rule's ports and
/// peers, and the policy types.
pub(super) fn network_policy(obj: &Value, errs: &mut Vec<FieldError>) {
    let spec = obj.get("spec");
    let sp = Path::new("spec");
    crate::api::selector::validate_label_selector(
        spec.get("podSelector"),
        &sp.child("podSelector"),
        errs,
    );
    for (field, peers) in [("ingress", "from"), ("egress", "to")] {
        let rules_path = sp.child(field);
        for (i, rule) in spec.get(field).items().enumerate() {
            let rp = rules_path.index(i);
            let ports_path = rp.child("ports");
            for (j, port) in rule.get("ports").items().enumerate() {
                network_policy_port(port, &ports_path.index(j), errs);
            }
            let peers_path = rp.child(peers);
            for (j, peer) in rule.get(peers).items().enumerate() {
                network_policy_peer(peer, &peers_path.index(j), errs);
            }
        }
    }
    let types = spec.get("policyTypes");
    let tp = sp.child("policyTypes");
    if types.items().count() > 2 {
        let list: Vec<&str> = types.items().filter_map(Value::as_str).collect();
        errs.invalid(
            &tp,
            format!("&[{}]", list.join(" ")),
            "may not specify more than two policyTypes",
        );
        return;
    }
    for (i, t) in types.items().enumerate() {
        let t = t.as_str().unwrap_or("");
        if !matches!(t, "Ingress" | "Egress") {
            errs.not_supported(&tp.index(i), quote(t), &["Ingress", "Egress"]);
        }
    }
}

/// `ValidateNetworkPolicyPort`.
fn network_policy_port(port: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    if let Some(proto) = gstr(port, "protocol")
        && !matches!(proto, "TCP" | "UDP" | "SCTP")
    {
        errs.not_supported(&p.child("protocol"), quote(proto), &["TCP", "UDP", "SCTP"]);
    }
    let end = port.get("endPort").as_i64();
    let ep = p.child("endPort");
    match port.get("port") {
        Value::Null => {
            if let Some(e) = end {
                errs.invalid(
                    &ep,
                    e.to_string(),
                    "may not be specified when `port` is not specified",
                );
            }
        }
        Value::String(name) => {
            if let Some(e) = end {
                errs.invalid(
                    &ep,
                    e.to_string(),
                    "may not be specified when `port` is non-numeric",
                );
            }
            errs.invalid_each(&p.child("port"), name, is_valid_port_name(name));
        }
        number => {
            let n = number.as_i64().unwrap_or(0);
            for m in is_valid_port_num(n) {
                errs.invalid(&p.child("port"), n.to_string(), &m);
            }
            if let Some(e) = end {
                if e < n {
                    // Upstream reports the port's value here.
                    errs.invalid(
                        &ep,
                        n.to_string(),
                        "must be greater than or equal to `port`",
                    );
                }
                for m in is_valid_port_num(e) {
                    errs.invalid(&ep, e.to_string(), &m);
                }
            }
        }
    }
}

/// `ValidateNetworkPolicyPeer`: exactly one kind of peer (pod and
/// namespace selectors may go together), and a well-formed ipBlock.
fn network_policy_peer(peer: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    let mut kinds = 0;
    for field in ["podSelector", "namespaceSelector"] {
        let sel = peer.get(field);
        if !sel.is_null() {
            kinds += 1;
            crate::api::selector::validate_label_selector(sel, &p.child(field), errs);
        }
    }
    let block = peer.get("ipBlock");
    if !block.is_null() {
        kinds += 1;
        ip_block(block, &p.child("ipBlock"), errs);
    }
    if kinds == 0 {
        errs.required(p, "must specify a peer");
    } else if kinds > 1 && !block.is_null() {
        errs.forbidden(p, "may not specify both ipBlock and another peer");
    }
}

/// `ValidateIPBlock`: a CIDR, and exceptions strictly inside it.
fn ip_block(block: &Value, p: &Path, errs: &mut Vec<FieldError>) {
    const CIDR_HELP: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
    let cidr = gstr(block, "cidr").unwrap_or("");
    let cp = p.child("cidr");
    if cidr.is_empty() {
        errs.required(&cp, "");
        return;
    }
    if !super::service::valid_cidr(cidr) {
        errs.invalid(&cp, quote(cidr), CIDR_HELP);
        return;
    }
    let outer = ipv4_net(cidr);
    let except_path = p.child("except");
    for (i, e) in block.get("except").items().enumerate() {
        let e = e.as_str().unwrap_or("");
        let ep = except_path.index(i);
        if !super::service::valid_cidr(e) {
            errs.invalid(&ep, quote(e), CIDR_HELP);
            continue;
        }
        if let (Some((net, bits)), Some((inner, inner_bits))) = (outer, ipv4_net(e))
            && (inner_bits <= bits || !same_prefix(net, inner, bits))
        {
            errs.invalid(&ep, quote(e), "must be a strict subset of `cidr`");
        }
    }
}

/// An IPv4 CIDR's network address and prefix length.
fn ipv4_net(cidr: &str) -> Option<(u32, u32)> {
    let (ip, bits) = cidr.split_once('/')?;
    Some((crate::apiserver::parse_ipv4(ip)?, bits.parse().ok()?))
}

fn same_prefix(a: u32, b: u32, bits: u32) -> bool {
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits.min(32))
    };
    a & mask == b & mask
}
