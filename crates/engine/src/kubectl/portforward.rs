//! `kubectl port-forward`: `Complete` (the pod and its ports), `Validate`
//! and `RunPortForward` with client-go's `PortForwarder` (addresses, ports,
//! listeners). It runs until stopped, so it only runs as a background job
//! (`&`); connections to its listeners are carried in
//! [`crate::network::portforward`].

use crate::cluster::res;
use crate::kubectl::flags::Parsed;
use crate::kubectl::logs::{PodChoice, attachable_pod};
use crate::kubectl::resources;
use crate::kubectl::{Ctx, Fail};
use crate::network::portforward::{PortForward, clashes, in_use, sandbox_of};
use crate::store::ObjectKey;
use crate::value::Value;

const PATH: &str = "kubectl port-forward";

/// kubectl's `splitPort`: `L:R`, or one value for both (`1:2:3` is `1`).
fn split_port(spec: &str) -> (&str, &str) {
    let parts: Vec<&str> = spec.split(':').collect();
    if parts.len() == 2 {
        (parts[0], parts[1])
    } else {
        (parts[0], parts[0])
    }
}

/// Go's `strconv.Atoi` (a sign is allowed).
fn atoi(s: &str) -> Option<i64> {
    crate::api::schema::golang::atoi(s.as_bytes())
}

/// `util.LookupContainerPortNumberByName`: containers, then init containers.
fn container_port_by_name(pod: &Value, name: &str) -> Result<i64, Fail> {
    ["containers", "initContainers"]
        .iter()
        .flat_map(|k| pod.at(&["spec", k]).items())
        .flat_map(|c| c.get("ports").items())
        .find(|p| p.get("name").as_str().unwrap_or("") == name)
        .and_then(|p| p.get("containerPort").as_i64())
        .ok_or_else(|| {
            Fail::error(format!(
                "Pod '{}' does not have a named port '{name}'",
                pod.str_at(&["metadata", "name"]).unwrap_or("")
            ))
        })
}

/// `util.LookupServicePortNumberByName`.
fn service_port_by_name(svc: &Value, name: &str) -> Result<i64, Fail> {
    svc.at(&["spec", "ports"])
        .items()
        .find(|p| p.get("name").as_str().unwrap_or("") == name)
        .and_then(|p| p.get("port").as_i64())
        .ok_or_else(|| {
            Fail::error(format!(
                "Service '{}' does not have a named port '{name}'",
                svc.str_at(&["metadata", "name"]).unwrap_or("")
            ))
        })
}

/// `checkUDPPortInPod` / `checkUDPPortInService`: a remote port that is
/// only UDP cannot be forwarded (named ports resolved first).
fn check_udp(ports: &[String], pod: &Value, svc: Option<&Value>) -> Result<(), Fail> {
    let declared: Vec<(i64, &str)> = match svc {
        Some(svc) => svc
            .at(&["spec", "ports"])
            .items()
            .map(|p| {
                (
                    p.get("port").as_i64().unwrap_or(0),
                    p.get("protocol").as_str().unwrap_or("TCP"),
                )
            })
            .collect(),
        None => pod
            .at(&["spec", "containers"])
            .items()
            .flat_map(|c| c.get("ports").items())
            .map(|p| {
                (
                    p.get("containerPort").as_i64().unwrap_or(0),
                    p.get("protocol").as_str().unwrap_or("TCP"),
                )
            })
            .collect(),
    };
    let has = |port: i64, protocol: &str| declared.contains(&(port, protocol));
    for spec in ports {
        let (_, remote) = split_port(spec);
        let port = match atoi(remote) {
            Some(n) => n,
            None => match svc {
                Some(svc) => service_port_by_name(svc, remote)?,
                None => container_port_by_name(pod, remote)?,
            },
        };
        if has(port, "UDP") && !has(port, "TCP") {
            return Err(Fail::error(format!(
                "UDP protocol is not supported for {remote}"
            )));
        }
    }
    Ok(())
}

