"""The deployment files of deploy/ (Dockerfile, docker-compose.yml, swarm-stack.yml, kubernetes/,
nginx/nginx.conf), read as Docker, Compose, Swarm, Kubernetes and nginx would read them, and held
against the real binary: every variable is one the server reads and the whole environment of each
process passes `objectvision config check`; every subcommand exists; every probe and health check
asks a route that answers 200 on the port it names, from a process running the command it checks;
the image name is the one the Dockerfile documents; nginx proxies WebSockets on the server's
WebSocket route to the API port.

No container engine runs here: the files are checked by reading them. The module runs once per
`make test`: in the embedded shape, against the release binary (build/objectvision).
"""
import ipaddress
import json
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from ovtest.deploy_files import (DEPLOY, DOCKERFILE, COMPOSE, SWARM, KUBERNETES, NGINX_CONF,
                                 RELEASE_BINARY, OUR_SERVICES, LOADER_DIRS, DEFAULT_PATH_DIRS,
                                 yaml_documents, Dockerfile, effective_config, url_port_path, Unit,
                                 compose_units, kubernetes_documents, by_kind, kubernetes_by_name,
                                 selects, kubernetes_units, nginx_directives, size_in_mib, seconds,
                                 handshake, NginxConf)
from ovtest.server import (BINARY, REPO, STOP_TIMEOUT_S, _alive, build_env, default_settings,
                           free_port, run_binary)
from ovtest.waiting import wait_for

pytestmark = [
    pytest.mark.embedded_only,
    pytest.mark.skipif(BINARY.resolve() != RELEASE_BINARY.resolve(),
                       reason="the deploy files are checked once, against the release binary "
                              "(build/objectvision)"),
]


# ---- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deploy-files")


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return Dockerfile(DOCKERFILE)


@pytest.fixture(scope="module")
def image_env(dockerfile) -> dict[str, str]:
    """The ENV of the runtime image: under every container's own environment."""
    return dockerfile.runtime["env"]


@pytest.fixture(scope="module")
def known_variables(workdir) -> set[str]:
    """The variables the server reads: what `config check` prints, and the names that
    src/config/load.cpp reads and config check does not print (REDIS_HOST, AWS_ENDPOINT_URL,
    OTEL_SDK_DISABLED, ...)."""
    printed = effective_config({"DATA_DIR": str(workdir / "data")}, workdir)
    source = (REPO / "src" / "config" / "load.cpp").read_text()
    read = {n for n in re.findall(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"', source)}
    assert {"PORT", "DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"} <= set(printed)
    return set(printed) | read


@pytest.fixture(scope="module")
def units(dockerfile, image_env, workdir) -> list[Unit]:
    """Every objectvision process of the Compose, Swarm and Kubernetes files, with its effective
    configuration (the image's ENV under its own environment)."""
    found = list(compose_units(COMPOSE, dockerfile).values())
    found += compose_units(SWARM, dockerfile).values()
    found += kubernetes_units(kubernetes_documents()).values()
    for unit in found:
        unit.config = effective_config({**image_env, **unit.env}, workdir)
    return found


class Running:
    """A process of each command that the deploy files probe, METRICS_PORT set: serve (the
    module's server) and `objectvision worker` / `scheduler`, each in a data directory of its own.
    get(command, port_variable, path) asks the right one on the right port."""

    def __init__(self, launch, root: Path):
        self.ports = {}
        metrics = free_port()
        self.server = launch.server(METRICS_PORT=str(metrics))
        self.ports["serve"] = {"PORT": self.server.port, "METRICS_PORT": metrics}
        self.procs: dict[str, tuple[subprocess.Popen, Path]] = {}
        for command in ("worker", "scheduler"):
            home = root / command
            home.mkdir()
            port = free_port()
            env = build_env({**default_settings(), "DATA_DIR": str(home / "data"),
                             "METRICS_PORT": str(port), "INFERENCE_WARM_UP_RUNS": "0"})
            log = home / f"{command}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen([str(BINARY), command], cwd=home, env=env,
                                        stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT)
            _alive.add(proc)
            self.procs[command] = (proc, log)
            self.ports[command] = {"METRICS_PORT": port}

    def get(self, command: str, variable: str, path: str) -> int:
        port = self.ports[command][variable]
        proc, log = self.procs.get(command, (self.server.proc, None))

        def answer():
            if proc.poll() is not None:
                return f"exited with {proc.returncode}"
            try:
                return requests.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code
            except requests.ConnectionError:
                return None  # not listening yet

        got = wait_for(answer, f"`objectvision {command}` answers on {variable}",
                       logs=lambda: log.read_text() if log else self.server.logs())
        assert isinstance(got, int), f"`objectvision {command}` {got}"
        return got

    def stop(self) -> None:
        for command, (proc, log) in self.procs.items():
            # Up first: a SIGTERM before the process handles it would only test the kernel.
            self.get(command, "METRICS_PORT", "/metrics")
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=STOP_TIMEOUT_S)
            _alive.discard(proc)
            assert rc == 0, f"`objectvision {command}` exited with {rc}\n{log.read_text()}"


