//! The Examples menu: the seed document's objects and a few manifests that
//! show one Kubernetes behaviour each.

/// One entry of the Examples menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    /// Its name in URLs (`?example=seed-app`).
    pub id: &'static str,
    /// The menu's title.
    pub title: &'static str,
    /// One line on what it shows.
    pub description: &'static str,
    /// The editor tab it opens in.
    pub file_name: &'static str,
    /// The manifest.
    pub text: &'static str,
}

/// The seed document's Deployment, exactly as written there.
pub const SEED_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: snacker-deployment
spec:
  revisionHistoryLimit: 10
  replicas: 1
  selector:
    matchLabels:
      app: snacker
  template:
    metadata:
      labels:
        app: snacker
    spec:
      containers:
        - name: snacker
          image: registry.lambdaclass.com/snackerbis
          ports:
            - containerPort: 80
      imagePullSecrets:
        - name: lambdaclass-registry
";

/// The pull Secret the seed Deployment names in `imagePullSecrets`.
pub const SEED_SECRET: &str = "# The credentials the kubelet uses to pull images from
# registry.lambdaclass.com (the Deployment names this Secret in
# imagePullSecrets). .dockerconfigjson is base64 of:
# {\"auths\":{\"registry.lambdaclass.com\":{\"username\":\"snacker\",
#   \"password\":\"not-a-real-password\",\"auth\":\"c25hY2tlcjpub3QtYS1yZWFsLXBhc3N3b3Jk\"}}}
apiVersion: v1
kind: Secret
metadata:
  name: lambdaclass-registry
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6eyJyZWdpc3RyeS5sYW1iZGFjbGFzcy5jb20iOnsidXNlcm5hbWUiOiJzbmFja2VyIiwicGFzc3dvcmQiOiJub3QtYS1yZWFsLXBhc3N3b3JkIiwiYXV0aCI6ImMyNWhZMnRsY2pwdWIzUXRZUzF5WldGc0xYQmhjM04zYjNKayJ9fX0=
";

/// The Service the seed's Ingress sends traffic to.
pub const SEED_SERVICE: &str = "# Pods come and go; the Service gives them one stable address and
# balances requests over the ready ones labelled app: snacker.
apiVersion: v1
kind: Service
metadata:
  name: snackerbis-service
spec:
  selector:
    app: snacker
  ports:
    - port: 80
      targetPort: 80
";

/// The seed document's Ingress, exactly as written there (the legacy
/// `extensions/v1beta1` version, converted with kubectl's warning).
pub const SEED_INGRESS: &str = "apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: snackerbis-ingress
  annotations:
    kubernetes.io/ingress.class: \"nginx\"
  labels:
    app: snackerbis
spec:
  rules:
  - host: kube.lambdaclass.com
    http:
      paths:
      - path: /snackerbis
        backend:
          serviceName: snackerbis-service
          servicePort: 80
";

/// The four seed objects in one file.
pub const SEED_APP: &str = concat!(
    "# The seed document's application: pull Secret, Deployment, Service\n",
    "# and Ingress. Apply, then send requests to\n",
    "# http://kube.lambdaclass.com/snackerbis from the Traffic tab.\n",
    "apiVersion: v1
kind: Secret
metadata:
  name: lambdaclass-registry
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6eyJyZWdpc3RyeS5sYW1iZGFjbGFzcy5jb20iOnsidXNlcm5hbWUiOiJzbmFja2VyIiwicGFzc3dvcmQiOiJub3QtYS1yZWFsLXBhc3N3b3JkIiwiYXV0aCI6ImMyNWhZMnRsY2pwdWIzUXRZUzF5WldGc0xYQmhjM04zYjNKayJ9fX0=
---
",
    "apiVersion: apps/v1
kind: Deployment
metadata:
  name: snacker-deployment
spec:
  revisionHistoryLimit: 10
  replicas: 1
  selector:
    matchLabels:
      app: snacker
  template:
    metadata:
      labels:
        app: snacker
    spec:
      containers:
        - name: snacker
          image: registry.lambdaclass.com/snackerbis
          ports:
            - containerPort: 80
      imagePullSecrets:
        - name: lambdaclass-registry
---
apiVersion: v1
kind: Service
metadata:
  name: snackerbis-service
spec:
  selector:
    app: snacker
  ports:
    - port: 80
      targetPort: 80
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: snackerbis-ingress
  annotations:
    kubernetes.io/ingress.class: \"nginx\"
  labels:
    app: snackerbis
spec:
  rules:
  - host: kube.lambdaclass.com
    http:
      paths:
      - path: /snackerbis
        backend:
          serviceName: snackerbis-service
          servicePort: 80
"
);