/// `translateServicePortToTargetPort`: a Service port becomes the pod's
/// port its targetPort names (a headless Service's is taken as is).
fn service_ports_to_pod(ports: &[String], svc: &Value, pod: &Value) -> Result<Vec<String>, Fail> {
    let mut out = Vec::new();
    for spec in ports {
        let (local, remote) = split_port(spec);
        let mut local = local.to_string();
        let port = match atoi(remote) {
            Some(n) => n,
            None => {
                let n = service_port_by_name(svc, remote)?;
                if local == remote {
                    local = n.to_string();
                }
                n
            }
        };
        let container_port = if svc.str_at(&["spec", "clusterIP"]) == Some("None") {
            port
        } else {
            let Some(sp) = svc
                .at(&["spec", "ports"])
                .items()
                .find(|p| p.get("port").as_i64() == Some(port))
            else {
                return Err(Fail::error(format!(
                    "Service {} does not have a service port {port}",
                    svc.str_at(&["metadata", "name"]).unwrap_or("")
                )));
            };
            match sp.get("targetPort") {
                Value::Null => port,
                t => match t.as_i64() {
                    Some(0) => port,
                    Some(n) => n,
                    None => container_port_by_name(pod, t.as_str().unwrap_or(""))?,
                },
            }
        };
        let remote = container_port.to_string();
        out.push(if local == remote {
            remote
        } else {
            format!("{local}:{remote}")
        });
    }
    Ok(out)
}

/// `convertPodNamedPortToNumber`.
fn pod_named_ports(ports: &[String], pod: &Value) -> Result<Vec<String>, Fail> {
    let mut out = Vec::new();
    for spec in ports {
        let (local, remote) = split_port(spec);
        let number = match atoi(remote) {
            Some(_) => remote.to_string(),
            None => container_port_by_name(pod, remote)?.to_string(),
        };
        out.push(if local == remote {
            number
        } else {
            format!("{local}:{number}")
        });
    }
    Ok(out)
}

/// Go's `strconv.ParseUint(s, 10, 16)`, with its error text.
fn parse_port(s: &str) -> Result<u16, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.ParseUint: parsing \"{s}\": invalid syntax"
        ));
    }
    s.parse::<u16>()
        .map_err(|_| format!("strconv.ParseUint: parsing \"{s}\": value out of range"))
}

/// client-go's `parsePorts`: (local, remote), local 0 for a random port.
fn parse_ports(ports: &[String]) -> Result<Vec<(u16, u16)>, Fail> {
    let mut out = Vec::new();
    for spec in ports {
        let parts: Vec<&str> = spec.split(':').collect();
        let (local, remote) = match parts.as_slice() {
            [one] => (*one, *one),
            [l, r] => (if l.is_empty() { "0" } else { *l }, *r),
            _ => return Err(Fail::error(format!("invalid port format '{spec}'"))),
        };
        let local = parse_port(local)
            .map_err(|e| Fail::error(format!("error parsing local port '{local}': {e}")))?;
        let remote = parse_port(remote)
            .map_err(|e| Fail::error(format!("error parsing remote port '{remote}': {e}")))?;
        if remote == 0 {
            return Err(Fail::error("remote port must be > 0"));
        }
        out.push((local, remote));
    }
    Ok(out)
}

/// A listen address and whether one failure fails its port (`any`, an
/// address given by IP) or only all of them (`localhost`'s two).
struct ListenAddress {
    address: String,
    any: bool,
}

/// client-go's `parseAddresses`: deduplicated and sorted as strings, so
/// `127.0.0.1` comes before `::1`.
fn parse_addresses(given: &[String]) -> Result<Vec<ListenAddress>, Fail> {
    let mut parsed: Vec<ListenAddress> = Vec::new();
    let mut add = |address: &str, any: bool, replace: bool| match parsed
        .iter_mut()
        .find(|a| a.address == address)
    {
        Some(a) if replace => a.any = any,
        Some(_) => {}
        None => parsed.push(ListenAddress {
            address: address.to_string(),
            any,
        }),
    };
    for a in given {
        if a == "localhost" {
            add("127.0.0.1", false, false);
            add("::1", false, false);
        } else if crate::api::content::parse_ip_sloppy(a).is_some() {
            add(a, true, true);
        } else {
            return Err(Fail::error(format!("{a} is not a valid IP")));
        }
    }
    crate::sort::go_sort_by(&mut parsed, |x, y| x.address < y.address);
    Ok(parsed)
}

/// Whether the user's machine has `address`: its loopback and the
/// wildcards (it has no other address the simulation knows).
fn assignable(address: &str) -> bool {
    address == "::" || address == "0.0.0.0" || crate::network::portforward::is_loopback(address)
}

/// `net.JoinHostPort`.
fn join_host_port(host: &str, port: u16) -> String {
    crate::kubectl::printers::join_host_port(host, i64::from(port))
}