@pytest.fixture(scope="module")
def running(module_launch, workdir):
    processes = Running(module_launch, workdir)
    yield processes
    processes.stop()


# ---- every file ------------------------------------------------------------------------------
def test_every_yaml_file_parses():
    files = sorted(DEPLOY.rglob("*.yml")) + sorted(DEPLOY.rglob("*.yaml"))
    assert {COMPOSE, SWARM, KUBERNETES / "kustomization.yaml"} <= set(files), files
    for path in files:
        docs = yaml_documents(path)
        assert docs and all(isinstance(d, dict) for d in docs), f"{path}: {docs!r}"


def test_every_variable_is_one_the_server_reads(units, known_variables, image_env):
    unknown = {f"{u.where}: {name}" for u in units for name in u.env
               if name not in known_variables}
    unknown |= {f"Dockerfile ENV {name}" for name in image_env if name not in known_variables}
    unknown |= {f"{SWARM.name} x-objectvision-env-secret: {name}"
                for name in yaml_documents(SWARM)[0]["x-objectvision-env-secret"]
                if name not in known_variables}
    for doc in kubernetes_documents():
        if doc["kind"] in ("ConfigMap", "Secret"):
            keys = {**doc.get("data", {}), **doc.get("stringData", {})}
            unknown |= {f"{doc['_file']}: {k}" for k in keys if k not in known_variables}
    assert not unknown, f"variables the server does not read: {sorted(unknown)}"


def test_every_subcommand_exists(units, dockerfile, workdir):
    commands = {u.command for u in units} | {tuple(json.loads(dockerfile.runtime["CMD"][0]))}
    assert {("serve",), ("worker",), ("scheduler",), ("migrate", "up")} <= commands
    for command in commands:
        result = run_binary([*command, "--help"], build_env({}), workdir)
        usage = re.search(r"^Usage: \S+ (.*?) \[OPTIONS\]", result.stdout, re.MULTILINE)
        assert result.returncode == 0 and usage and usage.group(1) == " ".join(command), \
            f"`objectvision {' '.join(command)}` is not a subcommand:\n{result.stdout}"


def test_every_probe_asks_a_real_route_on_the_right_port(units, running):
    probed = [u for u in units if u.probes]
    assert len(probed) >= 9, [u.where for u in probed]  # api, worker, scheduler in each file
    for unit in probed:
        for port, path in unit.probes:
            variable = next((v for v in ("PORT", "METRICS_PORT") if unit.config[v] == str(port)),
                            None)
            assert variable, (f"{unit.where}: its probe asks port {port}, neither PORT "
                              f"({unit.config['PORT']}) nor METRICS_PORT "
                              f"({unit.config['METRICS_PORT']})")
            status = running.get(unit.command[0], variable, path)
            assert status == 200, f"{unit.where}: GET {path} on {variable} answers {status}"


def test_every_process_has_the_documented_image(units, dockerfile, workdir):
    image = dockerfile.documented_image
    version = run_binary(["version"], build_env({}), workdir).stdout.split()[-1]
    assert image.rsplit(":", 1)[1] == version, f"the tag of {image} is the binary's {version}"
    wrong = {f"{u.where}: {u.image}" for u in units if u.image != image}
    assert not wrong, f"not the image the Dockerfile builds ({image}): {sorted(wrong)}"


# ---- Dockerfile ------------------------------------------------------------------------------
def test_the_dockerfile_builds_on_debian_12_with_the_projects_own_set_up(dockerfile):
    build, runtime = dockerfile.stage("build"), dockerfile.runtime
    for stage in dockerfile.stages:
        assert re.fullmatch(r"debian:(12(\.\d+)?|bookworm)(-slim)?", stage["image"]), stage["image"]
    assert runtime["image"].endswith("-slim"), runtime["image"]
    runs = "\n".join(build["runs"])
    assert "scripts/setup.sh" in runs, "the build stage runs the project's set-up"
    assert re.search(r"cmake --preset release\b.*cmake --build --preset release --target "
                     r"objectvision", runs, re.DOTALL), runs
    presets = json.loads((REPO / "CMakePresets.json").read_text())["configurePresets"]
    release = next(p for p in presets if p["name"] == "release")
    assert release["binaryDir"] == "${sourceDir}/build", "COPY --from=build takes build/"