const NGINX: &str = "# A plain web server: three replicas, each asking the scheduler for a
# tenth of a CPU and 64Mi of memory.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports:
            - containerPort: 80
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
          readinessProbe:
            httpGet:
              path: /
              port: 80
";

const CRASH_LOOP: &str = "# A container that exits with an error five seconds after it starts.
# The kubelet restarts it with a growing back-off (10s, 20s, 40s … 5m):
# watch the pod go Running → Error → CrashLoopBackOff, and read its
# logs and events in the Inspector.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crashy
spec:
  replicas: 2
  selector:
    matchLabels:
      app: crashy
  template:
    metadata:
      labels:
        app: crashy
    spec:
      containers:
        - name: app
          image: busybox:1.36
          command:
            - sh
            - -c
            - \"echo starting up; sleep 5; echo 'fatal: cannot reach the database' >&2; exit 1\"
";

const AFFINITY_TAINTS: &str = "# Placement rules. These pods need a node labelled disktype=ssd and
# tolerate the taint dedicated=cache:NoSchedule. No node has the label,
# so they stay Pending: the Inspector's Scheduling tab says why. Then, in
# the Console:
#   kubectl label nodes node-2 disktype=ssd
#   kubectl taint nodes node-2 dedicated=cache:NoSchedule
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssd-cache
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ssd-cache
  template:
    metadata:
      labels:
        app: ssd-cache
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - key: disktype
                    operator: In
                    values:
                      - ssd
      tolerations:
        - key: dedicated
          operator: Equal
          value: cache
          effect: NoSchedule
      containers:
        - name: redis
          image: redis:7.4
          resources:
            requests:
              cpu: 500m
              memory: 256Mi
";

const ROLLING_UPDATE: &str = "# A rolling update. Apply, wait until 6/6 pods are ready, then change
# the image to nginx:1.27 and apply again: the new ReplicaSet grows one
# pod at a time while the old one drains, never dropping below 6 ready.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 6
  minReadySeconds: 3
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.26
          ports:
            - containerPort: 80
          readinessProbe:
            httpGet:
              path: /
              port: 80
            initialDelaySeconds: 2
            periodSeconds: 2
";