/// `kubectl port-forward TYPE/NAME [LOCAL:]REMOTE…`.
pub(crate) fn port_forward(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    if p.args.len() < 2 {
        return Err(Fail::usage(
            PATH,
            "TYPE/NAME and list of ports are required for port-forward",
        ));
    }
    let timeout = p.duration_ms("pod-running-timeout").unwrap_or(60_000);
    if timeout <= 0 {
        return Err(Fail::usage(
            PATH,
            "--pod-running-timeout must be higher than zero",
        ));
    }
    let ns = ctx.namespace.clone();
    let target = &p.args[0];
    let ports = &p.args[1..];
    let pod = attachable_pod(ctx, &ns, target, PodChoice::Attach, timeout as u64)?;
    let service = match target.split_once('/') {
        Some((t, name)) if resources::lookup_type(t)?.get().kind == "Service" => Some(
            resources::get(ctx.cluster, res("Service"), &ns, name).map_err(|e| Fail::status(&e))?,
        ),
        _ => None,
    };
    check_udp(ports, &pod, service.as_ref())?;
    let ports = match &service {
        Some(svc) => service_ports_to_pod(ports, svc, &pod)?,
        None => pod_named_ports(ports, &pod)?,
    };
    let name = pod.str_at(&["metadata", "name"]).unwrap_or("").to_string();
    // The pod as it is now.
    let pod = resources::get(ctx.cluster, res("Pod"), &ns, &name).map_err(|e| Fail::status(&e))?;
    let phase = pod.str_at(&["status", "phase"]).unwrap_or("");
    if phase != "Running" {
        return Err(Fail::error(format!(
            "unable to forward port because pod is not running. Current status={phase}"
        )));
    }
    let node = pod.str_at(&["spec", "nodeName"]).unwrap_or("");
    let node_down = ctx
        .cluster
        .kubelet
        .nodes
        .get(node)
        .filter(|n| !n.up)
        .map(|n| n.internal_ip.clone());
    let default_address = ["localhost".to_string()];
    let given = if p.changed("address") {
        p.all("address")
    } else {
        &default_address[..]
    };
    let addresses = parse_addresses(given)?;
    let mut ports = parse_ports(&ports)?;
    ctx.cluster
        .authorize_resource("create", res("Pod"), "portforward", &ns, &name)
        .map_err(|e| Fail::error(format!("error upgrading connection: {}", e.message)))?;
    if let Some(ip) = node_down {
        return Err(Fail::error(format!(
            "error upgrading connection: error dialing backend: dial tcp {ip}:10250: connect: no route to host"
        )));
    }
    let Some(job) = ctx.background.clone() else {
        return Err(Fail::error(format!(
            "kubectl port-forward runs until it is stopped, so it cannot run in the foreground in Kubeplay; start it in the background with a trailing `&` (kubectl port-forward {} &), then curl http://localhost:PORT/",
            p.args.join(" ")
        )));
    };
    // `forward`: each port on every address; a port fails when every
    // `localhost` address fails, or any address given by IP.
    let mut listeners = Vec::new();
    let mut listened = false;
    for (local, remote) in &mut ports {
        let mut errors = Vec::new();
        let mut ok_all = 0;
        let mut failed_all = 0;
        let mut failed_any = 0;
        let mut bound = Vec::new();
        for a in &addresses {
            let protocol = if a.address.contains(':') {
                "tcp6"
            } else {
                "tcp4"
            };
            // The first listener that opens takes the random port.
            if *local == 0 && assignable(&a.address) {
                *local = random_port(ctx.cluster);
            }
            let why = if !assignable(&a.address) {
                Some("cannot assign requested address")
            } else if in_use(ctx.cluster, &a.address, *local)
                || clashes(&listeners, &a.address, *local)
                || clashes(&bound, &a.address, *local)
            {
                Some("address already in use")
            } else {
                None
            };
            match why {
                Some(why) => {
                    errors.push(format!(
                        "unable to create listener: Error listen {protocol} {}: bind: {why}",
                        join_host_port(&a.address, *local)
                    ));
                    if a.any {
                        failed_any += 1;
                    } else {
                        failed_all += 1;
                    }
                }
                None => {
                    ctx.out.line(&format!(
                        "Forwarding from {} -> {remote}",
                        join_host_port(&a.address, *local)
                    ));
                    bound.push((a.address.clone(), *local, *remote));
                    if !a.any {
                        ok_all += 1;
                    }
                }
            }
        }
        if ok_all == 0 && failed_all > 0 || failed_any > 0 {
            ctx.out.err_line(&format!(
                "Unable to listen on port {local}: Listeners failed to create with the following errors: [{}]",
                errors.join(" ")
            ));
        } else {
            listened = true;
        }
        // A listener that opened stays open even when its port failed.
        listeners.extend(bound);
    }
    if !listened {
        let pairs: Vec<String> = ports.iter().map(|(l, r)| format!("{{{l} {r}}}")).collect();
        return Err(Fail::error(format!(
            "unable to listen on any of the requested ports: [{}]",
            pairs.join(" ")
        )));
    }
    let uid = pod.str_at(&["metadata", "uid"]).unwrap_or("").to_string();
    let (sandbox, netns) = sandbox_of(&uid);
    ctx.cluster.network.port_forwards.push(PortForward {
        job,
        pod: ObjectKey::of(res("Pod"), &pod),
        uid,
        sandbox,
        netns,
        listeners,
        ended: None,
        api: None,
    });
    Ok(())
}