def test_every_copied_path_exists_or_is_built(dockerfile):
    build = dockerfile.stage("build")
    build_runs = "\n".join(build["runs"])
    for stage in dockerfile.stages:
        for copy in stage["copies"]:
            for source in copy["sources"]:
                if copy["from"] is None:
                    path = REPO / source
                    assert path.exists(), f"COPY {source}: not in the repository"
                    ignored = subprocess.run(["git", "check-ignore", "-q", source], cwd=REPO,
                                             check=False).returncode == 0
                    assert not ignored, f"COPY {source}: git ignores it (a local build or secret)"
                    continue
                assert copy["from"] == "build", copy
                relative = Path(source).relative_to(build["workdir"])
                # Made by the set-up and the release build in this checkout, or by a RUN of the
                # build stage itself.
                assert (REPO / relative).exists() or str(relative) in build_runs, \
                    f"COPY --from=build {source}: neither the set-up, the build nor a RUN makes it"


def test_the_image_runs_serve_as_a_user_with_its_model_and_libraries(dockerfile, image_env,
                                                                       workdir):
    runtime = dockerfile.runtime
    config = effective_config(image_env, workdir)
    assert json.loads(runtime["ENTRYPOINT"][0]) == ["objectvision"]
    assert json.loads(runtime["CMD"][0]) == ["serve"]
    copies = {c["sources"][0]: c["dest"] for c in runtime["copies"] if c["from"] == "build"}
    binary = copies["/src/build/objectvision"]
    assert str(Path(binary).parent) in DEFAULT_PATH_DIRS, f"objectvision is not on PATH: {binary}"
    onnxruntime = copies["/src/third_party/onnxruntime/lib/libonnxruntime.so.1"]
    assert onnxruntime.rstrip("/") in LOADER_DIRS, onnxruntime
    assert any(r.startswith("ldconfig") for r in runtime["runs"]), "ldconfig after the library"
    models = copies["/src/models/"].rstrip("/")
    assert config["MODELS_DIR"] == models, "the server looks for models where they are copied"
    assert (REPO / "models").is_dir() and any((REPO / "models").glob("*/*/model.onnx"))
    user = runtime["USER"][0].split(":")[0]
    assert user.isdigit() and int(user) >= 1000, f"USER {user}: numeric, not root"
    assert config["DATA_DIR"] in json.loads(runtime["VOLUME"][0]), "DATA_DIR is a volume"
    assert config["HOST"] == "0.0.0.0", "reachable from outside the container"
    assert [p.split("/")[0] for p in runtime["EXPOSE"]] == [config["PORT"]]


def test_the_image_health_check_asks_a_real_route(dockerfile, image_env, running, workdir):
    config = effective_config(image_env, workdir)
    (check,) = dockerfile.runtime["HEALTHCHECK"]
    port, path = url_port_path(check, image_env)
    assert str(port) == config["PORT"], f"HEALTHCHECK asks port {port}, PORT is {config['PORT']}"
    assert running.get("serve", "PORT", path) == 200, f"GET {path}"


# ---- Compose and Swarm -----------------------------------------------------------------------
@pytest.mark.parametrize("path", [COMPOSE, SWARM], ids=["compose", "swarm"])
def test_services_find_each_other(path, units):
    doc = yaml_documents(path)[0]
    services = doc["services"]
    ours = [u for u in units if u.file == path.name]
    for unit in ours:
        env = unit.env
        hosts = {"DB_HOST": env.get("DB_HOST"),
                 "REDIS_URL": re.match(r"redis://(?:[^@]*@)?([^:/]+)", env["REDIS_URL"])[1],
                 "AWS_ENDPOINT_URL_S3": re.match(r"https?://([^:/]+)",
                                                 env["AWS_ENDPOINT_URL_S3"])[1]}
        missing = {k: h for k, h in hosts.items() if h not in services}
        assert not missing, f"{unit.where}: no service named {missing}"
        assert unit.config["STORAGE_URL"].startswith("s3://"), unit.config["STORAGE_URL"]
        assert int(unit.config["SHUTDOWN_GRACE_SECONDS"]) < seconds(
            services[unit.name]["stop_grace_period"]), \
            f"{unit.where}: stop_grace_period must outlast SHUTDOWN_GRACE_SECONDS"
    bucket = ours[0].config["STORAGE_URL"][len("s3://"):].split("/")[0]
    init = [s for s in services.values() if str(s.get("image", "")).startswith("minio/mc:")]
    assert init and re.search(rf"mc mb (--\S+ )*local/{re.escape(bucket)}(?![\w.-])",
                              " ".join(init[0]["command"])), f"a service creates {bucket}"
    # The proxies the API nodes trust are the network nginx reaches them on.
    subnet = ipaddress.ip_network(doc["networks"]["backend"]["ipam"]["config"][0]["subnet"])
    trusted = [ipaddress.ip_network(n) for n in ours[0].env["TRUSTED_PROXIES"].split(",")]
    assert any(subnet.subnet_of(n) for n in trusted), (subnet, trusted)