/// The Kubernetes docs' Job: computes π to 2000 digits and exits.
const PI_JOB: &str = "# The Kubernetes docs' Job: one pod runs to completion.
# Apply, then: kubectl get jobs; kubectl logs job/pi
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
        - name: pi
          image: perl:5.34.0
          command: [\"perl\", \"-Mbignum=bpi\", \"-wle\", \"print bpi(2000)\"]
      restartPolicy: Never
  backoffLimit: 4
";

/// The Kubernetes docs' CronJob: a Job every minute.
const HELLO_CRONJOB: &str =
    "# The Kubernetes docs' CronJob: a Job every minute; the last three kept.
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: \"* * * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: hello
              image: busybox:1.28
              imagePullPolicy: IfNotPresent
              command:
                - /bin/sh
                - -c
                - date; echo Hello from the Kubernetes cluster
          restartPolicy: OnFailure
";

/// A namespace's budget: defaults from a LimitRange, and a quota that
/// stops the Deployment at four of its six pods. In a namespace of its
/// own, so that it limits nothing else the playground runs.
const QUOTA_LIMITS: &str =
    "# In the budget namespace, the LimitRanger fills in requests and limits the
# containers leave out; the quota admits four pods, and the ReplicaSet
# reports FailedCreate for the rest.
apiVersion: v1
kind: Namespace
metadata:
  name: budget
---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: budget
spec:
  limits:
  - type: Container
    default:
      cpu: 250m
      memory: 128Mi
    defaultRequest:
      cpu: 100m
      memory: 64Mi
    max:
      cpu: \"1\"
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: team-quota
  namespace: budget
spec:
  hard:
    pods: \"4\"
    requests.cpu: \"1\"
    limits.memory: 1Gi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: budget-web
  namespace: budget
spec:
  replicas: 6
  selector:
    matchLabels:
      app: budget-web
  template:
    metadata:
      labels:
        app: budget-web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
";

/// A service account that may read pods and their logs in one namespace,
/// for trying `--as` and `kubectl auth can-i` in the console.
const RBAC_READER: &str = "# The viewer service account may read pods and their logs in the team
# namespace, and nothing else. Try in the console:
#   kubectl auth can-i --list -n team --as=system:serviceaccount:team:viewer
#   kubectl get pods -n team --as=system:serviceaccount:team:viewer
#   kubectl delete deployment team-web -n team --as=system:serviceaccount:team:viewer
apiVersion: v1
kind: Namespace
metadata:
  name: team
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: viewer
  namespace: team
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: team
rules:
- apiGroups: [\"\"]
  resources: [\"pods\", \"pods/log\"]
  verbs: [\"get\", \"list\", \"watch\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: viewer-reads-pods
  namespace: team
subjects:
- kind: ServiceAccount
  name: viewer
  namespace: team
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: team-web
  namespace: team
spec:
  replicas: 2
  selector:
    matchLabels:
      app: team-web
  template:
    metadata:
      labels:
        app: team-web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
";

/// The docs' StatefulSet, without its volume claim templates (a kubeadm
/// cluster has no provisioner to make their volumes).
const WEB_STATEFULSET: &str =
    "# A StatefulSet: web-0, web-1 and web-2 start one at a time, each once
# the one before is Running and Ready, with stable names and DNS names
# (web-0.nginx.default.svc.cluster.local). Scaled down, web-2 goes first.
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
    - port: 80
      name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: nginx
  serviceName: nginx
  replicas: 3
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: nginx
          image: registry.k8s.io/nginx-slim:0.24
          ports:
            - containerPort: 80
              name: web
";

/// The docs' HPA walkthrough: php-apache, its Service and an autoscaler.
const PHP_APACHE_HPA: &str =
    "# The docs' HorizontalPodAutoscaler walkthrough. Apply, then in Traffic send
# http://php-apache.default.svc.cluster.local at 30 requests a second: CPU
# climbs past 50% of the request and the HPA adds pods. Stop the traffic:
# five minutes later it scales back down. Watch: kubectl get hpa
apiVersion: apps/v1
kind: Deployment
metadata:
  name: php-apache
spec:
  selector:
    matchLabels:
      run: php-apache
  template:
    metadata:
      labels:
        run: php-apache
    spec:
      containers:
        - name: php-apache
          image: registry.k8s.io/hpa-example
          ports:
            - containerPort: 80
          resources:
            limits:
              cpu: 500m
            requests:
              cpu: 200m
---
apiVersion: v1
kind: Service
metadata:
  name: php-apache
  labels:
    run: php-apache
spec:
  ports:
    - port: 80
  selector:
    run: php-apache
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: php-apache
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: php-apache
  minReplicas: 1
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 50
";

/// The Guestbook tutorial's six manifests ("Example: Deploying PHP
/// Guestbook application with Redis"): a Redis leader, two followers that
/// replicate it, and the PHP frontend.
const GUESTBOOK: &str =
    "# SOURCE: https://cloud.google.com/kubernetes-engine/docs/tutorials/guestbook
apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-leader
  labels:
    app: redis
    role: leader
    tier: backend
spec:
  replicas: 1
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
        role: leader
        tier: backend
    spec:
      containers:
      - name: leader
        image: \"registry.k8s.io/redis@sha256:cb111d1bd870a6a471385a4a69ad17469d326e9dd91e0e455350cacf36e1b3ee\"
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 6379
---
# SOURCE: https://cloud.google.com/kubernetes-engine/docs/tutorials/guestbook
apiVersion: v1
kind: Service
metadata:
  name: redis-leader
  labels:
    app: redis
    role: leader
    tier: backend
spec:
  ports:
  - port: 6379
    targetPort: 6379
  selector:
    app: redis
    role: leader
    tier: backend
---
# SOURCE: https://cloud.google.com/kubernetes-engine/docs/tutorials/guestbook
apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-follower
  labels:
    app: redis
    role: follower
    tier: backend
spec:
  replicas: 2
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
        role: follower
        tier: backend
    spec:
      containers:
      - name: follower
        image: us-docker.pkg.dev/google-samples/containers/gke/gb-redis-follower:v2
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 6379
---
# SOURCE: https://cloud.google.com/kubernetes-engine/docs/tutorials/guestbook
apiVersion: v1
kind: Service
metadata:
  name: redis-follower
  labels:
    app: redis
    role: follower
    tier: backend
spec:
  ports:
    # the port that this service should serve on
  - port: 6379
  selector:
    app: redis
    role: follower
    tier: backend
---
# SOURCE: https://cloud.google.com/kubernetes-engine/docs/tutorials/guestbook
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  replicas: 3
  selector:
    matchLabels:
        app: guestbook
        tier: frontend
  template:
    metadata:
      labels:
        app: guestbook
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5
        env:
        - name: GET_HOSTS_FROM
          value: \"dns\"
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 80
---
# SOURCE: https://cloud.google.com/kubernetes-engine/docs/tutorials/guestbook
apiVersion: v1
kind: Service
metadata:
  name: frontend
  labels:
    app: guestbook
    tier: frontend
spec:
  # if your cluster supports it, uncomment the following to automatically create
  # an external load-balanced IP for the frontend service.
  # type: LoadBalancer
  #type: LoadBalancer
  ports:
    # the port that this service should serve on
  - port: 80
  selector:
    app: guestbook
    tier: frontend
";

/// The Examples menu, in order.
pub const EXAMPLES: &[Example] = &[
    Example {
        id: "seed-app",
        title: "Seed: the whole snacker app",
        description: "Secret, Deployment, Service and legacy Ingress in one file",
        file_name: "snacker.yaml",
        text: SEED_APP,
    },
    Example {
        id: "seed-deployment",
        title: "Seed: Deployment",
        description: "snacker-deployment, a private image with imagePullSecrets",
        file_name: "deployment.yaml",
        text: SEED_DEPLOYMENT,
    },
    Example {
        id: "seed-secret",
        title: "Seed: pull Secret",
        description: "lambdaclass-registry, a kubernetes.io/dockerconfigjson Secret",
        file_name: "secret.yaml",
        text: SEED_SECRET,
    },
    Example {
        id: "seed-service",
        title: "Seed: Service",
        description: "snackerbis-service, port 80 to pods labelled app: snacker",
        file_name: "service.yaml",
        text: SEED_SERVICE,
    },
    Example {
        id: "seed-ingress",
        title: "Seed: Ingress (extensions/v1beta1)",
        description: "kube.lambdaclass.com/snackerbis, converted with a warning",
        file_name: "ingress.yaml",
        text: SEED_INGRESS,
    },
    Example {
        id: "nginx",
        title: "nginx Deployment",
        description: "Three replicas with resource requests and a readiness probe",
        file_name: "nginx.yaml",
        text: NGINX,
    },
    Example {
        id: "crash-loop",
        title: "Crash-looping app",
        description: "A container that exits 1: restarts and CrashLoopBackOff",
        file_name: "crashy.yaml",
        text: CRASH_LOOP,
    },
    Example {
        id: "affinity-taints",
        title: "Node affinity and taints",
        description: "Pods that need a labelled node and tolerate its taint",
        file_name: "affinity.yaml",
        text: AFFINITY_TAINTS,
    },
    Example {
        id: "rolling-update",
        title: "Rolling update",
        description: "Six replicas, maxSurge 1, maxUnavailable 0: change the image",
        file_name: "rolling-update.yaml",
        text: ROLLING_UPDATE,
    },
    Example {
        id: "statefulset",
        title: "StatefulSet: ordered pods",
        description: "web-0, web-1, web-2 one at a time, behind a headless Service",
        file_name: "statefulset.yaml",
        text: WEB_STATEFULSET,
    },
    Example {
        id: "hpa",
        title: "Autoscaling: php-apache",
        description: "The docs' HPA walkthrough: send traffic, watch it scale",
        file_name: "php-apache.yaml",
        text: PHP_APACHE_HPA,
    },
    Example {
        id: "job",
        title: "Job: compute π",
        description: "The docs' pi Job: one pod runs to completion",
        file_name: "job.yaml",
        text: PI_JOB,
    },
    Example {
        id: "quota-limits",
        title: "Quota and LimitRange",
        description: "A namespace whose quota stops the fifth pod; defaults filled in",
        file_name: "quota-limits.yaml",
        text: QUOTA_LIMITS,
    },
    Example {
        id: "rbac-reader",
        title: "RBAC: a read-only account",
        description: "A service account that may only read pods; try it with --as",
        file_name: "rbac-reader.yaml",
        text: RBAC_READER,
    },
    Example {
        id: "cronjob",
        title: "CronJob: every minute",
        description: "The docs' hello CronJob: a Job each minute, history kept",
        file_name: "cronjob.yaml",
        text: HELLO_CRONJOB,
    },
    Example {
        id: "guestbook",
        title: "Guestbook: PHP and Redis",
        description: "The docs' tutorial: Redis followers replicate the leader; the frontend reads and writes them",
        file_name: "guestbook.yaml",
        text: GUESTBOOK,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use kubeplay_engine::Cluster;
    use kubeplay_engine::apiserver::manifest::ManifestVerb;

    #[test]
    fn the_seed_app_is_the_four_seed_objects() {
        let docs: Vec<&str> = SEED_APP.split("---\n").collect();
        assert_eq!(docs.len(), 4);
        assert!(docs[1].starts_with(SEED_DEPLOYMENT));
        assert_eq!(docs[3], SEED_INGRESS);
        assert!(SEED_SECRET.ends_with(docs[0].split_once("apiVersion").map(|(_, t)| t).unwrap()));
        assert!(SEED_SERVICE.ends_with(docs[2]));
    }

    #[test]
    fn examples_are_named_for_urls() {
        let ids: Vec<&str> = EXAMPLES.iter().map(|e| e.id).collect();
        assert_eq!(
            ids,
            [
                "seed-app",
                "seed-deployment",
                "seed-secret",
                "seed-service",
                "seed-ingress",
                "nginx",
                "crash-loop",
                "affinity-taints",
                "rolling-update",
                "statefulset",
                "hpa",
                "job",
                "quota-limits",
                "rbac-reader",
                "cronjob",
                "guestbook"
            ]
        );
    }

    #[test]
    fn every_example_applies_cleanly() {
        for example in EXAMPLES {
            let mut cluster = Cluster::new(1);
            let out = cluster.run_manifest(example.text, example.file_name, ManifestVerb::Apply);
            assert!(!out.is_empty(), "{}", example.title);
            for o in &out {
                assert!(o.result.is_ok(), "{}: {:?}", example.title, o.result);
            }
        }
    }

    #[test]
    fn the_quota_example_stops_at_four_pods_with_defaults_filled_in() {
        let mut cluster = Cluster::new(1);
        cluster.run_manifest(QUOTA_LIMITS, "quota-limits.yaml", ManifestVerb::Apply);
        cluster.step(30_000);
        let files = &kubeplay_engine::kubectl::NoFiles;
        let pods = cluster.kubectl("get pods -n budget -o name", files);
        assert_eq!(pods.stdout.lines().count(), 4, "{}", pods.stdout);
        let quota = cluster.kubectl("get quota team-quota -n budget", files);
        assert!(
            quota
                .stdout
                .contains("pods: 4/4, requests.cpu: 400m/1   limits.memory: 512Mi/1Gi"),
            "{}",
            quota.stdout
        );
        let events = cluster.kubectl(
            "get events -n budget --field-selector reason=FailedCreate -o name",
            files,
        );
        assert!(!events.stdout.is_empty());
        // Nothing outside the namespace is held to it.
        let other = cluster.kubectl("create deployment free --image=nginx --replicas=6", files);
        assert_eq!(other.exit_code, 0);
        cluster.step(30_000);
        let free = cluster.kubectl(
            "get deployment free -o jsonpath={.status.readyReplicas}",
            files,
        );
        assert_eq!(free.stdout, "6");
    }

    #[test]
    fn the_guestbook_followers_replicate_what_the_frontend_writes() {
        let mut cluster = Cluster::new(1);
        cluster.run_manifest(GUESTBOOK, "guestbook.yaml", ManifestVerb::Apply);
        cluster.step(60_000);
        let files = &kubeplay_engine::kubectl::NoFiles;
        let ip = cluster
            .kubectl("get svc frontend -o jsonpath={.spec.clusterIP}", files)
            .stdout;
        let mut curl = |query: &str| {
            let url = format!("http://{ip}/guestbook.php?{query}");
            let request = kubeplay_engine::network::Request::get(&url);
            cluster.send_request(&request).body
        };
        assert_eq!(
            curl("cmd=set&key=messages&value=,hello"),
            "{\"message\": \"Updated\"}"
        );
        assert_eq!(curl("cmd=get&key=messages"), "{\"data\": \",hello\"}");
        let leader = cluster.kubectl("logs -l role=leader", files).stdout;
        assert_eq!(leader.matches("succeeded").count(), 2, "{leader}");
    }

    #[test]
    fn the_seed_app_creates_its_four_objects() {
        let mut cluster = Cluster::new(1);
        let out = cluster.run_manifest(SEED_APP, "snacker.yaml", ManifestVerb::Apply);
        let lines: Vec<String> = out.iter().filter_map(|o| o.kubectl_line()).collect();
        assert_eq!(
            lines,
            [
                "secret/lambdaclass-registry created",
                "deployment.apps/snacker-deployment created",
                "service/snackerbis-service created",
                "ingress.networking.k8s.io/snackerbis-ingress created",
            ]
        );
        assert_eq!(
            out[3].warnings,
            [
                "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"
            ]
        );
    }
}