/// `kubectl proxy`: a listener on the user's machine that passes requests
/// to the API server (in the background of the user's shell).
pub(crate) fn proxy(ctx: &mut Ctx, p: &Parsed) -> Result<(), Fail> {
    // `localhost` listens on its IPv4 address; Go opens `0.0.0.0` on both
    // families (`[::]`).
    let address = match p.str("address").unwrap_or("127.0.0.1") {
        "localhost" => "127.0.0.1",
        other => other,
    }
    .to_string();
    let port = p.int("port").unwrap_or(8001);
    let mut port = u16::try_from(port)
        .map_err(|_| Fail::error(format!("listen tcp: address {port}: invalid port")))?;
    let prefix = p.str("api-prefix").unwrap_or("/").to_string();
    let Some(job) = ctx.background.clone() else {
        return Err(Fail::error(
            "kubectl proxy runs until it is stopped, so it cannot run in the foreground in Kubeplay; start it in the background with a trailing `&` (kubectl proxy &), then curl http://localhost:8001/version",
        ));
    };
    if port == 0 && assignable(&address) {
        port = random_port(ctx.cluster);
    }
    let listen = join_host_port(&address, port);
    if !assignable(&address) {
        return Err(Fail::error(format!(
            "listen tcp {listen}: bind: cannot assign requested address"
        )));
    }
    if in_use(ctx.cluster, &address, port) {
        return Err(Fail::error(format!(
            "listen tcp {listen}: bind: address already in use"
        )));
    }
    let shown = if address == "0.0.0.0" {
        format!("[::]:{port}")
    } else {
        listen
    };
    ctx.out.line(&format!("Starting to serve on {shown}"));
    ctx.cluster.network.port_forwards.push(PortForward {
        job,
        pod: ObjectKey::new(res("Pod"), "", ""),
        uid: String::new(),
        sandbox: String::new(),
        netns: String::new(),
        listeners: vec![(address, port, 0)],
        ended: None,
        api: Some(prefix),
    });
    Ok(())
}

/// A free port from Linux's ephemeral range (32768–60999), as the kernel
/// gives a listener on port 0.
fn random_port(cluster: &mut crate::Cluster) -> u16 {
    loop {
        let port = 32_768 + cluster.rng.index(28_232) as u16;
        if !cluster
            .network
            .port_forwards
            .iter()
            .any(|f| f.listeners.iter().any(|(_, l, _)| *l == port))
        {
            return port;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_as_client_go_parses_them() {
        let p = |specs: &[&str]| {
            parse_ports(&specs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map_err(|Fail(e)| e)
        };
        assert_eq!(
            p(&["8080:80", "443", ":5000"]),
            Ok(vec![(8080, 80), (443, 443), (0, 5000)])
        );
        assert_eq!(
            p(&["8080:99999"]),
            Err("error: error parsing remote port '99999': strconv.ParseUint: parsing \"99999\": value out of range".into())
        );
        assert_eq!(
            p(&["abc:80"]),
            Err("error: error parsing local port 'abc': strconv.ParseUint: parsing \"abc\": invalid syntax".into())
        );
        assert_eq!(p(&["8080:0"]), Err("error: remote port must be > 0".into()));
        assert_eq!(split_port("1:2:3"), ("1", "1"));
    }

    #[test]
    fn addresses_sort_as_strings_and_refuse_names() {
        let a = |given: &[&str]| {
            parse_addresses(&given.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map(|v| {
                    v.into_iter()
                        .map(|a| (a.address, a.any))
                        .collect::<Vec<_>>()
                })
                .map_err(|Fail(e)| e)
        };
        assert_eq!(
            a(&["localhost"]),
            Ok(vec![("127.0.0.1".into(), false), ("::1".into(), false)])
        );
        assert_eq!(
            a(&["127.0.0.2", "localhost"]),
            Ok(vec![
                ("127.0.0.1".into(), false),
                ("127.0.0.2".into(), true),
                ("::1".into(), false)
            ])
        );
        assert_eq!(
            a(&["1.2.3.x"]),
            Err("error: 1.2.3.x is not a valid IP".into())
        );
    }
}