def test_compose_runs_two_api_nodes_and_two_workers_after_the_migrations():
    services = yaml_documents(COMPOSE)[0]["services"]
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    for name in ("api", "worker", "scheduler"):
        after = services[name]["depends_on"]
        assert after["migrate"]["condition"] == "service_completed_successfully", name
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["minio"]["image"].startswith("minio/minio:")
    mounted = [v.split(":")[0] for v in services["nginx"]["volumes"]]
    assert "./nginx/nginx.conf" in mounted and (COMPOSE.parent / "nginx/nginx.conf").exists()


def test_swarm_services_roll_and_roll_back_within_limits():
    doc = yaml_documents(SWARM)[0]
    assert doc["version"] == "3.8"
    services = doc["services"]
    for name in ("api", "worker", "scheduler"):
        deploy = services[name]["deploy"]
        update = deploy["update_config"]
        assert update["order"] == "start-first" and update["failure_action"] == "rollback", name
        assert update["parallelism"] >= 1 and "delay" in update, name
        assert "rollback_config" in deploy and "restart_policy" in deploy, name
        for kind in ("limits", "reservations"):
            assert {"cpus", "memory"} <= set(deploy["resources"][kind]), (name, kind)
    assert services["api"]["deploy"]["replicas"] >= 2
    for name in ("postgres", "redis", "minio"):
        assert services[name]["deploy"]["placement"]["constraints"], name
    assert all(n.get("driver") == "overlay" for n in doc["networks"].values())
    declared = doc["secrets"]
    for name, service in services.items():
        for secret in service.get("secrets", []):
            source = secret["source"] if isinstance(secret, dict) else secret
            assert source in declared, f"{name}: secret {source} is not declared"
            if isinstance(secret, dict) and secret.get("target") == ".env":
                # The server reads .env from its working directory.
                assert service.get("working_dir") == "/run/secrets", name


# ---- Kubernetes ------------------------------------------------------------------------------
def test_kustomization_applies_every_manifest():
    listed = set(yaml_documents(KUBERNETES / "kustomization.yaml")[0]["resources"])
    present = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present, f"listed {sorted(listed)}, present {sorted(present)}"


def test_kubernetes_workloads_are_probed_limited_and_locked_down(units):
    docs = kubernetes_documents()
    workloads = by_kind(docs, "Deployment") + by_kind(docs, "Job")
    ours = kubernetes_by_name(units)
    commands = {d["metadata"]["name"]: ours[d["metadata"]["name"]].command for d in workloads}
    assert sorted(commands.values()) == sorted(OUR_SERVICES.values()), commands
    for workload in workloads:
        name, pod = workload["metadata"]["name"], workload["spec"]["template"]["spec"]
        config = ours[name].config
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        volumes = {v["name"]: v for v in pod["volumes"]}
        for c in pod["containers"]:
            if workload["kind"] == "Deployment":
                assert "livenessProbe" in c and "readinessProbe" in c, name
                assert pod["terminationGracePeriodSeconds"] > int(
                    config["SHUTDOWN_GRACE_SECONDS"]), name
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), (name, kind)
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, name
            mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
            for writable in (config["DATA_DIR"], "/tmp"):
                assert writable in mounts and "emptyDir" in volumes[mounts[writable]], \
                    f"{name}: {writable} is not writable"


def test_every_replicated_deployment_has_a_disruption_budget_and_an_autoscaler():
    docs = kubernetes_documents()
    deployments = {d["metadata"]["name"]: d for d in by_kind(docs, "Deployment")}
    assert deployments["objectvision-api"]["spec"]["replicas"] == 2
    assert deployments["objectvision-worker"]["spec"]["replicas"] == 2
    scaled = {h["spec"]["scaleTargetRef"]["name"]
              for h in by_kind(docs, "HorizontalPodAutoscaler")}
    for name, d in deployments.items():
        if d["spec"]["replicas"] < 2:
            continue
        labels = d["spec"]["template"]["metadata"]["labels"]
        assert any(selects(p["spec"]["selector"], labels)
                   for p in by_kind(docs, "PodDisruptionBudget")), f"{name}: no PDB"
        assert name in scaled, f"{name}: no HorizontalPodAutoscaler"


def test_the_worker_autoscaler_reads_a_metric_the_processes_export(running):
    (hpa,) = [h for h in by_kind(kubernetes_documents(), "HorizontalPodAutoscaler")
              if h["spec"]["scaleTargetRef"]["name"] == "objectvision-worker"]
    kinds = {m["type"] for m in hpa["spec"]["metrics"]}
    assert {"Resource", "External"} <= kinds, kinds
    (external,) = [m["external"]["metric"]["name"] for m in hpa["spec"]["metrics"]
                   if m["type"] == "External"]
    assert running.get("worker", "METRICS_PORT", "/metrics") == 200
    port = running.ports["worker"]["METRICS_PORT"]
    exposition = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert re.search(rf"^{re.escape(external)}(\{{|\s)", exposition, re.MULTILINE), \
        f"the workers export no {external}"


def test_the_service_and_ingress_reach_the_api_port(units):
    docs = kubernetes_documents()
    api = kubernetes_by_name(units)["objectvision-api"]
    (service,) = by_kind(docs, "Service")
    (deployment,) = [d for d in by_kind(docs, "Deployment")
                     if selects({"matchLabels": service["spec"]["selector"]},
                                d["spec"]["template"]["metadata"]["labels"])]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for port in service["spec"]["ports"]:
        assert str(ports.get(port["targetPort"], port["targetPort"])) == api.config["PORT"]
    (ingress,) = by_kind(docs, "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    notes = ingress["metadata"]["annotations"]
    assert size_in_mib(notes["nginx.ingress.kubernetes.io/proxy-body-size"]) >= float(
        api.config["MAX_UPLOAD_MB"]), "the server, not the ingress, answers 413 at its limit"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 300, "WebSockets"
    names = {p["name"] for p in service["spec"]["ports"]}
    for rule in ingress["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            backend = p["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"] and \
                backend["port"].get("name") in names, backend


# ---- nginx -----------------------------------------------------------------------------------
def test_nginx_balances_the_api_port_and_passes_websockets(units, running):
    conf = NginxConf(NGINX_CONF)
    # Both files mount this nginx.conf: its upstream is their API service on its PORT.
    api_nodes = [u for u in units if u.file in (COMPOSE.name, SWARM.name)
                 and u.command == ("serve",)]
    compose_api = next(u for u in api_nodes if u.file == COMPOSE.name)
    assert conf.upstreams, "an upstream of the API nodes"
    for name, body in conf.upstreams.items():
        for server in nginx_directives(body, "server"):
            address, *params = server.split()
            host, port = address.rsplit(":", 1)
            for node in api_nodes:
                assert (host, port) == (node.name, node.config["PORT"]), (node.where, server)
            assert any(p.startswith("max_fails=") for p in params) and any(
                p.startswith("fail_timeout=") for p in params), f"passive checks: {server}"
    # The locations that are the server's WebSocket route: a handshake there answers 101.
    exact = [loc for loc in conf.locations if loc.startswith("= ")]
    sockets = [loc for loc in exact if handshake(running.server.port, loc[2:].strip())]
    assert sockets, f"no location of {exact} is the server's WebSocket route"
    for loc in sockets:
        headers = conf.headers(loc)
        assert headers.get("Upgrade") == "$http_upgrade", headers
        assert headers.get("Connection") in ("$connection_upgrade", "upgrade"), headers
        assert conf.effective(loc, "proxy_http_version") == ["1.1"]
        assert seconds(conf.effective(loc, "proxy_read_timeout")[0]) >= 300
    headers = conf.headers("/")
    assert headers.get("X-Forwarded-For") == "$proxy_add_x_forwarded_for", headers
    assert headers.get("X-Real-IP") == "$remote_addr", headers
    retry = conf.effective("/", "proxy_next_upstream")
    assert retry and "non_idempotent" not in retry[0], "a POST is never sent twice"
    (limit,) = nginx_directives(conf.http, "client_max_body_size")
    assert size_in_mib(limit) >= float(compose_api.config["MAX_UPLOAD_MB"]), limit


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not nginx:
        pytest.skip("nginx is not installed (scripts/setup.sh installs Debian's)")
    # nginx resolves upstream names when it starts: the services' names exist only in Docker.
    text = re.sub(r"(\bserver\s+)[A-Za-z][\w.-]*(:\d+)", r"\g<1>127.0.0.1\2",
                  NGINX_CONF.read_text())
    (tmp_path / "nginx.conf").write_text(text)
    result = subprocess.run([nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c",
                             str(tmp_path / "nginx.conf")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
